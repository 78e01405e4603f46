#include "tools/serve/port_server_daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "tools/serve/client_identity.h"
#include "tools/serve/serve_request.h"

namespace gtest_port_serve {
namespace {

// What an epoll event is about: the kind in the high half, the fd below.
enum Kind : uint64_t {
  kListener = 1,
  kSignal = 2,
  kConnection = 3,
  kOwner = 4
};

uint64_t Tag(Kind kind, int fd) {
  return (uint64_t{kind} << 32) | static_cast<uint32_t>(fd);
}

absl::Status Errno(int error, absl::string_view call) {
  return absl::ErrnoToStatus(error, call);
}

// sockaddr_un for "@name" or "/path" (already validated).
socklen_t ToSockaddr(const std::string& address, sockaddr_un& addr) {
  std::memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, address.data(), address.size());
  if (address[0] == '@') addr.sun_path[0] = '\0';
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                address.size() + (address[0] == '@' ? 0 : 1));
}

// The socket systemd passed (LISTEN_PID is us, LISTEN_FDS >= 1), or -1.
// The variables are removed so that no child takes the socket for its own.
int SocketFromSystemd() {
  const char* pid = std::getenv("LISTEN_PID");
  const char* fds = std::getenv("LISTEN_FDS");
  int listen_pid = 0;
  int listen_fds = 0;
  if (pid == nullptr || fds == nullptr || !absl::SimpleAtoi(pid, &listen_pid) ||
      !absl::SimpleAtoi(fds, &listen_fds) || listen_pid != ::getpid() ||
      listen_fds < 1) {
    return -1;
  }
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  constexpr int kFirst = 3;  // SD_LISTEN_FDS_START
  for (int fd = kFirst + 1; fd < kFirst + listen_fds; ++fd) ::close(fd);
  return kFirst;
}

}  // namespace

std::string FormatServeStats(const ServeStats& s) {
  const PortAuthority::Stats& a = s.authority;
  return absl::StrFormat(
      "connections %d\nrequests %d\nmalformed-requests %d\n"
      "timed-out-requests %d\noverloaded-connections %d\n"
      "refused-requests %d\nstats-requests %d\nports-managed %d\n"
      "ports-held %d\nowners %d\nports-granted %d\nrefused-pool-empty %d\n"
      "refused-owner-limit %d\nports-reclaimed %d\nports-busy-skipped %d\n",
      s.connections, s.requests, s.malformed, s.timed_out, s.overloaded,
      s.refused, s.stats_requests, a.ports_managed, a.ports_held, a.owners,
      a.ports_granted, a.refused_pool_empty, a.refused_owner_limit,
      a.ports_reclaimed, a.ports_busy_skipped);
}

PortServerDaemon::PortServerDaemon(ServeOptions options)
    : options_(std::move(options)),
      checker_(options_.ipv6, options_.lock_dir),
      authority_(options_.range, options_.max_ports_per_client, checker_) {}

PortServerDaemon::~PortServerDaemon() {
  if (!unlink_path_.empty()) ::unlink(unlink_path_.c_str());
}

absl::StatusOr<std::unique_ptr<PortServerDaemon>> PortServerDaemon::Create(
    ServeOptions options) {
  if (options.max_connections < 1 || options.max_ports_per_client < 1 ||
      options.request_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max connections ", options.max_connections, ", ports per client ",
        options.max_ports_per_client, " and request timeout ",
        absl::FormatDuration(options.request_timeout),
        " must all be positive"));
  }
  std::unique_ptr<PortServerDaemon> daemon(
      new PortServerDaemon(std::move(options)));
  absl::Status listening = daemon->Listen();
  if (!listening.ok()) return listening;
  return daemon;
}

