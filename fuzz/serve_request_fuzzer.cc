// Fuzz target for the request parser of `gtest-port serve`:
// gtest_port_serve::ParseServeRequest and RequestComplete.
//
// A request comes from any process that can connect to the server's socket.
// Every input is either rejected with InvalidArgument and a printable message
// of bounded length, or parses to a request that is valid by construction
// (a pid 1..2^31-1 from at most 20 bytes, or a block of 1-64 ports) and that
// re-parses to itself from its canonical rendering. A whole request is always
// complete; nothing crashes or reads out of bounds.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "tools/serve/serve_request.h"

namespace {

using gtest_port_serve::kMaxBlockPorts;
using gtest_port_serve::kMaxClassicRequestBytes;
using gtest_port_serve::kMaxRequestBytes;
using gtest_port_serve::ParseServeRequest;
using gtest_port_serve::RequestComplete;
using gtest_port_serve::ServeRequest;

std::string Render(const ServeRequest& r) {
  switch (r.kind) {
    case ServeRequest::kStats:
      return "gtest_port/1 stats\n";
    case ServeRequest::kBlock:
      return absl::StrCat("gtest_port/1 block ", r.count, "\n");
    case ServeRequest::kPort:
      if (r.pid == 0) return "gtest_port/1 port\n";
      return absl::StrCat(r.client_claims ? "+" : "", r.pid, "\n");
  }
  return "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view request(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<ServeRequest> got = ParseServeRequest(request);
  (void)RequestComplete(request, false);
  FUZZ_CHECK(RequestComplete(request, true), request, "eof");

  if (!got.ok()) {
    const std::string answer = got.status().ToString();
    FUZZ_CHECK(got.status().code() == absl::StatusCode::kInvalidArgument,
               request, answer);
    const absl::string_view message = got.status().message();
    FUZZ_CHECK(!message.empty() && message.size() <= 600, request, answer);
    for (char c : message) FUZZ_CHECK(c >= 0x20 && c < 0x7f, request, answer);
    return 0;
  }
  const ServeRequest& r = *got;
  const std::string answer = Render(r);
  FUZZ_CHECK(size <= kMaxRequestBytes, request, answer);
  if (r.kind == ServeRequest::kPort && r.pid != 0) {
    FUZZ_CHECK(size <= kMaxClassicRequestBytes, request, answer);
    FUZZ_CHECK(r.pid >= 1 && r.pid <= INT32_MAX && r.count == 1, request,
               answer);
    // A whole pid is a whole request, even without its newline.
    FUZZ_CHECK(RequestComplete(request, false), request, answer);
  } else {
    FUZZ_CHECK(r.pid == 0 && r.client_claims, request, answer);
    FUZZ_CHECK(r.count >= 1 && r.count <= kMaxBlockPorts, request, answer);
  }
  const absl::StatusOr<ServeRequest> again = ParseServeRequest(answer);
  FUZZ_CHECK(again.ok() && again->kind == r.kind && again->pid == r.pid &&
                 again->count == r.count &&
                 again->client_claims == r.client_claims,
             request, answer);
  return 0;
}
