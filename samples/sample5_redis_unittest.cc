// Sample 5: a real server PROCESS on a reserved port -- Redis.
//
// The lesson: integration tests often start a server binary, not an object
// in the test process. Reserve the port, pass it on the server's command
// line, and wait until the server answers before the test talks to it:
//
//   1. ReservePort() in SetUp(). The claim gtest_port holds is close-on-exec,
//      so the server process does not inherit it -- and the port is not
//      bound, so the server can bind it.
//   2. Start `redis-server --port P --bind 127.0.0.1 --save '' --appendonly
//      no` (no persistence: nothing left on disk, nothing shared between
//      tests) with posix_spawn.
//   3. Wait until it answers PING. "The process started" is not "the port
//      is listening"; polling with a deadline turns a server that never
//      comes up into a clear failure with its log, not a hang.
//   4. Stop it in TearDown() (SIGTERM, then waitpid) BEFORE PortFixture
//      releases the port, so the next test is never handed a port a dying
//      server still holds.
//
// Every test gets its own Redis, so the tests run sharded and in parallel
// (`bazel test` runs this target as 2 shards; `ctest -j` one process per
// test) and never see each other's keys. Without /usr/bin/redis-server
// (Debian: apt-get install redis-server) the tests are skipped, saying so.
//
// The Redis client here is a few lines of raw RESP over a TCP socket, so the
// sample needs nothing but the server binary.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "gtest_port/gtest_port.h"

extern char** environ;

namespace {

constexpr char kRedisServer[] = "/usr/bin/redis-server";
// Bounds, not expectations: a healthy server answers in milliseconds.
constexpr absl::Duration kStartupDeadline = absl::Seconds(10);
constexpr absl::Duration kStopDeadline = absl::Seconds(10);
constexpr int kIoTimeoutMs = 5000;

// One TCP connection speaking RESP, Redis's protocol: a command is an array
// of bulk strings ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"); a reply starts with
// '+' (status), '-' (error), ':' (integer), '$' (bulk string, "$-1" for
// none) or '*' (array). This class is thread-compatible.
class RedisConnection {
 public:
  static absl::StatusOr<RedisConnection> Connect(uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return absl::ErrnoToStatus(errno, "socket");
    RedisConnection connection(fd);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      return absl::ErrnoToStatus(errno,
                                 absl::StrCat("connect 127.0.0.1:", port));
    }
    return connection;
  }

  RedisConnection(RedisConnection&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), buffer_(std::move(other.buffer_)) {}
  RedisConnection& operator=(RedisConnection&&) = delete;
  ~RedisConnection() {
    if (fd_ >= 0) ::close(fd_);
  }

  // Sends one command and returns its reply (see Send()).
  absl::StatusOr<std::string> Command(const std::vector<std::string>& args) {
    std::string request = absl::StrCat("*", args.size(), "\r\n");
    for (const std::string& arg : args) {
      absl::StrAppend(&request, "$", arg.size(), "\r\n", arg, "\r\n");
    }
    return Send(request);
  }

