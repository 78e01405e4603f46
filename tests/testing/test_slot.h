// File: tests/testing/test_slot.h
//
// TakeTestSlot() locks one numbered slot of a kind of test resource
// ("range", "address_pool") machine-wide, so that tests running at once
// (ctest -j runs each test as its own process) never share it: an abstract
// socket "gtest_port_test/<kind>/<slot>" (Linux; the portable back-end's
// tests run on Linux too) or a named object "Local\gtest_port_test/<kind>/
// <slot>" (Windows) -- the same kinds of claim the library makes. The slot
// is held while the returned lock lives; the lock is empty (valid() is
// false) when another test holds the slot.
//
// Example:
//
//   TestSlotLock lock = TakeTestSlot("range", 7);
//   if (!lock.valid()) { /* try another slot */ }
//
// Thread-safe.

#ifndef GTEST_PORT_TESTS_TESTING_TEST_SLOT_H_
#define GTEST_PORT_TESTS_TESTING_TEST_SLOT_H_

#ifdef _WIN32
#include "gtest_port/internal/platform/windows/unique_handle.h"
#else
#include <sys/socket.h>
#include <sys/un.h>

#include "gtest_port/internal/platform/unique_fd.h"
#endif

#include <cstddef>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace gtest_port_testing {

#ifdef _WIN32
using TestSlotLock = gtest_port_internal::windows::UniqueHandle;
#else
using TestSlotLock = gtest_port_internal::UniqueFd;
#endif

inline TestSlotLock TakeTestSlot(absl::string_view kind, int slot) {
  const std::string name = absl::StrCat("gtest_port_test/", kind, "/", slot);
#ifdef _WIN32
  const std::string scoped = absl::StrCat("Local\\", name);
  const std::wstring wide(scoped.begin(), scoped.end());
  TestSlotLock mutex(::CreateMutexW(nullptr, FALSE, wide.c_str()));
  if (!mutex.valid() || ::GetLastError() == ERROR_ALREADY_EXISTS) {
    return TestSlotLock();
  }
  return mutex;
#else
  TestSlotLock fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, name.data(), name.size());
  if (!fd.valid() ||
      ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr),
             offsetof(sockaddr_un, sun_path) + 1 + name.size()) != 0) {
    return TestSlotLock();
  }
  return fd;
#endif
}

}  // namespace gtest_port_testing

#endif  // GTEST_PORT_TESTS_TESTING_TEST_SLOT_H_
