// Module entry: installs every function registered with ACS_EXPORT (see registry.h), plus the
// process-wide controls. The TypeScript view of this surface is src/backend/binding.ts.
#include <napi.h>

#include "gemm.h"
#include "napi_args.h"
#include "registry.h"
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

ACS_EXPORT("setNumThreads", SetNumThreads);
ACS_EXPORT("getNumThreads", GetNumThreads);
ACS_EXPORT("gemmKernel", GemmKernel);
ACS_EXPORT("sgemm", Sgemm);

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  for (const auto& [name, fn] : export_table()) exports.Set(name, Napi::Function::New(env, fn, name));
  return exports;
}

}  // namespace acs

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return acs::Init(env, exports); }

NODE_API_MODULE(acsconv_native, InitAddon)
