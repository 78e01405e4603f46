// File: gtest_port/internal/glue/lingering_listeners.h
//
// Finds servers that outlived their test: a TCP listener still on a port
// the test has just released (PortFixture::TearDown). Such a server keeps
// the port from the next test that is handed it, and, when it is a child
// process, may hold ctest's output pipe so that ctest waits for it.
//
// The check is cheap and needs no /proc: one bind(2) with SO_REUSEADDR per
// released port (Prober::HasListener), which only a listener refuses. Only
// when it finds one is the process named, through a describer that
// gtest_port_main installs from gtest_port_diagnostics (DescribePortUser):
// gtest_port itself does not link the /proc code, so a test binary with its
// own main() gets the port and "run `gtest-port who PORT`" instead.
//
// Where the platform's own socket tables say which sockets listen and who
// owns them (Windows: GetExtendedTcpTable's listener table, through
// Prober::FindListener), they answer both questions: a connection still
// closing (TIME_WAIT), which makes Windows' exclusive bind fail, is never
// taken for a server, and the owning pid is named without the describer.
//
// Example:
//
//   for (const std::string& line : LingeringListeners("Suite.Test", ports)) {
//     Report(Severity::kWarning, line);
//   }
//
// Both functions are thread-safe.

#ifndef GTEST_PORT_INTERNAL_GLUE_LINGERING_LISTENERS_H_
#define GTEST_PORT_INTERNAL_GLUE_LINGERING_LISTENERS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gtest_port/export.h"

namespace gtest_port_internal {

// Looks at who uses `port` once the bind check found it held: false when no
// socket listens on it after all (e.g. only a TIME_WAIT left by a server
// without SO_REUSEADDR, which the bind cannot tell apart); otherwise true,
// with `who` set to one line (e.g. PortUser::ToString()), or left empty
// when it cannot tell.
using PortUserDescriber = bool (*)(uint16_t port, std::string* who);

// Installs `describer` (nullptr: none) for LingeringListeners().
// Exported by a shared gtest_port (gtest_port/export.h): gtest_port_main calls
// it across the library boundary.
GTEST_PORT_EXPORT void SetPortUserDescriber(PortUserDescriber describer);

// One sentence for each of `ports` that a TCP listener still holds, naming
// `test`, the port and who listens (or how to find out). Without a
// describer, a port whose only socket is a TIME_WAIT of a server without
// SO_REUSEADDR is reported too.
std::vector<std::string> LingeringListeners(absl::string_view test,
                                            const std::vector<uint16_t>& ports);

}  // namespace gtest_port_internal

#endif  // GTEST_PORT_INTERNAL_GLUE_LINGERING_LISTENERS_H_
