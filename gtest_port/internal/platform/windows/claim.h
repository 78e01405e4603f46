// File: gtest_port/internal/platform/windows/claim.h
//
// The Windows machine-wide claim on a port: a named kernel object per port,
// "Global\gtest_port/v1/<port>" (a mutex nobody locks; only its existence
// matters). A loopback address (gtest_port::ReserveAddress()) is claimed the
// same way, "Global\gtest_port/v1/addr/127.1.0.7": the names of
// shared_names.h, as the POSIX back-ends use them. Whoever creates the object holds the claim; everyone else finds
// it existing (ERROR_ALREADY_EXISTS, or ERROR_ACCESS_DENIED when another
// user created it) and moves on. The object dies with its last handle, and
// the system closes every handle of a process when it ends, however it ends
// (crash, TerminateProcess), so a dead holder's claim comes back at once.
//
// Namespace. "Global\" spans every logon session on the machine, which is
// what ports span. Creating there can be refused (AppContainer and other
// sandboxes, a policy without SeCreateGlobalPrivilege-like rights): then the
// session namespace "Local\" is used, with the reason said in
// ClaimNamespace::reason, because claims are then visible only within this
// logon session. A Windows Server container has its own object namespace and
// its own network stack, so there too the claim has the scope of its ports,
// as Linux abstract sockets do per network namespace.
//
// Why a named object and not LockFileEx on "<dir>/<port>.lock":
//   * a lock file needs one directory every process agrees on; %TEMP% is per
//     user and redirected in sandboxes, while object names need no file
//     system at all;
//   * lock files stay behind after use, and removing them races with a
//     concurrent opener (the same reason the Linux lock files are never
//     unlinked);
//   * Windows documents that the locks of an ended process are released
//     "after a delay that depends on available system resources", which
//     would turn "a killed holder's claim comes back at once" into a retry
//     loop; a named object is gone when the process's handle table is torn
//     down, before the process object is signalled;
//   * antivirus scanners, indexers and network home directories open, hold
//     and delay files; nothing touches a kernel object name.
// Why not the mutex's ownership (WaitForSingleObject): ownership belongs to
// a thread and is abandoned when that thread exits, but a claim must live as
// long as its handle, whichever thread made it.
//
// The handle is not inheritable (lpMutexAttributes is null), so a server a
// test starts never keeps a claim alive after the test releases it.
//
// Example:
//
//   absl::StatusOr<ClaimNamespace> ns = ChooseClaimNamespace();
//   if (!ns.ok()) return ns.status();
//   if (!ns->reason.empty()) std::cerr << ns->reason << "\n";
//   absl::StatusOr<UniqueHandle> claim = ClaimPort(ns->scope, 20123);
//   if (!claim.ok()) return claim.status();   // out of handles and the like
//   if (!claim->valid()) { /* someone else holds 20123 */ }
//
// All functions are thread-safe.

#ifndef GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_CLAIM_H_
#define GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_CLAIM_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gtest_port/internal/platform/windows/unique_handle.h"

namespace gtest_port_internal::windows {

enum class ClaimScope { kGlobal, kLocal };

struct ClaimNamespace {
  ClaimScope scope = ClaimScope::kGlobal;
  // Empty for kGlobal; for kLocal, why Global\ was refused and what that
  // means for the user.
  std::string reason;
};

// The object name for `port`, e.g. L"Global\\gtest_port/v1/20123".
std::wstring ClaimObjectName(ClaimScope scope, uint16_t port);

// Tries to create a private object in Global\ (named after this process id)
// and removes it again: kGlobal when that works, kLocal with a reason when
// Global\ is refused, an error when object creation fails for another reason.
absl::StatusOr<ClaimNamespace> ChooseClaimNamespace();

// A valid handle holding the claim when `port` was free to claim in `scope`;
// an empty handle when another live claim holds it; an error when the claim
// could not be tried (e.g. ResourceExhausted when out of memory;
// InvalidArgument for port 0).
absl::StatusOr<UniqueHandle> ClaimPort(ClaimScope scope, uint16_t port);

// The object name for the loopback address `dotted` ("127.1.0.7"), e.g.
// L"Global\\gtest_port/v1/addr/127.1.0.7".
std::wstring AddressClaimObjectName(ClaimScope scope, absl::string_view dotted);

// As ClaimPort(), for the loopback address `dotted` ("127.1.0.7").
absl::StatusOr<UniqueHandle> ClaimAddress(ClaimScope scope,
                                          absl::string_view dotted);

// For a start-up line, e.g. "named objects Global\gtest_port/v1/<port>".
std::string DescribeClaimNamespace(const ClaimNamespace& ns);

}  // namespace gtest_port_internal::windows

#endif  // GTEST_PORT_INTERNAL_PLATFORM_WINDOWS_CLAIM_H_
