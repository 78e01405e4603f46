#include "tests/windows/testing/child_process.h"

#include <windows.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest_port/internal/platform/windows/win32_error.h"

namespace gtest_port_testing_windows {
namespace {

using gtest_port_internal::windows::UniqueHandle;
using gtest_port_internal::windows::Utf8ToWide;
using gtest_port_internal::windows::Win32ErrorToStatus;

constexpr size_t kMaxLine = 4096;

absl::Status LastError(absl::string_view operation) {
  return Win32ErrorToStatus(::GetLastError(), operation);
}

std::wstring Quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_of(" \t\"") == std::string::npos) {
    return Utf8ToWide(arg);
  }
  std::wstring out = L"\"";
  for (wchar_t c : Utf8ToWide(arg)) {
    if (c == L'"') out += L'\\';
    out += c;
  }
  return out + L"\"";
}

DWORD Millis(absl::Duration d) {
  if (d < absl::ZeroDuration()) return 0;
  if (d > absl::Hours(1)) return 3600 * 1000;
  return static_cast<DWORD>(absl::ToInt64Milliseconds(d));
}

}  // namespace

std::wstring ExecutableDirectory() {
  std::wstring path(32768, L'\0');
  const DWORD length =
      ::GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size()));
  path.resize(length);
  const size_t slash = path.find_last_of(L"\\/");
  return slash == std::wstring::npos ? L".\\" : path.substr(0, slash + 1);
}

absl::StatusOr<ChildProcess> ChildProcess::Start(
    const std::wstring& program, const std::vector<std::string>& args) {
  ChildProcess child;
  child.job_.reset(::CreateJobObjectW(nullptr, nullptr));
  if (!child.job_.valid()) return LastError("CreateJobObjectW");
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
  limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
  if (!::SetInformationJobObject(child.job_.get(),
                                 JobObjectExtendedLimitInformation, &limits,
                                 sizeof(limits))) {
    return LastError("SetInformationJobObject");
  }
  // Pipes: the child's ends inheritable, ours not.
  SECURITY_ATTRIBUTES inheritable{sizeof(inheritable), nullptr, TRUE};
  HANDLE in_read = nullptr, in_write = nullptr, out_read = nullptr,
         out_write = nullptr;
  if (!::CreatePipe(&in_read, &in_write, &inheritable, 0)) {
    return LastError("CreatePipe(stdin)");
  }
  UniqueHandle child_in(in_read);
  child.stdin_.reset(in_write);
  if (!::CreatePipe(&out_read, &out_write, &inheritable, 0)) {
    return LastError("CreatePipe(stdout)");
  }
  UniqueHandle child_out(out_write);
  child.stdout_.reset(out_read);
  ::SetHandleInformation(child.stdin_.get(), HANDLE_FLAG_INHERIT, 0);
  ::SetHandleInformation(child.stdout_.get(), HANDLE_FLAG_INHERIT, 0);

  const std::wstring path = ExecutableDirectory() + program;
  std::wstring command = L"\"" + path + L"\"";
  for (const std::string& arg : args) command += L" " + Quote(arg);
  STARTUPINFOW startup{};
  startup.cb = sizeof(startup);
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = child_in.get();
  startup.hStdOutput = child_out.get();
  startup.hStdError = ::GetStdHandle(STD_ERROR_HANDLE);
  PROCESS_INFORMATION info{};
  if (!::CreateProcessW(path.c_str(), command.data(), nullptr, nullptr,
                        /*bInheritHandles=*/TRUE, CREATE_SUSPENDED, nullptr,
                        nullptr, &startup, &info)) {
    return Win32ErrorToStatus(
        ::GetLastError(),
        absl::StrCat("CreateProcessW(", gtest_port_internal::windows::WideToUtf8(command), ")"));
  }
  child.process_.reset(info.hProcess);
  UniqueHandle thread(info.hThread);
  child.pid_ = info.dwProcessId;
  if (!::AssignProcessToJobObject(child.job_.get(), child.process_.get())) {
    absl::Status status = LastError("AssignProcessToJobObject");
    ::TerminateProcess(child.process_.get(), 1);
    ::WaitForSingleObject(child.process_.get(), INFINITE);
    return status;
  }
  ::ResumeThread(thread.get());
  return child;
}

ChildProcess::~ChildProcess() {
  if (process_.valid()) {
    ::TerminateProcess(process_.get(), 1);
    ::WaitForSingleObject(process_.get(), 30 * 1000);
  }
}

absl::StatusOr<std::string> ChildProcess::ReadLine(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    const size_t newline = buffered_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffered_.substr(0, newline);
      buffered_.erase(0, newline + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    if (buffered_.size() > kMaxLine) {
      return absl::OutOfRangeError(absl::StrCat(
          "child ", pid_, " printed a line longer than ", kMaxLine, " bytes"));
    }
    DWORD available = 0;
    if (!::PeekNamedPipe(stdout_.get(), nullptr, 0, nullptr, &available,
                         nullptr)) {
      if (::GetLastError() == ERROR_BROKEN_PIPE) {
        return absl::OutOfRangeError(absl::StrCat(
            "child ", pid_, " closed its output; unfinished line \"",
            absl::CHexEscape(buffered_), "\""));
      }
      return LastError("PeekNamedPipe");
    }
    if (available > 0) {
      char chunk[512];
      DWORD got = 0;
      const DWORD want = available < sizeof(chunk) ? available : sizeof(chunk);
      if (!::ReadFile(stdout_.get(), chunk, want, &got, nullptr)) {
        return LastError("ReadFile(child stdout)");
      }
      buffered_.append(chunk, got);
      continue;
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "child ", pid_, " printed no full line within ",
          absl::FormatDuration(timeout)));
    }
    ::Sleep(2);
  }
}

absl::Status ChildProcess::Terminate() {
  if (!::TerminateProcess(process_.get(), 9)) {
    return LastError("TerminateProcess");
  }
  if (::WaitForSingleObject(process_.get(), 30 * 1000) != WAIT_OBJECT_0) {
    return absl::DeadlineExceededError(
        absl::StrCat("child ", pid_, " still running 30 s after TerminateProcess"));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> ChildProcess::Wait(absl::Duration timeout) {
  const DWORD waited = ::WaitForSingleObject(process_.get(), Millis(timeout));
  if (waited == WAIT_TIMEOUT) {
    return absl::DeadlineExceededError(absl::StrCat(
        "child ", pid_, " still running after ", absl::FormatDuration(timeout)));
  }
  if (waited != WAIT_OBJECT_0) return LastError("WaitForSingleObject");
  DWORD code = 0;
  if (!::GetExitCodeProcess(process_.get(), &code)) {
    return LastError("GetExitCodeProcess");
  }
  return static_cast<uint32_t>(code);
}

}  // namespace gtest_port_testing_windows
