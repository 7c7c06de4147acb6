// echo_check: a test that starts real TCP echo servers on the ports it is
// given and talks to them. Run by CTest through `trop exec`
// (trop_add_test in CMakeLists.txt), it fails when a port it was handed is
// taken by anyone else (another test, another build tree): the server cannot
// bind, or a client reaches a server that answers with another name.
//
//   echo_check <name> <port-spec>...
//
// A port spec is a number ("{port}" as trop exec substitutes it), env:NAME
// (the port in variable NAME), or listen:<port> (the server socket is the
// next descriptor handed over by `trop exec --bind`: fd 3, 4, ...; the
// number is where to connect). Each server runs in a child process; the
// client sends a few lines to every server, expects "<name>: <line>" back,
// keeps the servers up for ECHO_CHECK_HOLD_MS (default 300) so that tests
// running in parallel overlap, then stops them. Exit 0 on success, 1 on a
// wrong reply, 2 on bad arguments, 3 when a port cannot be bound.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

struct endpoint {
  int listen_fd = -1;
  int port = 0;
};

bool parse_port(const std::string& text, int* port) {
  char* end = nullptr;
  long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < 1 || value > 65535) {
    return false;
  }
  *port = static_cast<int>(value);
  return true;
}

int listen_on(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool read_line(int fd, std::string* line) {
  line->clear();
  char c = 0;
  while (::read(fd, &c, 1) == 1) {
    if (c == '\n') {
      return true;
    }
    *line += c;
  }
  return false;
}

bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// The server: answers every line with "<name>: <line>" until a client sends
// "quit". Connections are served one after the other.
[[noreturn]] void serve(int listen_fd, const std::string& name) {
  for (;;) {
    int conn = ::accept(listen_fd, nullptr, nullptr);
    if (conn < 0) {
      if (errno == EINTR) {
        continue;
      }
      std::_Exit(4);
    }
    std::string line;
    while (read_line(conn, &line)) {
      if (line == "quit") {
        ::close(conn);
        std::_Exit(0);
      }
      write_all(conn, name + ": " + line + "\n");
    }
    ::close(conn);
  }
}

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::fprintf(stderr, "echo_check: cannot connect to port %d: %s\n", port, std::strerror(errno));
    std::exit(1);
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: echo_check <name> <port-spec>...\n");
    return 2;
  }
  const std::string name = argv[1];
  int next_passed_fd = 3;
  const char* listen_pid = std::getenv("LISTEN_PID");
  const bool activated = listen_pid != nullptr && std::atol(listen_pid) == ::getpid();

  std::vector<endpoint> endpoints;
  for (int i = 2; i < argc; ++i) {
    std::string spec = argv[i];
    endpoint e;
    if (spec.rfind("env:", 0) == 0) {
      const char* value = std::getenv(spec.substr(4).c_str());
      spec = value != nullptr ? value : "";
    }
    if (spec.rfind("listen:", 0) == 0) {
      if (!activated || !parse_port(spec.substr(7), &e.port)) {
        std::fprintf(stderr, "echo_check: %s: no socket was handed over\n", argv[i]);
        return 2;
      }
      e.listen_fd = next_passed_fd++;
    } else {
      if (!parse_port(spec, &e.port)) {
        std::fprintf(stderr, "echo_check: bad port spec '%s'\n", argv[i]);
        return 2;
      }
      e.listen_fd = listen_on(e.port);
      if (e.listen_fd < 0) {
        std::fprintf(stderr, "echo_check: %s: port %d is taken: %s\n", name.c_str(), e.port,
                     std::strerror(errno));
        return 3;
      }
    }
    endpoints.push_back(e);
  }

  std::vector<pid_t> servers;
  for (const endpoint& e : endpoints) {
    pid_t pid = ::fork();
    if (pid == 0) {
      serve(e.listen_fd, name);
    }
    ::close(e.listen_fd);  // the server child holds it now
    servers.push_back(pid);
  }

  int failures = 0;
  std::vector<int> conns;
  for (const endpoint& e : endpoints) {
    int conn = connect_to(e.port);
    for (int round = 0; round < 3; ++round) {
      const std::string line = "hello " + std::to_string(round) + " on " + std::to_string(e.port);
      std::string reply;
      if (!write_all(conn, line + "\n") || !read_line(conn, &reply) ||
          reply != name + ": " + line) {
        std::fprintf(stderr, "echo_check: %s: port %d answered '%s'\n", name.c_str(), e.port,
                     reply.c_str());
        ++failures;
        break;
      }
    }
    conns.push_back(conn);
  }

  const char* hold = std::getenv("ECHO_CHECK_HOLD_MS");
  std::this_thread::sleep_for(std::chrono::milliseconds(hold != nullptr ? std::atoi(hold) : 300));

  for (int conn : conns) {
    write_all(conn, "quit\n");
    ::close(conn);
  }
  for (pid_t pid : servers) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      ++failures;
    }
  }
  if (failures == 0) {
    std::printf("%s: %zu server(s) answered\n", name.c_str(), endpoints.size());
  }
  return failures == 0 ? 0 : 1;
}
