// The export table: every function the .node exposes, in one place (typed in src/backend/binding.ts).
#include <napi.h>

#include "gemm.h"
#include "napi_args.h"
#include "threadpool.h"

namespace acs {
namespace {

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  set_num_threads(static_cast<int>(num(info, 0)));
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), num_threads());
}

Napi::Value GemmKernel(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), sgemm_kernel_name());
}

// sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  sgemm(flag(info, 0), flag(info, 1), num(info, 2), num(info, 3), num(info, 4),
        static_cast<float>(dbl(info, 5)), f32(info, 6), num(info, 7), f32(info, 8), num(info, 9),
        static_cast<float>(dbl(info, 10)), f32(info, 11), num(info, 12));
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  exports.Set("gemmKernel", Napi::Function::New(env, GemmKernel));
  exports.Set("sgemm", Napi::Function::New(env, Sgemm));
  return exports;
}

}  // namespace
}  // namespace acs

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return acs::Init(env, exports); }

NODE_API_MODULE(acsconv_native, InitAddon)
