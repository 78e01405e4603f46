#include "tests/windows/testing/wine.h"

#include <windows.h>

namespace gtest_port_testing_windows {
namespace {

using WineGetVersion = const char*(__cdecl*)();

WineGetVersion Lookup() {
  HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  if (ntdll == nullptr) return nullptr;
  return reinterpret_cast<WineGetVersion>(
      reinterpret_cast<void*>(::GetProcAddress(ntdll, "wine_get_version")));
}

}  // namespace

bool RunningUnderWine() { return Lookup() != nullptr; }

std::string WineVersion() {
  WineGetVersion get = Lookup();
  return get == nullptr ? "" : get();
}

}  // namespace gtest_port_testing_windows
