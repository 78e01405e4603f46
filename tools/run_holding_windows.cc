#include "tools/run_holding.h"

#include <windows.h>

#include <algorithm>
#include <cstdio>
#include <cwchar>
#include <cwctype>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "gtest_port/internal/platform/windows/unique_handle.h"
#include "gtest_port/internal/platform/windows/win32_error.h"

namespace gtest_port_cli {
namespace {

namespace win = ::gtest_port_internal::windows;

// One argument as the C runtime's command-line parser reads it back:
// quoted when it has blanks or quotes (or is empty), with the backslashes
// before a quote (and before the closing quote) doubled.
std::wstring QuoteArgument(const std::wstring& arg) {
  if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
    return arg;
  }
  std::wstring out = L"\"";
  size_t backslashes = 0;
  for (wchar_t c : arg) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    out.append(c == L'"' ? 2 * backslashes + 1 : backslashes, L'\\');
    backslashes = 0;
    out += c;
  }
  out.append(2 * backslashes, L'\\');
  return out + L"\"";
}

// The name part of "NAME=value", for sorting; the per-drive entries
// ("=C:=C:\dir") have an empty name before their first '='.
std::wstring NameOf(const std::wstring& entry) {
  const size_t equals = entry.find(L'=', 1);
  std::wstring name = entry.substr(0, equals);
  for (wchar_t& c : name) c = static_cast<wchar_t>(std::towupper(c));
  return name;
}

// This process's environment without the port variables of an enclosing
// `gtest-port reserve`, plus `added`, as a CREATE_UNICODE_ENVIRONMENT block
// sorted by name as Windows expects.
std::wstring EnvironmentBlock(const std::vector<std::string>& added) {
  std::vector<std::wstring> entries;
  if (wchar_t* block = ::GetEnvironmentStringsW(); block != nullptr) {
    for (const wchar_t* e = block; *e != L'\0'; e += std::wcslen(e) + 1) {
      std::wstring entry(e);
      if (!IsPortVariable(win::WideToUtf8(entry))) entries.push_back(entry);
    }
    ::FreeEnvironmentStringsW(block);
  }
  for (const std::string& entry : added) entries.push_back(win::Utf8ToWide(entry));
  std::stable_sort(entries.begin(), entries.end(),
                   [](const std::wstring& a, const std::wstring& b) {
                     return NameOf(a) < NameOf(b);
                   });
  std::wstring block;
  for (const std::wstring& entry : entries) {
    block += entry;
    block += L'\0';
  }
  block += L'\0';
  return block;
}

// Ctrl+C and Ctrl+Break reach every process of the console, COMMAND
// included: gtest-port keeps waiting for COMMAND, whose exit status it
// reports, instead of dying and releasing the ports under it.
BOOL WINAPI KeepWaiting(DWORD event) {
  return event == CTRL_C_EVENT || event == CTRL_BREAK_EVENT ? TRUE : FALSE;
}

}  // namespace

