// File: gtest_port/internal/platform/probe.h
//
// PortProber is the POSIX Prober (see platform.h). It checks that a claimed port is really free: that no process --
// gtest_port user or not -- has a TCP or UDP socket on it. It binds the port
// on the wildcard address, TCP then UDP, and closes the sockets again.
//
// Where the host has IPv6, one dual-stack socket per protocol ("[::]" with
// IPV6_V6ONLY off) covers IPv4 and IPv6 at once: Linux refuses the bind when
// any IPv4 or IPv6 socket holds the port. Where it has no IPv6
// (EAFNOSUPPORT), IPv4 sockets are used. The probe sets no socket option it
// does not need: IPV6_V6ONLY is cleared only where a new IPv6 socket starts
// IPv6-only (a getsockopt at construction says so: Linux with
// net.ipv6.bindv6only = 1, or a BSD with net.inet6.ip6.v6only = 1).
//
// Example:
//
//   PortProber prober(System::Real());
//   absl::StatusOr<bool> free = prober.IsFree(20123);
//
// This class is thread-safe.

#ifndef GTEST_PORT_INTERNAL_PLATFORM_PROBE_H_
#define GTEST_PORT_INTERNAL_PLATFORM_PROBE_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest_port/internal/platform/platform.h"
#include "gtest_port/internal/platform/system.h"

namespace gtest_port_internal {

class PortProber final : public Prober {
 public:
  // Inspects the host once: whether IPv6 sockets can be created and whether
  // they start IPv6-only (one socket, one getsockopt).
  explicit PortProber(System& system);

  // True when TCP and UDP can both be bound on `port` on every address family
  // the host has; false when a socket holds it (EADDRINUSE) or the host
  // forbids it (EACCES); an error when the probe itself failed (e.g. EMFILE).
  absl::StatusOr<bool> IsFree(uint16_t port) const override;

  // Binds TCP on the wildcard address with SO_REUSEADDR, which Linux and the
  // BSDs refuse only when a socket listens on the port.
  absl::StatusOr<bool> HasListener(uint16_t port) const override;

  // Binds TCP and UDP on address:port for each of `ports` (IPv4 only: the
  // loopback network 127.0.0.0/8 is IPv4), or TCP on address:0 when `ports`
  // is empty, which shows only that the address can be bound. See
  // Prober::IsAddressFree(); EACCES (a port below 1024) is PermissionDenied.
  // Until one succeeds, each call first checks that the host has a route to
  // the address (a UDP connect, which sends nothing): Linux lets a process
  // bind 127.x.y.z in a network namespace whose loopback is down, where no
  // client could then connect (ENETUNREACH), and says so only on connect.
  absl::StatusOr<bool> IsAddressFree(
      uint32_t address, const std::vector<uint16_t>& ports) const override;

  // E.g. "TCP+UDP on [::] (dual-stack)".
  std::string Describe() const override;

 private:
  absl::StatusOr<bool> CanBindAddress(int type, uint32_t address,
                                      uint16_t port) const;
  absl::Status CheckRouted(uint32_t address, uint16_t port) const;
  absl::StatusOr<bool> CanBind(int type, uint16_t port,
                               bool reuse_address = false) const;

  System& system_;
  bool ipv6_ = true;
  bool clear_v6only_ = false;
  // Set once an address was found routed (CheckRouted()).
  mutable std::atomic<bool> address_routed_{false};
};

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_PLATFORM_PROBE_H_
