#include "gtest_port/internal/glue/lingering_listeners.h"

#include <atomic>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest_port/internal/engine/allocator.h"
#include "gtest_port/internal/glue/default_allocator.h"
#include "gtest_port/internal/platform/platform.h"

namespace gtest_port_internal {
namespace {

std::atomic<PortUserDescriber> g_describer{nullptr};

}  // namespace

void SetPortUserDescriber(PortUserDescriber describer) {
  g_describer.store(describer, std::memory_order_release);
}

std::vector<std::string> LingeringListeners(
    absl::string_view test, const std::vector<uint16_t>& ports) {
  std::vector<std::string> found;
  if (ports.empty()) return found;
  // The default allocator's prober, which has inspected the host already;
  // without one (a bad configuration), one of its own, made once.
  absl::StatusOr<std::shared_ptr<PortAllocator>> allocator =
      DefaultAllocator();
  const Prober* prober = nullptr;
  if (allocator.ok()) {
    prober = &(*allocator)->prober();
  } else {
    static const Prober* const own = RealPlatform().MakeProber().release();
    prober = own;
  }
  for (const uint16_t port : ports) {
    absl::StatusOr<Prober::Listener> listener = prober->FindListener(port);
    // A failed probe says nothing.
    if (!listener.ok() || !listener->listening) continue;
    std::string who = listener->who;
    if (PortUserDescriber describe =
            g_describer.load(std::memory_order_acquire);
        who.empty() && describe != nullptr && !describe(port, &who)) {
      continue;  // No listener after all.
    }
    if (who.empty()) {
      who = absl::StrCat("run `gtest-port who ", port, "` to see which process");
    }
    found.push_back(absl::StrCat(
        test, " has ended, but a server still listens on port ", port,
        ", which it reserved: ", who,
        ". Stop the servers a test starts before it ends."));
  }
  return found;
}

}  // namespace gtest_port_internal