  // Sends raw bytes and reads one reply, written back as text with its type
  // byte: "+PONG", ":42", "$hello" for a bulk string, "nil" for "$-1", and
  // "*" followed by the elements joined by "," for an array.
  absl::StatusOr<std::string> Send(const std::string& request) {
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      return absl::ErrnoToStatus(errno, "send");
    }
    return ReadReply();
  }

 private:
  explicit RedisConnection(int fd) : fd_(fd) {}

  absl::StatusOr<std::string> ReadReply() {
    absl::StatusOr<std::string> line = ReadUntil("\r\n");
    if (!line.ok() || line->empty()) return line;
    const char type = (*line)[0];
    if (type != '$' && type != '*') return line;
    int count = 0;
    if (!absl::SimpleAtoi(line->substr(1), &count)) {
      return absl::DataLossError(absl::StrCat("bad length in reply: ", *line));
    }
    if (count < 0) return std::string("nil");
    if (type == '$') {
      absl::StatusOr<std::string> body = ReadBytes(count + 2);  // + "\r\n"
      if (!body.ok()) return body;
      return absl::StrCat("$", body->substr(0, count));
    }
    std::string array = "*";
    for (int i = 0; i < count; ++i) {
      absl::StatusOr<std::string> element = ReadReply();
      if (!element.ok()) return element;
      absl::StrAppend(&array, i == 0 ? "" : ",", *element);
    }
    return array;
  }

  // Bytes up to `terminator` (which is consumed, not returned).
  absl::StatusOr<std::string> ReadUntil(const std::string& terminator) {
    for (;;) {
      const size_t end = buffer_.find(terminator);
      if (end != std::string::npos) {
        std::string text = buffer_.substr(0, end);
        buffer_.erase(0, end + terminator.size());
        return text;
      }
      if (absl::Status more = Fill(); !more.ok()) return more;
    }
  }

  absl::StatusOr<std::string> ReadBytes(size_t size) {
    while (buffer_.size() < size) {
      if (absl::Status more = Fill(); !more.ok()) return more;
    }
    std::string bytes = buffer_.substr(0, size);
    buffer_.erase(0, size);
    return bytes;
  }

  // Appends what the server sent next, waiting at most kIoTimeoutMs.
  absl::Status Fill() {
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      const int ready = ::poll(&p, 1, kIoTimeoutMs);
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) return absl::ErrnoToStatus(errno, "poll");
      if (ready == 0) return absl::DeadlineExceededError("no reply from redis");
      char chunk[512];
      const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return absl::ErrnoToStatus(errno, "recv");
      if (n == 0) return absl::UnavailableError("redis closed the connection");
      buffer_.append(chunk, static_cast<size_t>(n));
      return absl::OkStatus();
    }
  }

  int fd_;
  std::string buffer_;
};

// A redis-server child process. Stop() (or the destructor) ends it. This
// class is thread-compatible.
class RedisServer {
 public:
  // Starts redis-server on 127.0.0.1:`port`, its output going to `log_path`,
  // and waits until it answers PING.
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start(
      uint16_t port, const std::string& log_path) {
    const std::string port_text = absl::StrCat(port);
    std::vector<std::string> args = {
        kRedisServer, "--port",      port_text, "--bind",
        "127.0.0.1",  "--save",      "",        "--appendonly",
        "no",         "--daemonize", "no"};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, kRedisServer, &actions, nullptr,
                                 argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return absl::ErrnoToStatus(rc, "posix_spawn redis-server");

    auto server = std::unique_ptr<RedisServer>(new RedisServer(pid, log_path));
    if (absl::Status up = server->WaitUntilItAnswers(port); !up.ok()) {
      return up;  // The destructor stops the process.
    }
    return server;
  }

  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;
  ~RedisServer() { Stop().IgnoreError(); }

