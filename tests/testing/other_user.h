// File: tests/testing/other_user.h
//
// RunAsOtherUser() runs a piece of a test as another user -- nobody, uid and
// gid 65534 -- in a forked child, for the cases where two users share a lock
// directory or one user's directory is another's. The test process usually
// runs as root here; without the privilege to switch users the child exits
// with kCannotSwitchUser and the test skips with that reason.
//
// Example:
//
//   int code = RunAsOtherUser([&] { return claimer.Claim(port)->valid() ? 0 : 1; });
//   if (code == kCannotSwitchUser) GTEST_SKIP() << "cannot become uid 65534";
//   EXPECT_EQ(code, 0);
//
// Call from a single-threaded test only (fork).

#ifndef GTEST_PORT_TESTS_TESTING_OTHER_USER_H_
#define GTEST_PORT_TESTS_TESTING_OTHER_USER_H_

#include <grp.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>

namespace gtest_port_testing {

inline constexpr uid_t kOtherUid = 65534;
inline constexpr gid_t kOtherGid = 65534;
// The child's exit code when it could not become the other user.
inline constexpr int kCannotSwitchUser = 77;

// Runs `body` as uid/gid 65534 in a forked child and returns its exit code
// (`body`'s result, 0-76 or 78-125), kCannotSwitchUser, or 128+N when signal
// N ended it. The child never returns into the test.
inline int RunAsOtherUser(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid < 0) return 126;
  if (pid == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(kOtherGid) != 0 ||
        ::setuid(kOtherUid) != 0 || ::geteuid() != kOtherUid) {
      ::_exit(kCannotSwitchUser);
    }
    ::_exit(body());
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

}  // namespace gtest_port_testing

#endif  // GTEST_PORT_TESTS_TESTING_OTHER_USER_H_
