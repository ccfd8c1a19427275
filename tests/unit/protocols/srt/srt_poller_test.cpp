#include "protocols/srt/srt_poller.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <map>
#include <thread>

#include "protocols/srt/srt_library.h"
#include "relay/uv/loop.h"

namespace rtsedge::srt {
namespace {

sockaddr_in loopback(uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// Forwards UDP datagrams between an SRT caller and a listener until cut, when the caller
// goes silent as a peer whose process died would.
class UdpRelay {
 public:
  explicit UdpRelay(uint16_t listenerPort) : listener_(loopback(listenerPort)) {
    socket_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in any = loopback(0);
    REQUIRE(::bind(socket_, reinterpret_cast<sockaddr*>(&any), sizeof any) == 0);
    sockaddr_in bound{};
    socklen_t length = sizeof bound;
    REQUIRE(::getsockname(socket_, reinterpret_cast<sockaddr*>(&bound), &length) == 0);
    port_ = ntohs(bound.sin_port);
    thread_ = std::thread([this] { forward(); });
  }
  ~UdpRelay() {
    cut();
    thread_.join();
    ::close(socket_);
  }
  uint16_t port() const { return port_; }
  void cut() { running_ = false; }

 private:
  void forward() {
    sockaddr_in caller{};
    char datagram[2048];
    while (running_) {
      pollfd readable{socket_, POLLIN, 0};
      if (::poll(&readable, 1, 10) <= 0) {
        continue;
      }
      sockaddr_in from{};
      socklen_t length = sizeof from;
      ssize_t size = ::recvfrom(socket_, datagram, sizeof datagram, 0, reinterpret_cast<sockaddr*>(&from), &length);
      if (size <= 0 || !running_) {
        continue;
      }
      bool fromListener = from.sin_port == listener_.sin_port;
      if (!fromListener) {
        caller = from;
      }
      const sockaddr_in& to = fromListener ? caller : listener_;
      ::sendto(socket_, datagram, static_cast<size_t>(size), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    }
  }

  sockaddr_in listener_;
  int socket_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> running_{true};
  std::thread thread_;
};

// A connected pair of SRT sockets on loopback, the caller reaching the listener through
// a relay: the listener's accepted end and the caller.
struct SrtPair {
  SRTSOCKET listener = srt_create_socket();
  SRTSOCKET caller = srt_create_socket();
  SRTSOCKET accepted = SRT_INVALID_SOCK;
  std::unique_ptr<UdpRelay> relay;

  SrtPair() {
    sockaddr_in any = loopback(0);
    REQUIRE(srt_bind(listener, reinterpret_cast<sockaddr*>(&any), sizeof any) == 0);
    REQUIRE(srt_listen(listener, 1) == 0);
    sockaddr_in bound{};
    int length = sizeof bound;
    REQUIRE(srt_getsockname(listener, reinterpret_cast<sockaddr*>(&bound), &length) == 0);
    relay = std::make_unique<UdpRelay>(ntohs(bound.sin_port));
    sockaddr_in target = loopback(relay->port());
    std::thread connector([&] { srt_connect(caller, reinterpret_cast<sockaddr*>(&target), sizeof target); });
    sockaddr_in peer{};
    int peerLength = sizeof peer;
    accepted = srt_accept(listener, reinterpret_cast<sockaddr*>(&peer), &peerLength);
    connector.join();
    REQUIRE(accepted != SRT_INVALID_SOCK);
  }
  ~SrtPair() {
    srt_close(accepted);
    srt_close(caller);
    srt_close(listener);
  }
};

// Reads everything there is, as a session does, and records in which turn of the loop
// each event came; the first one keeps the loop busy for a while, as a burst of work
// would.
struct ReadingHandler : SrtPoller::Handler {
  SRTSOCKET socket = SRT_INVALID_SOCK;
  const int* turn = nullptr;
  std::map<int, int> eventsPerTurn;
  int messages = 0;
  virtual ~ReadingHandler() = default;
  void onSrtEvents(int /*events*/) override {
    bool first = eventsPerTurn.empty();
    ++eventsPerTurn[*turn];
    if (first) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    char buffer[1500];
    while (srt_recvmsg(socket, buffer, sizeof buffer) > 0) {
      ++messages;
    }
  }
};

TEST_CASE("SRT poller: a socket's events come once per turn of the loop, however long it was busy") {
  // libsrt reports a socket again for every packet that arrives after the last report,
  // read or not. The I/O thread must not pile those up while the loop thread is busy:
  // it waits for the loop to take each batch before it asks libsrt again, and libsrt
  // folds what came meanwhile into one report.
  SrtLibrary library;
  uv::Loop loop;
  SrtPoller poller(loop);
  SrtPair pair;
  bool blocking = false;
  REQUIRE(srt_setsockflag(pair.accepted, SRTO_RCVSYN, &blocking, sizeof blocking) == 0);

  constexpr int kMessages = 100;
  int turn = 0;
  ReadingHandler handler;
  handler.socket = pair.accepted;
  handler.turn = &turn;
  REQUIRE(poller.add(pair.accepted, SRT_EPOLL_IN | SRT_EPOLL_ERR, handler));
  std::thread sender([&] {
    char payload[1316] = {};
    for (int i = 0; i < kMessages; ++i) {
      srt_sendmsg(pair.caller, payload, sizeof payload, -1, 0);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  uv_timer_t tick;  // turns the loop even when no event comes, so the deadline is checked
  uv_timer_init(loop.raw(), &tick);
  uv_timer_start(&tick, [](uv_timer_t*) {}, 10, 10);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (handler.messages < kMessages && std::chrono::steady_clock::now() < deadline) {
    ++turn;
    uv_run(loop.raw(), UV_RUN_ONCE);
  }
  sender.join();
  uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
  CHECK(handler.messages == kMessages);
  REQUIRE(handler.eventsPerTurn.size() >= 2);
  for (auto [at, count] : handler.eventsPerTurn) {
    CAPTURE(at);
    CHECK(count == 1);
  }
  poller.remove(pair.accepted);
  poller.stop();
  uv_run(loop.raw(), UV_RUN_NOWAIT);
}

// Counts the events the loop hears of a socket, without acting on them.
struct CountingHandler : SrtPoller::Handler {
  int events = 0;
  virtual ~CountingHandler() = default;
  void onSrtEvents(int /*events*/) override { ++events; }
};

TEST_CASE("SRT poller: a broken socket is handed to the loop once, not once per libsrt wait") {
  // libsrt reports a broken socket on every wait, edge-triggered or not. While the loop
  // thread is elsewhere (here: not running at all) the I/O thread must not ask again and
  // again: a soak saw batches of 50 000 copies of one such event, a spinning thread and
  // a megabyte of queue.
  SrtLibrary library;
  uv::Loop loop;
  SrtPoller poller(loop);
  SrtPair pair;
  CountingHandler handler;
  REQUIRE(poller.add(pair.accepted, SRT_EPOLL_IN | SRT_EPOLL_ERR, handler));
  pair.relay->cut();  // libsrt declares the silent peer gone after about 5 s
  for (int i = 0; i < 400 && srt_getsockstate(pair.accepted) == SRTS_CONNECTED; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(srt_getsockstate(pair.accepted) != SRTS_CONNECTED);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // time to spin, were it to
  uv_run(loop.raw(), UV_RUN_NOWAIT);
  CHECK(handler.events == 1);
  poller.remove(pair.accepted);
  poller.stop();
  uv_run(loop.raw(), UV_RUN_NOWAIT);
}

}  // namespace
}  // namespace rtsedge::srt