  // SIGTERM, then waitpid; SIGKILL if it has not exited by kStopDeadline.
  absl::Status Stop() {
    if (pid_ < 0) return absl::OkStatus();
    ::kill(pid_, SIGTERM);
    const absl::Time deadline = absl::Now() + kStopDeadline;
    int status = 0;
    for (;;) {
      const pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) break;
      if (done < 0 && errno != EINTR) {
        pid_ = -1;
        return absl::ErrnoToStatus(errno, "waitpid redis-server");
      }
      if (absl::Now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return absl::DeadlineExceededError(
            "redis-server ignored SIGTERM; killed it");
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
    pid_ = -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
    return absl::InternalError(
        absl::StrCat("redis-server ended badly (wait status ", status,
                     "); its log:\n", Log()));
  }

  std::string Log() const {
    std::ifstream in(log_path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  RedisServer(pid_t pid, std::string log_path)
      : pid_(pid), log_path_(std::move(log_path)) {}

  // Polls with the raw RESP PING the protocol documents until "+PONG"
  // comes back, the process dies, or the deadline passes.
  absl::Status WaitUntilItAnswers(uint16_t port) {
    const absl::Time deadline = absl::Now() + kStartupDeadline;
    absl::Status last = absl::UnavailableError("not tried");
    while (absl::Now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return absl::UnavailableError(
            absl::StrCat("redis-server exited before answering on port ", port,
                         "; its log:\n", Log()));
      }
      absl::StatusOr<RedisConnection> connection =
          RedisConnection::Connect(port);
      if (connection.ok()) {
        absl::StatusOr<std::string> pong =
            connection->Send("*1\r\n$4\r\nPING\r\n");
        if (pong.ok() && *pong == "+PONG") return absl::OkStatus();
        last = pong.ok() ? absl::UnavailableError("PING answered " + *pong)
                         : pong.status();
      } else {
        last = connection.status();
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    return absl::DeadlineExceededError(
        absl::StrCat("redis-server did not answer PING on port ", port,
                     " within ", absl::FormatDuration(kStartupDeadline),
                     " (last: ", last.ToString(), "); its log:\n", Log()));
  }

  pid_t pid_;
  std::string log_path_;
};

class RedisTest : public gtest_port::PortFixture {
 protected:
  void SetUp() override {
    if (::access(kRedisServer, X_OK) != 0) {
      GTEST_SKIP() << kRedisServer
                   << " is not installed (Debian: apt-get install "
                      "redis-server); skipping the Redis sample";
    }
    ASSERT_NO_FATAL_FAILURE(port_ = ReservePort());
    absl::StatusOr<std::unique_ptr<RedisServer>> server = RedisServer::Start(
        port_, absl::StrCat(::testing::TempDir(), "redis-", port_, ".log"));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    absl::StatusOr<RedisConnection> connection =
        RedisConnection::Connect(port_);
    ASSERT_TRUE(connection.ok()) << connection.status();
    redis_ = std::make_unique<RedisConnection>(*std::move(connection));
  }

  // The server stops before PortFixture::TearDown() releases its port.
  void TearDown() override {
    redis_.reset();
    if (server_ != nullptr) {
      const absl::Status stopped = server_->Stop();
      EXPECT_TRUE(stopped.ok()) << stopped;
      server_.reset();
    }
    PortFixture::TearDown();
  }

  std::string Redis(const std::vector<std::string>& args) {
    absl::StatusOr<std::string> reply = redis_->Command(args);
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *reply : "";
  }

  uint16_t port_ = 0;
  std::unique_ptr<RedisServer> server_;
  std::unique_ptr<RedisConnection> redis_;
};

TEST_F(RedisTest, AnswersPing) {
  EXPECT_EQ(Redis({"PING"}), "+PONG");
  // It really is our server, listening on the port this test reserved.
  EXPECT_EQ(Redis({"CONFIG", "GET", "port"}), absl::StrCat("*$port,$", port_));
}

TEST_F(RedisTest, SetThenGet) {
  EXPECT_EQ(Redis({"SET", "greeting", "hello"}), "+OK");
  EXPECT_EQ(Redis({"GET", "greeting"}), "$hello");
  EXPECT_EQ(Redis({"GET", "missing"}), "nil");
}

TEST_F(RedisTest, IncrCountsUp) {
  EXPECT_EQ(Redis({"INCR", "visits"}), ":1");
  EXPECT_EQ(Redis({"INCR", "visits"}), ":2");
  EXPECT_EQ(Redis({"INCRBY", "visits", "40"}), ":42");
}

TEST_F(RedisTest, StartsEmpty) {
  // Another test's keys are never here: each test has a Redis of its own,
  // on a port no concurrent test was handed. A shared hard-coded port would
  // make this flaky the moment two tests ran at once.
  EXPECT_EQ(Redis({"DBSIZE"}), ":0");
  EXPECT_EQ(Redis({"SET", "mine", "1"}), "+OK");
  EXPECT_EQ(Redis({"DBSIZE"}), ":1");
}

}  // namespace
