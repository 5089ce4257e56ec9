// V8 flags for every Node process that moves video frames (the server, conversions, the CLI, the
// benchmarks). Frames are large ArrayBuffers, and V8 counts their bytes in its heap limits: with the
// default limits a ~13 MB heap ran a full mark-compact 4-5 times a second at 2 live 360p streams
// (about 10 % of a core on the main thread and V8's helper threads, measured with --trace-gc and
// per-thread /proc times). A 128 MB initial old-generation limit leaves them to scavenges: none at
// 4 streams. The launchers that cannot import this (package.json's start and bench scripts, the
// Dockerfiles' CMD, bin/sketchcast.js) spell the same flag; a test keeps them in step.
export const heapFlags = ["--initial-old-space-size=128"];