int RunHolding(const std::vector<std::string>& argv,
               const std::vector<std::string>& env) {
  std::wstring command_line;
  for (const std::string& arg : argv) {
    if (!command_line.empty()) command_line += L' ';
    command_line += QuoteArgument(win::Utf8ToWide(arg));
  }
  std::wstring environment = EnvironmentBlock(env);

  // COMMAND gets inheritable copies of this process's standard handles and
  // nothing else (PROC_THREAD_ATTRIBUTE_HANDLE_LIST): not the claims, which
  // are not inheritable anyway, nor any handle a library left inheritable.
  const HANDLE self = ::GetCurrentProcess();
  win::UniqueHandle standard[3];
  const DWORD kStandard[3] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE,
                              STD_ERROR_HANDLE};
  std::vector<HANDLE> inherited;
  for (int i = 0; i < 3; ++i) {
    const HANDLE original = ::GetStdHandle(kStandard[i]);
    HANDLE copy = nullptr;
    if (original != nullptr && original != INVALID_HANDLE_VALUE &&
        ::DuplicateHandle(self, original, self, &copy, 0, /*bInheritHandle=*/TRUE,
                          DUPLICATE_SAME_ACCESS)) {
      standard[i].reset(copy);
      inherited.push_back(copy);
    }
  }
  STARTUPINFOEXW startup{};
  startup.StartupInfo.cb = sizeof(startup);
  startup.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  startup.StartupInfo.hStdInput = standard[0].get();
  startup.StartupInfo.hStdOutput = standard[1].get();
  startup.StartupInfo.hStdError = standard[2].get();
  std::vector<char> attributes_buffer;
  std::unique_ptr<std::remove_pointer_t<LPPROC_THREAD_ATTRIBUTE_LIST>,
                  decltype(&::DeleteProcThreadAttributeList)>
      attributes(nullptr, &::DeleteProcThreadAttributeList);
  DWORD flags = CREATE_UNICODE_ENVIRONMENT;
  if (!inherited.empty()) {
    SIZE_T size = 0;
    ::InitializeProcThreadAttributeList(nullptr, 1, 0, &size);
    attributes_buffer.resize(size);
    auto* list =
        reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(attributes_buffer.data());
    if (!::InitializeProcThreadAttributeList(list, 1, 0, &size)) {
      std::fprintf(stderr, "gtest-port reserve: %s\n",
                   win::Win32ErrorToStatus(::GetLastError(),
                                           "InitializeProcThreadAttributeList")
                       .ToString()
                       .c_str());
      return 1;
    }
    attributes.reset(list);
    if (!::UpdateProcThreadAttribute(list, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
                                     inherited.data(),
                                     inherited.size() * sizeof(HANDLE), nullptr,
                                     nullptr)) {
      std::fprintf(stderr, "gtest-port reserve: %s\n",
                   win::Win32ErrorToStatus(::GetLastError(),
                                           "UpdateProcThreadAttribute(HANDLE_LIST)")
                       .ToString()
                       .c_str());
      return 1;
    }
    startup.lpAttributeList = list;
    flags |= EXTENDED_STARTUPINFO_PRESENT;
  }

  ::SetConsoleCtrlHandler(&KeepWaiting, TRUE);
  PROCESS_INFORMATION info{};
  // lpApplicationName null: the program is looked up as a shell would on
  // Windows (this program's directory, the current one, the system
  // directories, PATH; ".exe" appended when it has no extension).
  const BOOL started = ::CreateProcessW(
      nullptr, command_line.data(), nullptr, nullptr,
      /*bInheritHandles=*/inherited.empty() ? FALSE : TRUE, flags,
      environment.data(), nullptr, &startup.StartupInfo, &info);
  const DWORD start_error = ::GetLastError();
  for (win::UniqueHandle& h : standard) h.reset();  // COMMAND has its own.
  if (!started) {
    ::SetConsoleCtrlHandler(&KeepWaiting, FALSE);
    std::fprintf(stderr, "gtest-port reserve: cannot run %s: %s\n",
                 argv[0].c_str(), win::Win32ErrorMessage(start_error).c_str());
    return start_error == ERROR_FILE_NOT_FOUND ||
                   start_error == ERROR_PATH_NOT_FOUND ||
                   start_error == ERROR_INVALID_NAME
               ? kNotFound
               : kCannotExecute;
  }
  win::UniqueHandle process(info.hProcess), thread(info.hThread);
  thread.reset();
  int status = 1;
  DWORD code = 0;
  if (::WaitForSingleObject(process.get(), INFINITE) != WAIT_OBJECT_0 ||
      !::GetExitCodeProcess(process.get(), &code)) {
    std::fprintf(stderr, "gtest-port reserve: waiting for %s: %s\n",
                 argv[0].c_str(),
                 win::Win32ErrorMessage(::GetLastError()).c_str());
  } else {
    status = static_cast<int>(code);
  }
  ::SetConsoleCtrlHandler(&KeepWaiting, FALSE);
  return status;
}

}  // namespace gtest_port_cli
