// warmup_server: a server that takes a while to start, as servers that load
// their data before they listen do. It builds an index of --records records
// (each the result of --rounds rounds of a 64-bit mix function: real CPU
// work, no sleeping), and only then binds 127.0.0.1:--port and serves a
// line protocol, one connection at a time:
//
//   GET <n>     ->  <record n in hex>      (n in [0, records))
//   COUNT       ->  <records>
//   anything    ->  ERR <what was wrong>
//
// A client sends its lines and half-closes; the server answers each line and
// closes. SIGTERM ends it (the default action). A port that cannot be bound
// ends it with status 1 and the reason on stderr.
//
//   warmup_server --port=17000 [--records=262144] [--rounds=64]

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace {

constexpr size_t kMaxRequest = 1 << 20;

uint64_t Mix(uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

bool ParseFlag(absl::string_view arg, absl::string_view name, int64_t lo,
               int64_t hi, int64_t* value) {
  if (!absl::ConsumePrefix(&arg, name)) return false;
  if (!absl::SimpleAtoi(arg, value) || *value < lo || *value > hi) {
    std::fprintf(stderr, "warmup_server: %s%s: expected a whole number in [%lld, %lld]\n",
                 std::string(name).c_str(), absl::CHexEscape(arg).c_str(),
                 static_cast<long long>(lo), static_cast<long long>(hi));
    std::exit(2);
  }
  return true;
}

std::string Answer(absl::string_view line, const std::vector<uint64_t>& index) {
  line = absl::StripAsciiWhitespace(line);
  if (line == "COUNT") return absl::StrCat(index.size());
  if (absl::ConsumePrefix(&line, "GET ")) {
    uint64_t n = 0;
    if (!absl::SimpleAtoi(line, &n) || n >= index.size()) {
      return absl::StrCat("ERR no record \"", absl::CHexEscape(line.substr(0, 40)),
                          "\": records are 0..", index.size() - 1);
    }
    return absl::StrCat(absl::Hex(index[n], absl::kZeroPad16));
  }
  return absl::StrCat("ERR unknown request \"", absl::CHexEscape(line.substr(0, 40)),
                      "\": expected GET <n> or COUNT");
}

}  // namespace

int main(int argc, char** argv) {
  int64_t port = -1, records = 262144, rounds = 64;
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (ParseFlag(arg, "--port=", 1, 65535, &port) ||
        ParseFlag(arg, "--records=", 1, 1 << 24, &records) ||
        ParseFlag(arg, "--rounds=", 1, 1 << 16, &rounds)) {
      continue;
    }
    std::fprintf(stderr,
                 "warmup_server: unknown argument \"%s\"; usage: warmup_server "
                 "--port=P [--records=N] [--rounds=R]\n",
                 absl::CHexEscape(arg).c_str());
    return 2;
  }
  if (port < 0) {
    std::fprintf(stderr, "warmup_server: --port=P is required\n");
    return 2;
  }

  // The warm-up: build the index before listening.
  std::vector<uint64_t> index(static_cast<size_t>(records));
  for (size_t i = 0; i < index.size(); ++i) {
    uint64_t v = i;
    for (int64_t r = 0; r < rounds; ++r) v = Mix(v);
    index[i] = v;
  }

  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (listener < 0 ||
      ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) !=
          0 ||
      ::listen(listener, SOMAXCONN) != 0) {
    std::fprintf(stderr, "warmup_server: cannot listen on 127.0.0.1:%lld: %s\n",
                 static_cast<long long>(port), std::strerror(errno));
    return 1;
  }
  std::fprintf(stderr, "warmup_server: %lld records ready on 127.0.0.1:%lld\n",
               static_cast<long long>(records), static_cast<long long>(port));

  for (;;) {
    const int connection = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      std::fprintf(stderr, "warmup_server: accept: %s\n", std::strerror(errno));
      return 1;
    }
    timeval timeout = {5, 0};
    ::setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string request;
    char chunk[4096];
    for (;;) {
      const ssize_t n = ::recv(connection, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      request.append(chunk, static_cast<size_t>(n));
      if (request.size() > kMaxRequest) break;
    }
    std::string reply;
    for (absl::string_view line :
         absl::StrSplit(request, '\n', absl::SkipWhitespace())) {
      absl::StrAppend(&reply, Answer(line, index), "\n");
    }
    size_t sent = 0;
    while (sent < reply.size()) {
      const ssize_t n = ::send(connection, reply.data() + sent,
                               reply.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    ::close(connection);
  }
}
