// docs/migrating.md, "A per-shard base port": the "after" code, compiled and
// run. The START/END region is quoted in the guide (check_guide.py).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"
#include "samples/echo_server.h"

namespace {

using ::gtest_port_samples::Echo;
using ::gtest_port_samples::EchoServer;

// [START after]
class ClusterTest : public gtest_port::PortFixture {};

TEST_F(ClusterTest, ThreeNodes) {
  // was: const uint16_t base = 11234 + shard * 100; nodes on base + i
  uint16_t base = 0;
  ASSERT_NO_FATAL_FAILURE(base = ReserveBlock(3));  // base, base+1, base+2
  std::vector<std::unique_ptr<EchoServer>> nodes;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::unique_ptr<EchoServer>> node =
        EchoServer::Start(base + i, EchoServer::Protocol::kTcp);
    ASSERT_TRUE(node.ok()) << node.status();
    nodes.push_back(*std::move(node));
  }
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::string> reply =
        Echo(base + i, EchoServer::Protocol::kTcp, absl::StrCat("node ", i));
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(*reply, absl::StrCat("node ", i));
  }
}
// [END after]

}  // namespace
