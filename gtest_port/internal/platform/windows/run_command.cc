#include "gtest_port/internal/platform/windows/run_command.h"

#include <windows.h>

#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest_port/internal/platform/windows/unique_handle.h"
#include "gtest_port/internal/platform/windows/win32_error.h"

namespace gtest_port_internal::windows {
namespace {

absl::Status LastError(absl::string_view operation) {
  return Win32ErrorToStatus(::GetLastError(), operation);
}

// A job that kills its processes when its last handle closes.
absl::StatusOr<UniqueHandle> NewKillOnCloseJob() {
  UniqueHandle job(::CreateJobObjectW(nullptr, nullptr));
  if (!job.valid()) return LastError("CreateJobObjectW");
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
  limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
  if (!::SetInformationJobObject(job.get(), JobObjectExtendedLimitInformation,
                                 &limits, sizeof(limits))) {
    return LastError("SetInformationJobObject(KILL_ON_JOB_CLOSE)");
  }
  return job;
}

}  // namespace

std::wstring SystemProgramPath(const std::wstring& program) {
  wchar_t directory[MAX_PATH];
  const UINT length = ::GetSystemDirectoryW(directory, MAX_PATH);
  if (length == 0 || length >= MAX_PATH) return program;
  return std::wstring(directory, length) + L"\\" + program;
}

absl::StatusOr<CommandResult> RunCommand(const std::wstring& command_line,
                                         absl::Duration timeout,
                                         size_t max_output) {
  absl::StatusOr<UniqueHandle> job = NewKillOnCloseJob();
  if (!job.ok()) return job.status();

  // The pipe: our read end is never inheritable; the write end only for the
  // duration of CreateProcessW.
  HANDLE read_raw = nullptr, write_raw = nullptr;
  if (!::CreatePipe(&read_raw, &write_raw, nullptr, 0)) {
    return LastError("CreatePipe");
  }
  UniqueHandle read_end(read_raw), write_end(write_raw);
  SECURITY_ATTRIBUTES inheritable{sizeof(inheritable), nullptr, TRUE};
  UniqueHandle null_in(::CreateFileW(L"NUL", GENERIC_READ,
                                     FILE_SHARE_READ | FILE_SHARE_WRITE,
                                     &inheritable, OPEN_EXISTING, 0, nullptr));
  if (!null_in.valid()) return LastError("CreateFileW(NUL)");
  if (!::SetHandleInformation(write_end.get(), HANDLE_FLAG_INHERIT,
                              HANDLE_FLAG_INHERIT)) {
    return LastError("SetHandleInformation(pipe)");
  }

  SIZE_T attributes_size = 0;
  ::InitializeProcThreadAttributeList(nullptr, 1, 0, &attributes_size);
  std::vector<char> attributes_buffer(attributes_size);
  auto* attributes = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(
      attributes_buffer.data());
  if (!::InitializeProcThreadAttributeList(attributes, 1, 0, &attributes_size)) {
    return LastError("InitializeProcThreadAttributeList");
  }
  std::unique_ptr<std::remove_pointer_t<LPPROC_THREAD_ATTRIBUTE_LIST>,
                  decltype(&::DeleteProcThreadAttributeList)>
      attributes_guard(attributes, &::DeleteProcThreadAttributeList);
  HANDLE inherited[2] = {write_end.get(), null_in.get()};
  if (!::UpdateProcThreadAttribute(attributes, 0,
                                   PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherited,
                                   sizeof(inherited), nullptr, nullptr)) {
    return LastError("UpdateProcThreadAttribute(HANDLE_LIST)");
  }

  STARTUPINFOEXW startup{};
  startup.StartupInfo.cb = sizeof(startup);
  startup.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  startup.StartupInfo.hStdInput = null_in.get();
  startup.StartupInfo.hStdOutput = write_end.get();
  startup.StartupInfo.hStdError = write_end.get();
  startup.lpAttributeList = attributes;
  std::wstring mutable_command = command_line;  // CreateProcessW may write it
  PROCESS_INFORMATION info{};
  const BOOL started = ::CreateProcessW(
      nullptr, mutable_command.data(), nullptr, nullptr, /*bInheritHandles=*/TRUE,
      CREATE_SUSPENDED | CREATE_NO_WINDOW | EXTENDED_STARTUPINFO_PRESENT,
      nullptr, nullptr, &startup.StartupInfo, &info);
  const DWORD start_error = ::GetLastError();
  write_end.reset();  // the child's copy is the only one left
  null_in.reset();
  if (!started) {
    return Win32ErrorToStatus(
        start_error, absl::StrCat("CreateProcessW(", WideToUtf8(command_line), ")"));
  }
  UniqueHandle process(info.hProcess), thread(info.hThread);
  if (!::AssignProcessToJobObject(job->get(), process.get())) {
    absl::Status status = LastError("AssignProcessToJobObject");
    ::TerminateProcess(process.get(), 1);
    ::WaitForSingleObject(process.get(), INFINITE);
    return status;
  }
  ::ResumeThread(thread.get());

  // Drain the pipe on a thread until every writer is gone (EOF), so the
  // child never blocks on a full pipe while we wait for it.
  CommandResult result;
  std::thread reader([&] {
    char buffer[4096];
    DWORD got = 0;
    while (::ReadFile(read_end.get(), buffer, sizeof(buffer), &got, nullptr) &&
           got > 0) {
      const size_t room = max_output - result.output.size();
      if (got > room) result.truncated = true;
      result.output.append(buffer, got < room ? got : room);
    }
  });
  absl::Duration bounded = timeout;
  if (bounded < absl::ZeroDuration()) bounded = absl::ZeroDuration();
  if (bounded > absl::Hours(1)) bounded = absl::Hours(1);
  const DWORD millis = static_cast<DWORD>(absl::ToInt64Milliseconds(bounded));
  const DWORD waited = ::WaitForSingleObject(process.get(), millis);
  // Kills the program (on timeout) and anything it started that still holds
  // the pipe, so the reader sees EOF.
  ::TerminateJobObject(job->get(), 1);
  reader.join();
  if (waited == WAIT_TIMEOUT) {
    ::WaitForSingleObject(process.get(), INFINITE);
    return absl::DeadlineExceededError(
        absl::StrCat(WideToUtf8(command_line), ": still running after ",
                     absl::FormatDuration(timeout), "; killed"));
  }
  if (waited != WAIT_OBJECT_0) return LastError("WaitForSingleObject(process)");
  DWORD exit_code = 0;
  if (!::GetExitCodeProcess(process.get(), &exit_code)) {
    return LastError("GetExitCodeProcess");
  }
  result.exit_code = exit_code;
  return result;
}

}  // namespace gtest_port_internal::windows