absl::Status PortServerDaemon::Listen() {
  if (options_.socket_activation) {
    const int fd = SocketFromSystemd();
    if (fd >= 0) {
      int accepting = 0;
      int domain = 0;
      socklen_t len = sizeof(int);
      if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) != 0 ||
          ::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 ||
          !accepting || domain != AF_UNIX) {
        return absl::InvalidArgumentError(
            "LISTEN_FDS: descriptor 3 is not a listening AF_UNIX stream "
            "socket; the .socket unit needs ListenStream=@name or /path");
      }
      ::fcntl(fd, F_SETFD, FD_CLOEXEC);
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
      listener_.reset(fd);
      activated_ = true;
      return absl::OkStatus();
    }
  }
  absl::Status valid = ValidateServeAddress(options_.address);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--address \"", absl::CHexEscape(options_.address),
                     "\": ", valid.message()));
  }
  listener_.reset(
      ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!listener_.valid()) return Errno(errno, "socket(AF_UNIX)");
  sockaddr_un addr;
  const socklen_t len = ToSockaddr(options_.address, addr);
  const bool is_path = options_.address[0] == '/';
  if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    const int error = errno;
    if (error != EADDRINUSE) {
      return Errno(error, absl::StrCat("bind(", options_.address, ")"));
    }
    // A socket file nobody listens on is left from a server that died:
    // take it over. One somebody listens on is another server's.
    struct stat st;
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const bool stale =
        is_path && ::lstat(options_.address.c_str(), &st) == 0 &&
        S_ISSOCK(st.st_mode) && probe.valid() &&
        ::connect(probe.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0 &&
        errno == ECONNREFUSED;
    if (!stale || ::unlink(options_.address.c_str()) != 0 ||
        ::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) {
      return absl::UnavailableError(absl::StrCat(
          options_.address,
          " is in use: another port server listens there (stop it, or "
          "choose another --address)"));
    }
  }
  if (is_path) unlink_path_ = options_.address;
  if (::listen(listener_.get(), SOMAXCONN) != 0) {
    return Errno(errno, "listen");
  }
  return absl::OkStatus();
}

std::string PortServerDaemon::Describe() const {
  if (!activated_) return options_.address;
  sockaddr_un addr;
  socklen_t len = sizeof(addr);
  if (::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&addr),
                    &len) != 0 ||
      len <= offsetof(sockaddr_un, sun_path)) {
    return "(socket activation)";
  }
  std::string name(addr.sun_path, len - offsetof(sockaddr_un, sun_path));
  if (!name.empty() && name[0] == '\0') {
    name[0] = '@';
  } else {
    name = name.c_str();
  }
  return absl::StrCat(absl::CHexEscape(name), " (socket activation)");
}

ServeStats PortServerDaemon::stats() const {
  ServeStats s = stats_;
  s.authority = authority_.stats();
  return s;
}

void PortServerDaemon::Close(int fd) {
  connections_.erase(fd);  // close(2) also takes it out of the epoll set.
}

void PortServerDaemon::Accept() {
  for (;;) {
    UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr,
                          SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd.valid()) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
          errno == ENOMEM) {
        // Out of descriptors: the listener would stay readable and spin the
        // loop. Stop watching it for a moment; the pending connections wait
        // in the backlog (their clients' own timeouts bound the wait).
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listener_.get(), nullptr);
        accept_paused_until_ = absl::Now() + absl::Milliseconds(50);
      }
      return;  // EAGAIN: all taken.
    }
    ++stats_.connections;
    // A client sends its request right after connecting, so it is usually
    // here already: answer it without a trip through epoll.
    Connection conn{std::move(fd), std::string(), absl::InfinitePast()};
    if (ReadAndAnswer(conn)) continue;  // Answered (or cut off) and closed.
    if (static_cast<int>(connections_.size()) >= options_.max_connections) {
      // Full: the oldest pending connection goes. Requests are answered as
      // soon as they arrive, so the oldest is a slow or silent client.
      while (!deadlines_.empty()) {
        const auto [deadline, old] = deadlines_.front();
        deadlines_.pop_front();
        auto it = connections_.find(old);
        if (it != connections_.end() && it->second.deadline == deadline) {
          ++stats_.overloaded;
          Close(old);
          break;
        }
      }
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = Tag(kConnection, conn.fd.get());
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, conn.fd.get(), &ev) != 0) {
      continue;
    }
    conn.deadline = absl::Now() + options_.request_timeout;
    const int raw = conn.fd.get();
    deadlines_.emplace_back(conn.deadline, raw);
    connections_[raw] = std::move(conn);
  }
}

