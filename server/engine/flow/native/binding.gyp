{
  "targets": [
    {
      "target_name": "temporal_warp",
      "sources": ["temporal_warp.cc", "release_memory.cc"],
      # Debian's opencv4.pc ships only with libopencv-dev, which pulls in every OpenCV module;
      # libopencv-video-dev (plus the core and imgproc -dev packages it depends on) is all this needs.
      # node-addon-api goes in as an include dir rather than a gyp dependency: the dependency makes
      # gyp write makefiles next to node_modules, outside build/.
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "/usr/include/opencv4"],
      "libraries": ["-lopencv_core", "-lopencv_imgproc", "-lopencv_video"],
      # An analyzeAsync() that settles while its worker thread is being terminated can't reach JS:
      # the swallow define drops that failed throw instead of aborting the process on it.
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"]
    }
  ]
}
