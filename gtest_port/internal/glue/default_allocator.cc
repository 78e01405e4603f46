#include "gtest_port/internal/glue/default_allocator.h"

#include <unistd.h>

#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "gtest_port/internal/engine/environment.h"
#include "gtest_port/internal/engine/reporter.h"
#include "gtest_port/internal/glue/googletest_shard.h"
#include "gtest_port/internal/glue/test_registry.h"
#include "gtest_port/internal/platform/platform.h"

namespace gtest_port_internal {
namespace {

struct DefaultState {
  absl::Mutex mu;
  std::shared_ptr<PortAllocator> allocator ABSL_GUARDED_BY(mu);
  absl::Status error ABSL_GUARDED_BY(mu);  // Of the lazily made default.
};

DefaultState& Defaults() {
  static DefaultState* const state = new DefaultState();
  return *state;
}

absl::StatusOr<std::shared_ptr<PortAllocator>> Make(
    const gtest_port::Options& options) {
  absl::StatusOr<Config> config = ResolveConfig(
      WithGoogleTestShard(options), RealPlatform(), ProcessEnvironment());
  if (!config.ok()) return config.status();
  return PortAllocator::Create(*std::move(config), RealPlatform(),
                               &TestRegistry::Global());
}

}  // namespace

absl::StatusOr<std::shared_ptr<PortAllocator>> DefaultAllocator() {
  DefaultState& state = Defaults();
  absl::MutexLock lock(&state.mu);
  if (state.allocator != nullptr) return state.allocator;
  if (!state.error.ok()) return state.error;
  absl::StatusOr<std::shared_ptr<PortAllocator>> made =
      Make(gtest_port::Options());
  if (!made.ok()) {
    state.error = made.status();
    return state.error;
  }
  for (const std::string& warning : (*made)->config().warnings) {
    Report(Severity::kWarning, warning);
  }
  state.allocator = *made;
  return state.allocator;
}

absl::StatusOr<std::shared_ptr<PortAllocator>> InstallDefaultAllocator(
    const gtest_port::Options& options) {
  absl::StatusOr<std::shared_ptr<PortAllocator>> made = Make(options);
  if (!made.ok()) return made.status();
  DefaultState& state = Defaults();
  absl::MutexLock lock(&state.mu);
  state.allocator = *made;
  state.error = absl::OkStatus();
  return made;
}

void NoteReservation(const PortAllocator& allocator, absl::string_view what) {
  const ShardSpec& shard = allocator.config().shard;
  const std::string test =
      TestNameOf(::testing::UnitTest::GetInstance()->current_test_info());
  Report(Severity::kNote,
         absl::StrCat("pid ", ::getpid(), " shard ", shard.index, "/",
                      shard.total, " ",
                      test.empty() ? "(outside any test)" : test,
                      " reserved ", what));
}

}  // namespace gtest_port_internal
