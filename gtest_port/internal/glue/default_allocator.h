// File: gtest_port/internal/glue/default_allocator.h
//
// The process's default allocator: the one gtest_port::Reserve() and
// PortFixture use. PortEnvironment::SetUp() makes it from its Options
// (InstallDefaultAllocator); without a registered environment, the first
// reservation makes it from the environment variables and defaults. Either
// way it is wired to the real platform, the process's environment,
// GoogleTest's own shard (googletest_shard.h) and the TestRegistry, which
// records which test holds which port.
//
// Example:
//
//   absl::StatusOr<std::shared_ptr<PortAllocator>> allocator =
//       DefaultAllocator();
//   if (!allocator.ok()) { /* the configuration is bad */ }
//
// Thread-safe.

#ifndef GTEST_PORT_INTERNAL_GLUE_DEFAULT_ALLOCATOR_H_
#define GTEST_PORT_INTERNAL_GLUE_DEFAULT_ALLOCATOR_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gtest_port/internal/engine/allocator.h"
#include "gtest_port/options.h"

namespace gtest_port_internal {

// The allocator the last InstallDefaultAllocator() made or, before any, one
// configured from the environment (made on first use; its warnings are
// reported then). A bad configuration is returned as an error every time.
absl::StatusOr<std::shared_ptr<PortAllocator>> DefaultAllocator();

// Makes an allocator from `options` (and the environment) and installs it as
// the default. Reservations made by an earlier default stay valid. Reports
// nothing: the caller (PortEnvironment) prints its start-up lines.
absl::StatusOr<std::shared_ptr<PortAllocator>> InstallDefaultAllocator(
    const gtest_port::Options& options);

// The GTEST_PORT_VERBOSE note of what `allocator` just reserved for the
// running test: "pid P shard i/n TEST reserved WHAT". Callers check
// Config::verbose first, so that nothing is formatted when it is off.
void NoteReservation(const PortAllocator& allocator, absl::string_view what);

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_GLUE_DEFAULT_ALLOCATOR_H_
