#include "tools/run_holding.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace gtest_port_cli {
namespace {

// The child COMMAND runs as; signals are passed on to it.
volatile sig_atomic_t child_pid = 0;

void PassOn(int sig, siginfo_t* info, void*) {
  // The terminal sends SIGINT and SIGQUIT to the whole foreground process
  // group, COMMAND included: passing those on would deliver them twice.
  if ((sig == SIGINT || sig == SIGQUIT) && info != nullptr &&
      info->si_code == SI_KERNEL) {
    return;
  }
  if (child_pid > 0) ::kill(child_pid, sig);
}

}  // namespace

int RunHolding(const std::vector<std::string>& argv,
               const std::vector<std::string>& env) {
  std::vector<std::string> environment;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!IsPortVariable(*e)) environment.emplace_back(*e);
  }
  environment.insert(environment.end(), env.begin(), env.end());
  std::vector<char*> c_env;
  for (std::string& e : environment) c_env.push_back(e.data());
  c_env.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> c_args;
  for (std::string& a : args) c_args.push_back(a.data());
  c_args.push_back(nullptr);

  // Block the passed-on signals until the child's pid is known, so none is
  // lost; the child starts with this process's original mask.
  constexpr int kPassedOn[] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT};
  sigset_t passed_on, original_mask;
  sigemptyset(&passed_on);
  for (int sig : kPassedOn) sigaddset(&passed_on, sig);
  ::sigprocmask(SIG_BLOCK, &passed_on, &original_mask);
  for (int sig : kPassedOn) {
    struct sigaction old_action;
    ::sigaction(sig, nullptr, &old_action);
    if (old_action.sa_handler == SIG_IGN) continue;  // Stays ignored.
    struct sigaction action;
    std::memset(&action, 0, sizeof(action));
    action.sa_sigaction = &PassOn;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    ::sigaction(sig, &action, nullptr);
  }
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setsigmask(&attr, &original_mask);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, c_args[0], nullptr, &attr, c_args.data(),
                                c_env.data());
  posix_spawnattr_destroy(&attr);
  if (rc == 0) child_pid = pid;
  ::sigprocmask(SIG_SETMASK, &original_mask, nullptr);
  if (rc != 0) {
    std::fprintf(stderr, "gtest-port reserve: cannot run %s: %s\n",
                 argv[0].c_str(), std::strerror(rc));
    return rc == ENOENT ? kNotFound : kCannotExecute;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      std::fprintf(stderr, "gtest-port reserve: waitpid: %s\n",
                   std::strerror(errno));
      return 1;
    }
  }
  child_pid = 0;
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

}  // namespace gtest_port_cli