void PortServerDaemon::OnReadable(int fd) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  if (ReadAndAnswer(it->second)) {
    // close(2) also takes it out of the epoll set.
    connections_.erase(it);
  }
}

bool PortServerDaemon::ReadAndAnswer(Connection& conn) {
  const int fd = conn.fd.get();
  char buf[kMaxRequestBytes + 1];
  bool eof = false;
  for (;;) {
    const size_t room = kMaxRequestBytes + 1 - conn.buffer.size();
    const ssize_t got = ::recv(fd, buf, room, 0);
    if (got > 0) {
      conn.buffer.append(buf, static_cast<size_t>(got));
      // A whole request needs no further read (and no EAGAIN to end it).
      if (conn.buffer.size() > kMaxRequestBytes ||
          RequestComplete(conn.buffer, false)) {
        break;
      }
      continue;
    }
    if (got == 0) {
      eof = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) break;
    eof = true;  // ECONNRESET and the like: answer what came, if anything.
    break;
  }
  if (!RequestComplete(conn.buffer, eof)) return false;
  Answer(conn, eof);
  return true;
}

void PortServerDaemon::Answer(Connection& conn, bool eof) {
  if (eof && conn.buffer.empty()) {
    ++stats_.malformed;  // Connected and said nothing.
    return;
  }
  absl::StatusOr<ServeRequest> request = ParseServeRequest(conn.buffer);
  if (!request.ok()) {
    ++stats_.malformed;
    return;
  }
  std::string reply;
  if (request->kind == ServeRequest::kStats) {
    ++stats_.stats_requests;
    reply = FormatServeStats(stats());
  } else {
    ++stats_.requests;
    absl::StatusOr<PortAuthority::Granted> granted = Grant(conn, *request);
    if (!granted.ok()) {
      ++stats_.refused;
      return;
    }
    if (granted->new_owner_fd >= 0) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = Tag(kOwner, granted->new_owner_fd);
      ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, granted->new_owner_fd, &ev);
    }
    reply = absl::StrCat(granted->first, "\n");
  }
  // One write, as the Python server does: clients read the reply with one
  // recv. It fits any socket buffer, so a non-blocking send takes it whole.
  (void)::send(conn.fd.get(), reply.data(), reply.size(),
               MSG_NOSIGNAL | MSG_DONTWAIT);
}

absl::StatusOr<PortAuthority::Granted> PortServerDaemon::Grant(
    const Connection& conn, const ServeRequest& request) {
  absl::StatusOr<Peer> peer = IdentifyPeer(conn.fd.get());
  if (!peer.ok()) return peer.status();
  Owner owner = ResolveOwner(*peer, request.pid);
  // A pidfd is needed for a new owner only.
  if (!owner.pidfd.valid() && !authority_.IsLiveOwner(owner.pid)) {
    absl::StatusOr<UniqueFd> pidfd = PeerPidfd(conn.fd.get(), peer->pid);
    if (!pidfd.ok()) return pidfd.status();
    owner.pidfd = *std::move(pidfd);
  }
  return authority_.Grant(owner.pid, std::move(owner.pidfd), request.count,
                          request.client_claims);
}

void PortServerDaemon::ExpireConnections(absl::Time now) {
  while (!deadlines_.empty() && deadlines_.front().first <= now) {
    const auto [deadline, fd] = deadlines_.front();
    deadlines_.pop_front();
    auto it = connections_.find(fd);
    if (it != connections_.end() && it->second.deadline == deadline) {
      ++stats_.timed_out;
      Close(fd);
    }
  }
}

