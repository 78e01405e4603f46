// File: tests/testing/mock_system.h
//
// MockSystem is a GoogleMock System whose every method delegates to the real
// operating system by default; MakePosixPlatform(mock) makes a Platform over
// it. A test overrides just the call whose failure
// it needs (EMFILE from socket(), EAFNOSUPPORT for IPv6, a garbled /proc
// file) and everything else stays real.

#ifndef GTEST_PORT_TESTS_TESTING_MOCK_SYSTEM_H_
#define GTEST_PORT_TESTS_TESTING_MOCK_SYSTEM_H_

#include <string>

#include "gmock/gmock.h"
#include "gtest_port/internal/platform/system.h"

namespace gtest_port_testing {

class MockSystem : public gtest_port_internal::System {
 public:
  MockSystem() {
    System& real = System::Real();
    using ::testing::Invoke;
    ON_CALL(*this, Socket).WillByDefault(Invoke(&real, &System::Socket));
    ON_CALL(*this, Bind).WillByDefault(Invoke(&real, &System::Bind));
    ON_CALL(*this, Listen).WillByDefault(Invoke(&real, &System::Listen));
    ON_CALL(*this, SetSockOpt).WillByDefault(Invoke(&real, &System::SetSockOpt));
    ON_CALL(*this, Open).WillByDefault(Invoke(&real, &System::Open));
    ON_CALL(*this, Flock).WillByDefault(Invoke(&real, &System::Flock));
    ON_CALL(*this, ReadFile).WillByDefault(Invoke(&real, &System::ReadFile));
    ON_CALL(*this, Connect).WillByDefault(Invoke(&real, &System::Connect));
    ON_CALL(*this, GetSockOpt).WillByDefault(Invoke(&real, &System::GetSockOpt));
    ON_CALL(*this, Poll).WillByDefault(Invoke(&real, &System::Poll));
    ON_CALL(*this, Send).WillByDefault(Invoke(&real, &System::Send));
    ON_CALL(*this, Recv).WillByDefault(Invoke(&real, &System::Recv));
    ON_CALL(*this, Mkdir).WillByDefault(Invoke(&real, &System::Mkdir));
    ON_CALL(*this, Chmod).WillByDefault(Invoke(&real, &System::Chmod));
    ON_CALL(*this, Lstat).WillByDefault(Invoke(&real, &System::Lstat));
    ON_CALL(*this, Fstat).WillByDefault(Invoke(&real, &System::Fstat));
    ON_CALL(*this, Fchmod).WillByDefault(Invoke(&real, &System::Fchmod));
    ON_CALL(*this, Ftruncate).WillByDefault(Invoke(&real, &System::Ftruncate));
    ON_CALL(*this, Pwrite).WillByDefault(Invoke(&real, &System::Pwrite));
    ON_CALL(*this, Access).WillByDefault(Invoke(&real, &System::Access));
    ON_CALL(*this, Geteuid).WillByDefault(Invoke(&real, &System::Geteuid));
  }

  MOCK_METHOD(int, Socket, (int, int, int), (override));
  MOCK_METHOD(int, Bind, (int, const sockaddr*, socklen_t), (override));
  MOCK_METHOD(int, Listen, (int, int), (override));
  MOCK_METHOD(int, SetSockOpt, (int, int, int, const void*, socklen_t),
              (override));
  MOCK_METHOD(int, Open, (const char*, int, mode_t), (override));
  MOCK_METHOD(int, Flock, (int, int), (override));
  MOCK_METHOD(absl::StatusOr<std::string>, ReadFile, (absl::string_view),
              (override));
  MOCK_METHOD(int, Connect, (int, const sockaddr*, socklen_t), (override));
  MOCK_METHOD(int, GetSockOpt, (int, int, int, void*, socklen_t*), (override));
  MOCK_METHOD(int, Poll, (pollfd*, nfds_t, int), (override));
  MOCK_METHOD(ssize_t, Send, (int, const void*, size_t, int), (override));
  MOCK_METHOD(ssize_t, Recv, (int, void*, size_t, int), (override));
  MOCK_METHOD(int, Mkdir, (const char*, mode_t), (override));
  MOCK_METHOD(int, Chmod, (const char*, mode_t), (override));
  MOCK_METHOD(int, Lstat, (const char*, struct stat*), (override));
  MOCK_METHOD(int, Fstat, (int, struct stat*), (override));
  MOCK_METHOD(int, Fchmod, (int, mode_t), (override));
  MOCK_METHOD(int, Ftruncate, (int, off_t), (override));
  MOCK_METHOD(ssize_t, Pwrite, (int, const void*, size_t, off_t), (override));
  MOCK_METHOD(int, Access, (const char*, int), (override));
  MOCK_METHOD(uid_t, Geteuid, (), (override));
};

// An action that fails a POSIX-style call with `error`.
inline auto FailWith(int error) {
  return [error](auto&&...) {
    errno = error;
    return -1;
  };
}

}  // namespace gtest_port_testing

#endif  // GTEST_PORT_TESTS_TESTING_MOCK_SYSTEM_H_
