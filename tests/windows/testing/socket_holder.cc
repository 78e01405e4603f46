// socket_holder: a stand-in server. Binds a port and holds it until its
// standard input closes (or it is killed).
//
//   socket_holder.exe tcp4|tcp6|udp4|udp6 PORT [forever]
//
// PORT 0 picks a free port. Prints "PORT N", then "READY". With "forever" it
// ignores its standard input and runs until killed. Exit code 2 for bad
// arguments, 1 when the bind failed.

#include <cstdio>
#include <string>

#include <windows.h>

#include "absl/strings/numbers.h"
#include "tests/windows/testing/sockets.h"

namespace testing_windows = gtest_port_testing_windows;

int main(int argc, char** argv) {
  int port = -1;
  absl::StatusOr<testing_windows::SocketSpec> spec =
      argc == 3 || argc == 4
          ? testing_windows::ParseSocketSpec(argv[1])
          : absl::InvalidArgumentError("two or three arguments expected");
  const bool forever = argc == 4 && std::string(argv[3]) == "forever";
  if (!spec.ok() || !absl::SimpleAtoi(argv[2], &port) || port < 0 ||
      port > 65535 || (argc == 4 && !forever)) {
    std::fprintf(stderr,
                 "usage: socket_holder tcp4|tcp6|udp4|udp6 PORT [forever]\n");
    return 2;
  }
  absl::StatusOr<gtest_port_internal::windows::UniqueSocket> socket =
      testing_windows::BindSocket(spec->kind, spec->address,
                                  static_cast<uint16_t>(port),
                                  testing_windows::SocketReuse::kNone);
  if (!socket.ok()) {
    std::fprintf(stderr, "socket_holder: %s\n",
                 std::string(socket.status().message()).c_str());
    return 1;
  }
  absl::StatusOr<uint16_t> bound = testing_windows::BoundPort(socket->get());
  if (!bound.ok()) return 1;
  std::printf("PORT %u\nREADY\n", static_cast<unsigned>(*bound));
  std::fflush(stdout);
  if (forever) ::Sleep(INFINITE);
  char buffer[64];
  DWORD got = 0;
  while (::ReadFile(::GetStdHandle(STD_INPUT_HANDLE), buffer, sizeof(buffer),
                    &got, nullptr) &&
         got > 0) {
  }
  return 0;
}
