// claim_holder: claims ports the way gtest_port does on Windows and holds
// the claims until its standard input closes (or it is killed).
//
//   claim_holder.exe global|local PORT...
//
// Prints one line per port, "CLAIMED PORT" or "HELD PORT" (another process
// holds it), then "READY". Exit code 2 for bad arguments, 1 when a claim
// could not be tried.

#include <cstdio>
#include <cstring>
#include <vector>

#include <windows.h>

#include "absl/strings/numbers.h"
#include "gtest_port/internal/platform/windows/claim.h"

namespace windows = gtest_port_internal::windows;

int main(int argc, char** argv) {
  if (argc < 3 || (std::strcmp(argv[1], "global") != 0 &&
                   std::strcmp(argv[1], "local") != 0)) {
    std::fprintf(stderr, "usage: claim_holder global|local PORT...\n");
    return 2;
  }
  const windows::ClaimScope scope = std::strcmp(argv[1], "global") == 0
                                        ? windows::ClaimScope::kGlobal
                                        : windows::ClaimScope::kLocal;
  std::vector<windows::UniqueHandle> claims;
  for (int i = 2; i < argc; ++i) {
    int port = 0;
    if (!absl::SimpleAtoi(argv[i], &port) || port < 1 || port > 65535) {
      std::fprintf(stderr, "claim_holder: port must be 1-65535\n");
      return 2;
    }
    absl::StatusOr<windows::UniqueHandle> claim =
        windows::ClaimPort(scope, static_cast<uint16_t>(port));
    if (!claim.ok()) {
      std::fprintf(stderr, "claim_holder: %s\n",
                   std::string(claim.status().message()).c_str());
      return 1;
    }
    std::printf("%s %d\n", claim->valid() ? "CLAIMED" : "HELD", port);
    if (claim->valid()) claims.push_back(*std::move(claim));
  }
  std::printf("READY\n");
  std::fflush(stdout);
  char buffer[64];
  DWORD got = 0;
  while (::ReadFile(::GetStdHandle(STD_INPUT_HANDLE), buffer, sizeof(buffer),
                    &got, nullptr) &&
         got > 0) {
  }
  return 0;
}
