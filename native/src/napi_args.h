// Argument access for the export table. The TypeScript wrappers in src/backend validate shapes and
// lengths first, so these helpers only check kinds (a wrong kind is a programming error in src/backend).
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace acs {

inline float* f32(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a Float32Array");
  }
  return info[i].As<Napi::Float32Array>().Data();
}

inline float* f32_or_null(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return nullptr;
  return f32(info, i);
}

inline int32_t* i32(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be an Int32Array");
  }
  return info[i].As<Napi::Int32Array>().Data();
}

inline int64_t num(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a number");
  }
  return info[i].As<Napi::Number>().Int64Value();
}

inline double dbl(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a number");
  }
  return info[i].As<Napi::Number>().DoubleValue();
}

inline bool flag(const Napi::CallbackInfo& info, size_t i) { return info[i].ToBoolean().Value(); }

// An int array argument given as a JS array of numbers (shapes, strides, paddings).
inline std::vector<int64_t> ints(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsArray()) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be an array");
  }
  auto arr = info[i].As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) out[k] = arr.Get(k).As<Napi::Number>().Int64Value();
  return out;
}

}  // namespace acs
