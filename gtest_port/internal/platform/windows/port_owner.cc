#include "gtest_port/internal/platform/windows/port_owner.h"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>
#include <windows.h>

#include <cstddef>

#include "absl/strings/str_cat.h"
#include "gtest_port/internal/platform/windows/unique_handle.h"
#include "gtest_port/internal/platform/windows/win32_error.h"

namespace gtest_port_internal::windows {
namespace {

const char* TcpStateName(DWORD state) {
  switch (state) {
    case MIB_TCP_STATE_CLOSED: return "CLOSED";
    case MIB_TCP_STATE_LISTEN: return "LISTEN";
    case MIB_TCP_STATE_SYN_SENT: return "SYN_SENT";
    case MIB_TCP_STATE_SYN_RCVD: return "SYN_RCVD";
    case MIB_TCP_STATE_ESTAB: return "ESTABLISHED";
    case MIB_TCP_STATE_FIN_WAIT1: return "FIN_WAIT1";
    case MIB_TCP_STATE_FIN_WAIT2: return "FIN_WAIT2";
    case MIB_TCP_STATE_CLOSE_WAIT: return "CLOSE_WAIT";
    case MIB_TCP_STATE_CLOSING: return "CLOSING";
    case MIB_TCP_STATE_LAST_ACK: return "LAST_ACK";
    case MIB_TCP_STATE_TIME_WAIT: return "TIME_WAIT";
    case MIB_TCP_STATE_DELETE_TCB: return "DELETE_TCB";
    default: return "UNKNOWN";
  }
}

uint16_t LocalPort(DWORD network_order) {
  return ::ntohs(static_cast<u_short>(network_order & 0xffff));
}

// Calls `get(buffer, &size)` (a Get*Table) until the buffer is big enough,
// starting at `initial` bytes; the table can grow between the size query and
// the read, so a few rounds are allowed. A family the host does not have
// sets *family_missing.
template <typename Get>
absl::StatusOr<std::vector<char>> ReadTable(Get get, const char* operation,
                                            size_t initial,
                                            bool* family_missing) {
  std::vector<char> buffer(initial);
  for (int round = 0; round < 8; ++round) {
    ULONG size = static_cast<ULONG>(buffer.size());
    const DWORD error = get(buffer.data(), &size);
    if (error == NO_ERROR) return buffer;
    if (error == ERROR_INSUFFICIENT_BUFFER) {
      buffer.resize(size + size / 4 + 1024);
      continue;
    }
    if (error == ERROR_NOT_SUPPORTED || error == ERROR_INVALID_PARAMETER) {
      *family_missing = true;
      return buffer;
    }
    return Win32ErrorToStatus(error, operation);
  }
  return absl::UnavailableError(absl::StrCat(
      operation, ": the table kept growing while being read; try again"));
}

// The owner tables (GetExtended*Table with a process id) cost far more than
// the plain ones where the system must search for each socket's process
// (Wine scans every process's descriptors: seconds on a busy host). So the
// plain table is read first, and the owner table only when the port is in
// it, with a buffer sized from the plain one.
struct Presence {
  bool present = false;
  size_t rows = 0;
};

template <typename Table>
absl::StatusOr<Presence> FindInPlainTable(
    absl::StatusOr<std::vector<char>> table, bool missing, uint16_t port) {
  if (!table.ok()) return table.status();
  if (missing) return Presence{};
  const auto* rows = reinterpret_cast<const Table*>(table->data());
  Presence presence{false, rows->dwNumEntries};
  for (DWORD i = 0; i < rows->dwNumEntries; ++i) {
    if (LocalPort(rows->table[i].dwLocalPort) == port) presence.present = true;
  }
  return presence;
}

absl::StatusOr<Presence> TcpPresence(ULONG family, uint16_t port) {
  bool missing = false;
  if (family == AF_INET) {
    return FindInPlainTable<MIB_TCPTABLE>(
        ReadTable([](void* b, ULONG* size) {
                    return ::GetTcpTable(static_cast<PMIB_TCPTABLE>(b), size, FALSE);
                  },
                  "GetTcpTable", 64 * 1024, &missing),
        missing, port);
  }
  return FindInPlainTable<MIB_TCP6TABLE>(
      ReadTable([](void* b, ULONG* size) {
                  return ::GetTcp6Table(static_cast<PMIB_TCP6TABLE>(b), size, FALSE);
                },
                "GetTcp6Table", 64 * 1024, &missing),
      missing, port);
}

absl::StatusOr<Presence> UdpPresence(ULONG family, uint16_t port) {
  bool missing = false;
  if (family == AF_INET) {
    return FindInPlainTable<MIB_UDPTABLE>(
        ReadTable([](void* b, ULONG* size) {
                    return ::GetUdpTable(static_cast<PMIB_UDPTABLE>(b), size, FALSE);
                  },
                  "GetUdpTable", 64 * 1024, &missing),
        missing, port);
  }
  return FindInPlainTable<MIB_UDP6TABLE>(
      ReadTable([](void* b, ULONG* size) {
                  return ::GetUdp6Table(static_cast<PMIB_UDP6TABLE>(b), size, FALSE);
                },
                "GetUdp6Table", 64 * 1024, &missing),
      missing, port);
}

absl::Status AddTcpOwners(ULONG family, uint16_t port,
                          std::vector<PortOwner>* owners) {
  absl::StatusOr<Presence> presence = TcpPresence(family, port);
  if (!presence.ok()) return presence.status();
  if (!presence->present) return absl::OkStatus();
  bool missing = false;
  const size_t row_size = family == AF_INET ? sizeof(MIB_TCPROW_OWNER_PID)
                                            : sizeof(MIB_TCP6ROW_OWNER_PID);
  absl::StatusOr<std::vector<char>> table = ReadTable(
      [family](void* buffer, ULONG* size) {
        DWORD dword_size = *size;
        const DWORD error = ::GetExtendedTcpTable(
            buffer, &dword_size, FALSE, family, TCP_TABLE_OWNER_PID_ALL, 0);
        *size = dword_size;
        return error;
      },
      family == AF_INET ? "GetExtendedTcpTable(AF_INET)"
                        : "GetExtendedTcpTable(AF_INET6)",
      (presence->rows + presence->rows / 4 + 64) * row_size, &missing);
  if (!table.ok()) return table.status();
  if (missing) return absl::OkStatus();
  if (family == AF_INET) {
    const auto* rows = reinterpret_cast<const MIB_TCPTABLE_OWNER_PID*>(table->data());
    for (DWORD i = 0; i < rows->dwNumEntries; ++i) {
      const MIB_TCPROW_OWNER_PID& row = rows->table[i];
      if (LocalPort(row.dwLocalPort) != port) continue;
      owners->push_back({row.dwOwningPid, false, TcpStateName(row.dwState)});
    }
  } else {
    const auto* rows = reinterpret_cast<const MIB_TCP6TABLE_OWNER_PID*>(table->data());
    for (DWORD i = 0; i < rows->dwNumEntries; ++i) {
      const MIB_TCP6ROW_OWNER_PID& row = rows->table[i];
      if (LocalPort(row.dwLocalPort) != port) continue;
      owners->push_back({row.dwOwningPid, true, TcpStateName(row.dwState)});
    }
  }
  return absl::OkStatus();
}

absl::Status AddUdpOwners(ULONG family, uint16_t port,
                          std::vector<PortOwner>* owners) {
  absl::StatusOr<Presence> presence = UdpPresence(family, port);
  if (!presence.ok()) return presence.status();
  if (!presence->present) return absl::OkStatus();
  bool missing = false;
  const size_t row_size = family == AF_INET ? sizeof(MIB_UDPROW_OWNER_PID)
                                            : sizeof(MIB_UDP6ROW_OWNER_PID);
  absl::StatusOr<std::vector<char>> table = ReadTable(
      [family](void* buffer, ULONG* size) {
        DWORD dword_size = *size;
        const DWORD error = ::GetExtendedUdpTable(
            buffer, &dword_size, FALSE, family, UDP_TABLE_OWNER_PID, 0);
        *size = dword_size;
        return error;
      },
      family == AF_INET ? "GetExtendedUdpTable(AF_INET)"
                        : "GetExtendedUdpTable(AF_INET6)",
      (presence->rows + presence->rows / 4 + 64) * row_size, &missing);
  if (!table.ok()) return table.status();
  if (missing) return absl::OkStatus();
  if (family == AF_INET) {
    const auto* rows = reinterpret_cast<const MIB_UDPTABLE_OWNER_PID*>(table->data());
    for (DWORD i = 0; i < rows->dwNumEntries; ++i) {
      const MIB_UDPROW_OWNER_PID& row = rows->table[i];
      if (LocalPort(row.dwLocalPort) != port) continue;
      owners->push_back({row.dwOwningPid, false, ""});
    }
  } else {
    const auto* rows = reinterpret_cast<const MIB_UDP6TABLE_OWNER_PID*>(table->data());
    for (DWORD i = 0; i < rows->dwNumEntries; ++i) {
      const MIB_UDP6ROW_OWNER_PID& row = rows->table[i];
      if (LocalPort(row.dwLocalPort) != port) continue;
      owners->push_back({row.dwOwningPid, true, ""});
    }
  }
  return absl::OkStatus();
}

// The number of rows of a Get*Table result in `table`, checked against its
// size: a count the buffer cannot hold is an error, not a read past its end.
template <typename Table>
absl::StatusOr<DWORD> CheckedRowCount(const std::vector<char>& table,
                                      const char* operation) {
  constexpr size_t kHeader = offsetof(Table, table);
  constexpr size_t kRow = sizeof(Table::table[0]);
  if (table.size() < kHeader) {
    return absl::InternalError(absl::StrCat(
        operation, " returned ", table.size(), " bytes, less than its header"));
  }
  const DWORD rows = reinterpret_cast<const Table*>(table.data())->dwNumEntries;
  if (rows > (table.size() - kHeader) / kRow) {
    return absl::InternalError(absl::StrCat(
        operation, " claims ", rows, " rows in a ", table.size(),
        "-byte table, which holds at most ", (table.size() - kHeader) / kRow));
  }
  return rows;
}

// GetExtendedTcpTable(family, table_class) into a buffer that grows as
// needed; *missing when the host has no such family.
absl::StatusOr<std::vector<char>> ExtendedTcpTable(ULONG family,
                                                   TCP_TABLE_CLASS table_class,
                                                   const char* operation,
                                                   size_t initial,
                                                   bool* missing) {
  return ReadTable(
      [family, table_class](void* buffer, ULONG* size) {
        DWORD dword_size = *size;
        const DWORD error = ::GetExtendedTcpTable(buffer, &dword_size, FALSE,
                                                  family, table_class, 0);
        *size = dword_size;
        return error;
      },
      operation, initial, missing);
}

// A plain table row's state (the IPv6 row spells it differently).
DWORD PlainState(const MIB_TCPROW& row) { return row.dwState; }
DWORD PlainState(const MIB_TCP6ROW& row) { return static_cast<DWORD>(row.State); }

// The listeners of `family` on `port`: the plain table first (GetTcpTable,
// GetTcp6Table: no process search; the basic listener class has no IPv6
// form), the owner listener table only when a LISTEN row on the port is in it.
template <typename PlainTable, typename OwnerTable>
absl::Status AddTcpListeners(ULONG family, uint16_t port,
                             std::vector<PortOwner>* listeners) {
  const bool ipv6 = family == AF_INET6;
  const char* plain_operation = ipv6 ? "GetTcp6Table" : "GetTcpTable";
  bool missing = false;
  absl::StatusOr<std::vector<char>> plain = ReadTable(
      [ipv6](void* b, ULONG* size) {
        return ipv6 ? ::GetTcp6Table(static_cast<PMIB_TCP6TABLE>(b), size, FALSE)
                    : ::GetTcpTable(static_cast<PMIB_TCPTABLE>(b), size, FALSE);
      },
      plain_operation, 64 * 1024, &missing);
  if (!plain.ok()) return plain.status();
  if (missing) return absl::OkStatus();
  absl::StatusOr<DWORD> plain_rows =
      CheckedRowCount<PlainTable>(*plain, plain_operation);
  if (!plain_rows.ok()) return plain_rows.status();
  const auto* plain_table = reinterpret_cast<const PlainTable*>(plain->data());
  bool present = false;
  DWORD listening = 0;
  for (DWORD i = 0; i < *plain_rows; ++i) {
    const auto& row = plain_table->table[i];
    if (PlainState(row) != MIB_TCP_STATE_LISTEN) continue;
    ++listening;
    present = present || LocalPort(row.dwLocalPort) == port;
  }
  if (!present) return absl::OkStatus();

  const char* owner_operation =
      ipv6 ? "GetExtendedTcpTable(AF_INET6, TCP_TABLE_OWNER_PID_LISTENER)"
           : "GetExtendedTcpTable(AF_INET, TCP_TABLE_OWNER_PID_LISTENER)";
  absl::StatusOr<std::vector<char>> owned = ExtendedTcpTable(
      family, TCP_TABLE_OWNER_PID_LISTENER, owner_operation,
      offsetof(OwnerTable, table) +
          (listening + listening / 4 + 16) * sizeof(OwnerTable::table[0]),
      &missing);
  if (!owned.ok()) return owned.status();
  if (missing) return absl::OkStatus();
  absl::StatusOr<DWORD> owned_rows =
      CheckedRowCount<OwnerTable>(*owned, owner_operation);
  if (!owned_rows.ok()) return owned_rows.status();
  const auto* owned_table = reinterpret_cast<const OwnerTable*>(owned->data());
  for (DWORD i = 0; i < *owned_rows; ++i) {
    const auto& row = owned_table->table[i];
    // The listener table holds listeners only; the state is checked anyway.
    if (LocalPort(row.dwLocalPort) != port ||
        row.dwState != MIB_TCP_STATE_LISTEN) {
      continue;
    }
    listeners->push_back({row.dwOwningPid, ipv6, "LISTEN"});
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<PortOwner>> FindPortOwners(Protocol protocol,
                                                      uint16_t port) {
  if (port == 0) {
    return absl::InvalidArgumentError(
        "FindPortOwners: port 0 has no owners; pass 1-65535");
  }
  std::vector<PortOwner> owners;
  for (ULONG family : {AF_INET, AF_INET6}) {
    absl::Status added = protocol == Protocol::kTcp
                             ? AddTcpOwners(family, port, &owners)
                             : AddUdpOwners(family, port, &owners);
    if (!added.ok()) return added;
  }
  return owners;
}

absl::StatusOr<std::vector<PortOwner>> FindTcpListeners(uint16_t port) {
  if (port == 0) {
    return absl::InvalidArgumentError(
        "FindTcpListeners: port 0 has no listeners; pass 1-65535");
  }
  std::vector<PortOwner> listeners;
  absl::Status added =
      AddTcpListeners<MIB_TCPTABLE, MIB_TCPTABLE_OWNER_PID>(AF_INET, port,
                                                            &listeners);
  if (!added.ok()) return added;
  added = AddTcpListeners<MIB_TCP6TABLE, MIB_TCP6TABLE_OWNER_PID>(
      AF_INET6, port, &listeners);
  if (!added.ok()) return added;
  return listeners;
}

absl::StatusOr<std::string> ProcessImageName(uint32_t pid) {
  if (pid == 0 || pid == 4) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ProcessImageName: pid ", pid,
        pid == 0 ? " is the idle process" : " is the System process",
        ", which has no image file"));
  }
  UniqueHandle process(
      ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid));
  if (!process.valid()) {
    const DWORD error = ::GetLastError();
    if (error == ERROR_INVALID_PARAMETER) {
      return absl::NotFoundError(
          absl::StrCat("ProcessImageName: no process with pid ", pid));
    }
    return Win32ErrorToStatus(error, absl::StrCat("OpenProcess(", pid, ")"));
  }
  std::wstring path(32768, L'\0');  // the longest path Windows has
  DWORD length = static_cast<DWORD>(path.size());
  if (!::QueryFullProcessImageNameW(process.get(), 0, path.data(), &length)) {
    return Win32ErrorToStatus(::GetLastError(),
                              absl::StrCat("QueryFullProcessImageNameW(", pid, ")"));
  }
  return WideToUtf8(std::wstring_view(path.data(), length));
}

}  // namespace gtest_port_internal::windows
