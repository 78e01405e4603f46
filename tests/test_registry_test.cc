// Tests of TestRegistry (gtest_port/internal/glue/test_registry.h): which
// test holds which port, in this process.

#include "gtest_port/internal/glue/test_registry.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gtest_port/port_reservation.h"
#include "tests/testing/private_range.h"

namespace gtest_port_internal {
namespace {

using ::gtest_port::PortReservation;
using ::gtest_port_testing::PrivateRange;
using ::testing::ElementsAre;

std::string ThisTest() {
  return TestNameOf(::testing::UnitTest::GetInstance()->current_test_info());
}

TEST(TestRegistryTest, KnowsLiveReservationsOldestFirstWithTheirTest) {
  PrivateRange range(3);
  auto allocator = range.Allocator();
  absl::StatusOr<gtest_port_internal::Reservation> block = allocator->Reserve(2);
  absl::StatusOr<gtest_port_internal::Reservation> a = allocator->Reserve(1);
  ASSERT_TRUE(a.ok() && block.ok());
  // Moving a reservation keeps its entry.
  PortReservation moved(*std::move(block));

  const ::testing::TestInfo* self =
      ::testing::UnitTest::GetInstance()->current_test_info();
  std::vector<std::string> mine;
  for (const TestReservation& r :
       TestRegistry::Global().MadeBy(self)) {
    mine.push_back(absl::StrCat(DescribePorts(r.first_port, r.count), " ",
                            TestNameOf(r.test)));
  }
  EXPECT_THAT(mine,
              ElementsAre(absl::StrCat("ports ", moved[0], "-", moved[1], " ",
                                       ThisTest()),
                          absl::StrCat("port ", a->port(), " ", ThisTest())));
  a = absl::CancelledError("released");
  EXPECT_EQ(TestRegistry::Global().MadeBy(self).size(), 1u);
}

}  // namespace
}  // namespace gtest_port_internal
