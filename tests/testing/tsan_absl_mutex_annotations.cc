// File: tests/testing/tsan_absl_mutex_annotations.cc
//
// Makes ThreadSanitizer understand absl::Mutex when Abseil itself is a
// prebuilt, uninstrumented library (Debian's libabsl-dev).
//
// absl::Mutex tells ThreadSanitizer about each lock and unlock through
// __tsan_mutex_* annotations -- but only when Abseil's own .cc files were
// compiled with -fsanitize=thread. Debian's libabsl_synchronization.so was
// not, so a TSan build of gtest_port sees memory that threads touch under an
// absl::MutexLock without any happens-before edge, and reports a data race
// on every guarded member (PortFixture::reservations_, the default
// allocator, ...). Those reports are false, and suppressing them would hide
// real races in the same code.
//
// This file is compiled into every executable of a TSan build (the
// top-level CMakeLists.txt adds it when CMAKE_CXX_FLAGS contain
// -fsanitize=thread). It defines absl::Mutex's out-of-line lock and unlock
// functions; the executable's definitions take precedence over the shared
// library's, so every call lands here. Each one forwards to the real
// function in libabsl_synchronization.so (found with dlsym(RTLD_NEXT)) and
// brackets it with the same __tsan_mutex_* annotations Abseil's
// instrumented build would make. Locking itself stays Abseil's; only what
// ThreadSanitizer is told changes.
//
// Covered: Lock, Unlock, TryLock, ReaderLock, ReaderUnlock, ReaderTryLock
// and the destructor -- everything absl::MutexLock, ReaderMutexLock and
// WriterMutexLock use. Not covered: LockWhen/Await/CondVar, which release
// and reacquire the mutex inside Abseil; gtest_port does not use them.
//
// Example (what the build does; nothing to call):
//
//   clang++ -fsanitize=thread my_test.cc tsan_absl_mutex_annotations.cc \
//       -labsl_synchronization -ldl
//
// Thread-safety: every function here is safe to call from any thread, as
// the absl::Mutex functions it stands in for are.

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GTEST_PORT_TSAN_BUILD 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define GTEST_PORT_TSAN_BUILD 1
#endif

#ifdef GTEST_PORT_TSAN_BUILD

#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/base/options.h"
#include "absl/synchronization/mutex.h"

namespace {

using VoidMember = void (*)(absl::Mutex*);
using BoolMember = bool (*)(absl::Mutex*);

// The Itanium-mangled name of absl::Mutex::<member>, inside Abseil's inline
// namespace (e.g. "_ZN4absl7debian35Mutex4LockEv").
std::string MangledMutexMember(const char* member_and_signature) {
  std::string name = "_ZN4absl";
#if ABSL_OPTION_USE_INLINE_NAMESPACE
#define GTEST_PORT_STRINGIFY_INNER(x) #x
#define GTEST_PORT_STRINGIFY(x) GTEST_PORT_STRINGIFY_INNER(x)
  const char* inline_namespace =
      GTEST_PORT_STRINGIFY(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  name += std::to_string(std::strlen(inline_namespace));
  name += inline_namespace;
#endif
  name += "5Mutex";
  name += member_and_signature;
  return name;
}

// The real function from libabsl_synchronization.so. Aborts when it cannot
// be found: running on without the real lock would be worse than stopping.
void* Real(const char* member_and_signature) {
  const std::string name = MangledMutexMember(member_and_signature);
  void* real = ::dlsym(RTLD_NEXT, name.c_str());
  if (real == nullptr) {
    std::fprintf(stderr,
                 "tsan_absl_mutex_annotations: %s not found in the loaded "
                 "Abseil libraries: %s\n",
                 name.c_str(), ::dlerror());
    std::abort();
  }
  return real;
}

// Resolved once, thread-safely (function-local statics), on first use.
VoidMember RealLock() {
  static const auto f = reinterpret_cast<VoidMember>(Real("4LockEv"));
  return f;
}
VoidMember RealUnlock() {
  static const auto f = reinterpret_cast<VoidMember>(Real("6UnlockEv"));
  return f;
}
BoolMember RealTryLock() {
  static const auto f = reinterpret_cast<BoolMember>(Real("7TryLockEv"));
  return f;
}
VoidMember RealReaderLock() {
  static const auto f = reinterpret_cast<VoidMember>(Real("10ReaderLockEv"));
  return f;
}
VoidMember RealReaderUnlock() {
  static const auto f = reinterpret_cast<VoidMember>(Real("12ReaderUnlockEv"));
  return f;
}
BoolMember RealReaderTryLock() {
  static const auto f = reinterpret_cast<BoolMember>(Real("13ReaderTryLockEv"));
  return f;
}
VoidMember RealDestructor() {
  static const auto f = reinterpret_cast<VoidMember>(Real("D1Ev"));
  return f;
}

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

void Mutex::Lock() {
  __tsan_mutex_pre_lock(this, 0);
  RealLock()(this);
  __tsan_mutex_post_lock(this, 0, 0);
}

void Mutex::Unlock() {
  __tsan_mutex_pre_unlock(this, 0);
  RealUnlock()(this);
  __tsan_mutex_post_unlock(this, 0);
}

bool Mutex::TryLock() {
  __tsan_mutex_pre_lock(this, __tsan_mutex_try_lock);
  const bool locked = RealTryLock()(this);
  __tsan_mutex_post_lock(
      this, __tsan_mutex_try_lock | (locked ? 0 : __tsan_mutex_try_lock_failed),
      0);
  return locked;
}

void Mutex::ReaderLock() {
  __tsan_mutex_pre_lock(this, __tsan_mutex_read_lock);
  RealReaderLock()(this);
  __tsan_mutex_post_lock(this, __tsan_mutex_read_lock, 0);
}

void Mutex::ReaderUnlock() {
  __tsan_mutex_pre_unlock(this, __tsan_mutex_read_lock);
  RealReaderUnlock()(this);
  __tsan_mutex_post_unlock(this, __tsan_mutex_read_lock);
}

bool Mutex::ReaderTryLock() {
  const unsigned flags = __tsan_mutex_read_lock | __tsan_mutex_try_lock;
  __tsan_mutex_pre_lock(this, flags);
  const bool locked = RealReaderTryLock()(this);
  __tsan_mutex_post_lock(
      this, flags | (locked ? 0 : __tsan_mutex_try_lock_failed), 0);
  return locked;
}

Mutex::~Mutex() {
  __tsan_mutex_destroy(this, 0);
  RealDestructor()(this);
}

ABSL_NAMESPACE_END
}  // namespace absl

#endif  // GTEST_PORT_TSAN_BUILD
