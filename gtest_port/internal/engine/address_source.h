// File: gtest_port/internal/engine/address_source.h
//
// AddressSource reserves loopback addresses (127.x.y.z) from this shard's
// slice of the address pool, for servers that must listen on a fixed port:
// three nodes of a cluster all on port 9042, each on its own address. It is
// LocalSource's twin for addresses:
//
//   1. candidates come from an atomic counter over the slice, started at
//      StartOffset() (pid and clock), so that threads and one-process-per-
//      test runs spread out;
//   2. each candidate is claimed machine-wide in the address name space
//      (Claimer::ClaimAddress(): "@gtest_port/v1/addr/127.1.0.7" on Linux,
//      "<lock dir>/addr-127.1.0.7.lock" elsewhere), skipping addresses other
//      gtest_port users hold, and then probed (Prober::IsAddressFree(): TCP
//      and UDP bound on address:port for each port the caller will use),
//      skipping addresses where a foreign socket has one of those ports.
//
// A probe that says the host does not route the address to loopback
// (FailedPrecondition: macOS without an lo0 alias) ends the reservation at
// once with its message: every other candidate would fail the same way.
//
// Example:
//
//   AddressSource addresses(config, *claimer, *prober);
//   absl::StatusOr<HeldAddresses> three = addresses.Take(3, {9042});
//
// This class is thread-safe.

#ifndef GTEST_PORT_INTERNAL_ENGINE_ADDRESS_SOURCE_H_
#define GTEST_PORT_INTERNAL_ENGINE_ADDRESS_SOURCE_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest_port/internal/address_range.h"
#include "gtest_port/internal/engine/config.h"
#include "gtest_port/internal/platform/platform.h"

namespace gtest_port_internal {

// One reserved address and the claim that holds it; closing the claim
// releases the address.
struct HeldAddress {
  uint32_t address = 0;  // IPv4, host byte order.
  PortClaim claim;
};

using HeldAddresses = std::vector<HeldAddress>;

class AddressSource {
 public:
  // All references must outlive the source.
  AddressSource(const Config& config, const Claimer& claimer,
                const Prober& prober);

  // `count` distinct addresses of the slice, all held, or none.
  // InvalidArgument when `count` < 1, more than the slice has, or a port is
  // 0; ResourceExhausted when too few candidates are free (saying how many
  // were held by whom and what to do); FailedPrecondition when the host
  // does not route the pool to loopback; Unimplemented where the platform
  // has no address claims.
  absl::StatusOr<HeldAddresses> Take(int count,
                                     const std::vector<uint16_t>& ports);

 private:
  const Config& config_;
  const Claimer& claimer_;
  const Prober& prober_;
  const uint64_t start_;
  std::atomic<uint64_t> next_{0};
};

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_ENGINE_ADDRESS_SOURCE_H_
