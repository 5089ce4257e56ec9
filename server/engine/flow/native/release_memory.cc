// Hands freed heap memory back to the OS. After a large frame's buffers are freed (onnxruntime's
// arena on a session reopen, a flow state's OpenCV mats), glibc keeps their pages in its heaps, so
// the process would stay near its peak; malloc_trim(0) returns the free pages of every heap.
#include <malloc.h>
#include <napi.h>

Napi::Value ReleaseFreedMemory(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), malloc_trim(0) != 0);
}