int PortServerDaemon::NextTimeoutMillis(absl::Time now) const {
  absl::Time next = absl::InfiniteFuture();
  if (!deadlines_.empty()) next = deadlines_.front().first;
  if (accept_paused_until_ != absl::InfinitePast()) {
    next = std::min(next, accept_paused_until_);
  }
  if (next == absl::InfiniteFuture()) return -1;
  const absl::Duration left = next - now;
  if (left <= absl::ZeroDuration()) return 0;
  return static_cast<int>(std::min<int64_t>(
      absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))),
      INT_MAX));
}

absl::Status PortServerDaemon::Run() {
  // Every port held for a portpicker client holds a claim descriptor: allow
  // as many descriptors as the hard limit does.
  rlimit files;
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 &&
      files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &files);
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);
  if (::pthread_sigmask(SIG_BLOCK, &signals, nullptr) != 0) {
    return absl::InternalError("pthread_sigmask failed");
  }
  UniqueFd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signal_fd.valid()) return Errno(errno, "signalfd");
  epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_.valid()) return Errno(errno, "epoll_create1");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = Tag(kListener, listener_.get());
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listener_.get(), &ev) != 0) {
    return Errno(errno, "epoll_ctl(listener)");
  }
  ev.data.u64 = Tag(kSignal, signal_fd.get());
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, signal_fd.get(), &ev) != 0) {
    return Errno(errno, "epoll_ctl(signalfd)");
  }
  std::fprintf(
      stderr, "gtest-port serve: %s; ports %d-%d; %s\n",
      checker_.Describe().c_str(), options_.range.first, options_.range.last,
      absl::StrCat("at most ", options_.max_connections, " connections, ",
                   options_.max_ports_per_client, " ports per client, ",
                   absl::FormatDuration(options_.request_timeout),
                   " per request")
          .c_str());
  // The Python server's words, which scripts wait for.
  std::fprintf(stderr, "Serving on %s\n", Describe().c_str());
  std::fflush(stderr);

  epoll_event events[64];
  for (;;) {
    const int n =
        ::epoll_wait(epoll_.get(), events, 64, NextTimeoutMillis(absl::Now()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno(errno, "epoll_wait");
    }
    bool stop = false;
    for (int i = 0; i < n; ++i) {
      const auto kind = static_cast<Kind>(events[i].data.u64 >> 32);
      const int fd = static_cast<int>(events[i].data.u64 & 0xffffffffu);
      switch (kind) {
        case kListener:
          Accept();
          break;
        case kConnection:
          OnReadable(fd);
          break;
        case kOwner:
          ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
          authority_.OwnerDied(fd);
          break;
        case kSignal: {
          signalfd_siginfo info;
          while (::read(fd, &info, sizeof(info)) == sizeof(info)) {
            if (info.ssi_signo == SIGUSR1) {
              std::fprintf(stderr, "gtest-port serve: statistics\n%s",
                           FormatServeStats(stats()).c_str());
              std::fflush(stderr);
            } else {
              stop = true;
            }
          }
          break;
        }
      }
    }
    const absl::Time now = absl::Now();
    ExpireConnections(now);
    if (accept_paused_until_ != absl::InfinitePast() &&
        now >= accept_paused_until_) {
      accept_paused_until_ = absl::InfinitePast();
      epoll_event listen_ev{};
      listen_ev.events = EPOLLIN;
      listen_ev.data.u64 = Tag(kListener, listener_.get());
      ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listener_.get(), &listen_ev);
    }
    if (stop) break;
  }
  connections_.clear();
  deadlines_.clear();
  listener_.reset();
  if (!unlink_path_.empty()) {
    ::unlink(unlink_path_.c_str());
    unlink_path_.clear();
  }
  std::fprintf(stderr, "gtest-port serve: stopping; statistics\n%s",
               FormatServeStats(stats()).c_str());
  std::fflush(stderr);
  return absl::OkStatus();
}

}  // namespace gtest_port_serve
