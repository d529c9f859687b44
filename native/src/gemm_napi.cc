// JavaScript surface of the GEMM family beyond addon.cc's sgemm/gemmKernel.
#include <napi.h>

#include <string>

#include "gemm.h"
#include "registry.h"

namespace acs {
namespace {

// gemmSetKernel(name) -> boolean
Napi::Value GemmSetKernel(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) throw Napi::TypeError::New(info.Env(), "argument 0 must be a string");
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  return Napi::Boolean::New(info.Env(), sgemm_set_kernel(name.c_str()));
}

ACS_EXPORT("gemmSetKernel", GemmSetKernel);

}  // namespace
}  // namespace acs
