// Fuzz target for the port server's reply:
// gtest_port_internal::ParsePortServerReply.
//
// The reply comes from another process (PORTSERVER_ADDRESS may name any
// socket). Every input either parses to a port 1-65535 that re-parses to
// itself from the protocol's own rendering "PORT\n", or is rejected:
// ResourceExhausted for an empty reply (a refusal), InvalidArgument for
// anything else, with a printable message of bounded length however long the
// reply. Which inputs parse is checked against an independent reading of the
// protocol: 1-5 decimal digits, then optionally "\n" or "\r\n".

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "gtest_port/internal/engine/portserver_client.h"

namespace {

using gtest_port_internal::ParsePortServerReply;

// The digits of the reply once its line ending is taken off.
absl::string_view Digits(absl::string_view reply) {
  if (!reply.empty() && reply.back() == '\n') {
    reply.remove_suffix(1);
    if (!reply.empty() && reply.back() == '\r') reply.remove_suffix(1);
  }
  return reply;
}

std::optional<int> Expected(absl::string_view reply) {
  const absl::string_view digits = Digits(reply);
  if (digits.empty() || digits.size() > 5) return std::nullopt;
  int port = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) return std::nullopt;
  return port;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view reply(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<uint16_t> got = ParsePortServerReply(reply);
  const std::optional<int> want = Expected(reply);
  const std::string answer =
      got.ok() ? absl::StrCat(*got) : got.status().ToString();

  FUZZ_CHECK(got.ok() == want.has_value(), reply, answer);
  if (got.ok()) {
    FUZZ_CHECK(*got >= 1 && static_cast<int>(*got) == *want, reply, answer);
    const absl::StatusOr<uint16_t> again =
        ParsePortServerReply(absl::StrCat(*got, "\n"));
    FUZZ_CHECK(again.ok() && *again == *got, reply, answer);
    return 0;
  }
  const absl::StatusCode want_code = Digits(reply).empty()
                                         ? absl::StatusCode::kResourceExhausted
                                         : absl::StatusCode::kInvalidArgument;
  FUZZ_CHECK(got.status().code() == want_code, reply, answer);
  const absl::string_view message = got.status().message();
  FUZZ_CHECK(!message.empty() && message.size() <= 400, reply, message);
  for (char c : message) {
    FUZZ_CHECK(c >= 0x20 && c < 0x7f, reply, message);
  }
  return 0;
}
