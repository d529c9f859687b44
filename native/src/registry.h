// Self-registering exports: each kernel family's .cc file registers its N-API functions with
// ACS_EXPORT, and addon.cc's Init installs them all. Adding a family touches no shared file.
#pragma once
#include <napi.h>

#include <string>
#include <utility>
#include <vector>

namespace acs {

using ExportFn = Napi::Value (*)(const Napi::CallbackInfo&);

inline std::vector<std::pair<std::string, ExportFn>>& export_table() {
  static std::vector<std::pair<std::string, ExportFn>> table;
  return table;
}

struct ExportRegistrar {
  ExportRegistrar(const char* name, ExportFn fn) { export_table().emplace_back(name, fn); }
};

}  // namespace acs

#define ACS_EXPORT_CAT2(a, b) a##b
#define ACS_EXPORT_CAT(a, b) ACS_EXPORT_CAT2(a, b)
// ACS_EXPORT("jsName", CppFunction);
#define ACS_EXPORT(name, fn) \
  static ::acs::ExportRegistrar ACS_EXPORT_CAT(acs_export_registrar_, __LINE__)(name, fn)
