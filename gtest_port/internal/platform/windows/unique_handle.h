// File: gtest_port/internal/platform/windows/unique_handle.h
//
// UniqueHandle owns one Win32 kernel object HANDLE (mutex, process, pipe end)
// and closes it when destroyed; UniqueSocket does the same for a Winsock
// SOCKET. They are how the Windows code holds every handle it opens, so that
// none leaks on an error path. "No handle" is nullptr for UniqueHandle
// (INVALID_HANDLE_VALUE is normalised to it) and INVALID_SOCKET for
// UniqueSocket.
//
// Example:
//
//   UniqueHandle mutex(::CreateMutexW(nullptr, FALSE, name.c_str()));
//   if (!mutex.valid()) return Win32ErrorToStatus(::GetLastError(), "CreateMutexW");
//
// These classes are thread-compatible.

#ifndef GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_UNIQUE_HANDLE_H_
#define GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_UNIQUE_HANDLE_H_

#include <winsock2.h>
#include <windows.h>

#include <utility>

namespace gtest_port_internal::windows {

class [[nodiscard]] UniqueHandle final {
 public:
  UniqueHandle() noexcept = default;
  explicit UniqueHandle(HANDLE handle) noexcept { reset(handle); }
  UniqueHandle(UniqueHandle&& other) noexcept : handle_(other.release()) {}
  UniqueHandle& operator=(UniqueHandle&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueHandle(const UniqueHandle&) = delete;
  UniqueHandle& operator=(const UniqueHandle&) = delete;
  ~UniqueHandle() { reset(); }

  bool valid() const noexcept { return handle_ != nullptr; }
  HANDLE get() const noexcept { return handle_; }

  // Gives up ownership without closing.
  HANDLE release() noexcept { return std::exchange(handle_, nullptr); }

  // Closes the owned handle (if any) and takes ownership of `handle`.
  void reset(HANDLE handle = nullptr) noexcept {
    if (handle_ != nullptr) ::CloseHandle(handle_);
    handle_ = handle == INVALID_HANDLE_VALUE ? nullptr : handle;
  }

 private:
  HANDLE handle_ = nullptr;
};

class [[nodiscard]] UniqueSocket final {
 public:
  UniqueSocket() noexcept = default;
  explicit UniqueSocket(SOCKET socket) noexcept : socket_(socket) {}
  UniqueSocket(UniqueSocket&& other) noexcept : socket_(other.release()) {}
  UniqueSocket& operator=(UniqueSocket&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueSocket(const UniqueSocket&) = delete;
  UniqueSocket& operator=(const UniqueSocket&) = delete;
  ~UniqueSocket() { reset(); }

  bool valid() const noexcept { return socket_ != INVALID_SOCKET; }
  SOCKET get() const noexcept { return socket_; }
  SOCKET release() noexcept { return std::exchange(socket_, INVALID_SOCKET); }
  void reset(SOCKET socket = INVALID_SOCKET) noexcept {
    if (socket_ != INVALID_SOCKET) ::closesocket(socket_);
    socket_ = socket;
  }

 private:
  SOCKET socket_ = INVALID_SOCKET;
};

}  // namespace gtest_port_internal::windows

#endif  // GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_UNIQUE_HANDLE_H_
