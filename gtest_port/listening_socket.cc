#include "gtest_port/listening_socket.h"

#ifndef _WIN32

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest_port/internal/platform/system.h"
#include "gtest_port/internal/platform/wildcard_socket.h"

namespace gtest_port_internal {

absl::StatusOr<gtest_port::ListeningSocket> ReserveWildcardSocket(
    System& system, bool datagram) {
  const WildcardSocketType type =
      datagram ? WildcardSocketType::kUdp : WildcardSocketType::kTcpListener;
  // Ports a process outside gtest_port took between the probe and the bind
  // are held until this call returns, so that the next Reserve() cannot hand
  // the same one back (a port server's free list would), then released.
  std::vector<gtest_port::PortReservation> taken;
  for (int attempt = 0; attempt < kMaxSocketBindAttempts; ++attempt) {
    absl::StatusOr<gtest_port::PortReservation> reservation =
        gtest_port::Reserve();
    if (!reservation.ok()) return reservation.status();
    absl::StatusOr<UniqueFd> fd =
        OpenWildcardSocket(system, type, reservation->port());
    if (!fd.ok()) return fd.status();
    if (fd->valid()) {
      return gtest_port::ListeningSocket(*std::move(reservation),
                                         *std::move(fd));
    }
    taken.push_back(*std::move(reservation));
  }
  std::vector<uint16_t> ports;
  ports.reserve(taken.size());
  for (const gtest_port::PortReservation& r : taken) ports.push_back(r.port());
  return absl::UnavailableError(absl::StrCat(
      "bind(", datagram ? "UDP" : "TCP", "): Address already in use on each of ",
      kMaxSocketBindAttempts, " reserved ports (", absl::StrJoin(ports, ", "),
      "): a process outside gtest_port took each one between its probe and "
      "the bind; run `gtest-port who PORT` to see which process, and keep "
      "such processes off GTEST_PORT_RANGE"));
}

}  // namespace gtest_port_internal

namespace gtest_port {

absl::StatusOr<ListeningSocket> ReserveListeningSocket() {
  return gtest_port_internal::ReserveWildcardSocket(
      gtest_port_internal::System::Real(), /*datagram=*/false);
}

absl::StatusOr<ListeningSocket> ReserveBoundDatagramSocket() {
  return gtest_port_internal::ReserveWildcardSocket(
      gtest_port_internal::System::Real(), /*datagram=*/true);
}

}  // namespace gtest_port

#endif  // _WIN32
