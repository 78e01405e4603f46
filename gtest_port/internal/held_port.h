// File: gtest_port/internal/held_port.h
//
// One reserved port and the descriptor that holds its machine-wide claim.
// This class is thread-compatible.

#ifndef GTEST_PORT_INTERNAL_HELD_PORT_H_
#define GTEST_PORT_INTERNAL_HELD_PORT_H_

#include <cstdint>

#include "absl/container/inlined_vector.h"
#include "gtest_port/internal/unique_fd.h"

namespace gtest_port_internal {

struct HeldPort {
  uint16_t port = 0;
  UniqueFd claim;
  // Handed out by the port server: goes back to the allocator's free list
  // when released.
  bool from_port_server = false;
};

// A single port needs no heap allocation.
using HeldPorts = absl::InlinedVector<HeldPort, 1>;

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_HELD_PORT_H_
