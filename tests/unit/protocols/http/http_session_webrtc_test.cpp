// WHIP/WHEP signalling through a real HttpSession: a client on a loopback TCP connection,
// rtsedge's HTTP server in process, and a fake webrtc::Signaling behind it.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "metrics/registry.h"
#include "protocols/http/api.h"
#include "protocols/http/http_context.h"
#include "protocols/http/http_session.h"
#include "protocols/webrtc/signaling.h"
#include "relay/clients.h"
#include "relay/config.h"
#include "relay/hub.h"
#include "relay/tcp_server.h"
#include "security/access_control.h"
#include "tests/unit/fixtures/run_loop.h"

namespace rtsedge::http {
namespace {

using fixtures::runUntil;
using webrtc::OfferOutcome;
using webrtc::SignalingFailure;
using webrtc::WebRtcAnswer;

// Records every call. Offers are answered at once with `outcome`, or, with `later` set,
// when the test calls answer(); destroying the Pending first withdraws the offer.
class FakeSignaling final : public webrtc::Signaling {
 public:
  std::unique_ptr<Pending> offer(webrtc::WebRtcOffer offer, std::function<void(OfferOutcome)> done) override {
    offers.push_back(std::move(offer));
    if (!later) {
      done(outcome);
      return std::make_unique<FakePending>(*this, false);
    }
    done_ = std::move(done);
    return std::make_unique<FakePending>(*this, true);
  }
  std::optional<SignalingFailure> end(std::string_view resourceId) override {
    ended.emplace_back(resourceId);
    if (resourceId == "r1") {
      return std::nullopt;
    }
    return SignalingFailure{404, "no such session"};
  }
  webrtc::PatchOutcome patch(std::string_view resourceId, std::string_view ifMatch,
                             std::string_view fragment) override {
    patches.push_back({std::string(resourceId), std::string(ifMatch), std::string(fragment)});
    return patchOutcome;
  }

  bool waiting() const { return static_cast<bool>(done_); }
  void answer() {
    REQUIRE(done_);
    auto done = std::exchange(done_, nullptr);
    done(outcome);
  }

  struct Patch {
    std::string id;
    std::string ifMatch;
    std::string fragment;
  };

  bool later = false;
  OfferOutcome outcome = WebRtcAnswer{"r1", "v=0\r\no=answer\r\n", "\"ufrag1\""};
  webrtc::PatchOutcome patchOutcome = webrtc::PatchAnswer{};
  std::vector<webrtc::WebRtcOffer> offers;
  std::vector<std::string> ended;
  std::vector<Patch> patches;
  int withdrawn = 0;  // Pendings destroyed before their answer
  int released = 0;   // Pendings destroyed after it

 private:
  class FakePending final : public Pending {
   public:
    FakePending(FakeSignaling& owner, bool waiting) : owner_(owner), waiting_(waiting) {}
    ~FakePending() override {
      if (waiting_ && owner_.done_) {
        owner_.done_ = nullptr;
        ++owner_.withdrawn;
      } else {
        ++owner_.released;
      }
    }

   private:
    FakeSignaling& owner_;
    bool waiting_;
  };

  std::function<void(OfferOutcome)> done_;
};

// rtsedge's HTTP server on a free port of 127.0.0.1.
struct Server {
  Server(uv::Loop& uvLoop, webrtc::Signaling* signaling, HttpRoutes routes = HttpRoutes::kAll)
      : loop(uvLoop),
        hub(config.streams, clock),
        metrics(registry, "http-flv"),
        tsMetrics(registry, "http-ts"),
        access(loop, clock, config.security, "node", registry),
        api(hub, clients, registry, config, clock),
        context{loop,      hub,     clock, config.http, config.viewers, metrics,
                tsMetrics, clients, api,   access,      routes,         signaling} {
    std::signal(SIGPIPE, SIG_IGN);  // a test client may hang up on a write
    auto started = TcpServer::start(loop, ListenAddress{"127.0.0.1", 0}, {100}, metrics,
                                    [this](std::unique_ptr<uv::TcpConnection> connection, TcpSession::Listener& owner) {
                                      return std::make_unique<HttpSession>(context, std::move(connection), owner);
                                    });
    REQUIRE(started);
    server = std::move(*started);
  }
  ~Server() {
    server->shutdown();
    uv_run(loop.raw(), UV_RUN_NOWAIT);  // the closed sessions are deleted on the next turn
  }

  uv::Loop& loop;
  Config config;
  SteadyClock clock;
  metrics::Registry registry;
  Hub hub;
  ClientRegistry clients;
  SessionMetrics metrics;
  SessionMetrics tsMetrics;
  security::AccessControl access;
  Api api;
  HttpContext context;
  std::unique_ptr<TcpServer> server;
};

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& name) const {
    auto found = headers.find(name);
    return found == headers.end() ? "<absent>" : found->second;
  }
};

// The complete responses in `text`, in order: Content-Length framed, none on a 204.
std::vector<Reply> repliesIn(std::string_view text) {
  std::vector<Reply> replies;
  while (true) {
    size_t end = text.find("\r\n\r\n");
    if (end == std::string_view::npos) {
      return replies;
    }
    Reply reply;
    std::string_view head = text.substr(0, end);
    reply.status = std::stoi(std::string(head.substr(9, 3)));
    for (size_t line = head.find("\r\n"); line != std::string_view::npos;) {
      size_t next = head.find("\r\n", line + 2);
      std::string_view field = head.substr(line + 2, next == std::string_view::npos ? next : next - line - 2);
      size_t colon = field.find(':');
      std::string name(field.substr(0, colon));
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      reply.headers[name] = std::string(field.substr(colon + 2));
      line = next;
    }
    size_t length = reply.headers.contains("content-length") ? std::stoul(reply.headers["content-length"]) : 0;
    if (text.size() < end + 4 + length) {
      return replies;
    }
    reply.body = std::string(text.substr(end + 4, length));
    replies.push_back(std::move(reply));
    text.remove_prefix(end + 4 + length);
  }
}

// A raw HTTP client: what it sends goes out as written, pipelined or not.
class Client final : private uv::TcpConnection::Listener {
 public:
  Client(uv::Loop& loop, uint16_t port) : loop_(loop) {
    auto started = uv::TcpConnector::start(loop, "127.0.0.1", port, [this](auto result) {
      REQUIRE(result);
      connection_ = std::move(*result);
      connection_->setListener(this);
      REQUIRE(connection_->startReading());
      sendNext();
    });
    REQUIRE(started);
    connector_ = std::move(*started);
  }

  void send(std::string text) {
    outbox_ += text;
    sendNext();
  }
  // Sends `text` and waits for `count` responses in all on this connection.
  std::vector<Reply> exchange(std::string text, size_t count) {
    send(std::move(text));
    return waitFor(count);
  }
  std::vector<Reply> waitFor(size_t count) {
    runUntil(loop_, [&] { return repliesIn(received).size() >= count || closed; });
    return repliesIn(received);
  }
  void close() { connection_->close(); }

  std::string received;
  bool closed = false;

 private:
  void sendNext() {
    if (connection_ == nullptr || connection_->writing() || outbox_.empty()) {
      return;
    }
    std::vector<Bytes> batch{Bytes::copyOf(std::string_view(std::exchange(outbox_, {})))};
    connection_->write(batch);
  }
  void onTcpData(std::span<const uint8_t> data) override {
    received.append(reinterpret_cast<const char*>(data.data()), data.size());
  }
  void onTcpWriteDone() override { sendNext(); }
  void onTcpClosed(std::string_view) override { closed = true; }

  uv::Loop& loop_;
  std::string outbox_;
  std::unique_ptr<uv::TcpConnector> connector_;
  std::unique_ptr<uv::TcpConnection> connection_;
};

std::string post(const std::string& target, const std::string& body, const std::string& type = "application/sdp") {
  std::string request = "POST " + target + " HTTP/1.1\r\nHost: x\r\n";
  if (!type.empty()) {
    request += "Content-Type: " + type + "\r\n";
  }
  return request + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string bare(const std::string& method, const std::string& target, const std::string& extra = "") {
  return method + " " + target + " HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n";
}

const std::string kOffer = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n";

TEST_CASE("WHIP POST: 201 with the answer, Location, ETag, and headers a cross-origin page can read") {
  uv::Loop loop;
  FakeSignaling signaling;
  Server server(loop, &signaling);
  Client client(loop, server.server->port());
  auto replies = client.exchange(post("/whip/live/cam?token=abc", kOffer, "application/sdp; charset=utf-8"), 1);
  REQUIRE(replies.size() == 1);
  const Reply& created = replies[0];
  CHECK(created.status == 201);
  CHECK(created.header("content-type") == "application/sdp");
  CHECK(created.header("location") == "/webrtc/r1");
  CHECK(created.header("etag") == "\"ufrag1\"");
  CHECK(created.body == "v=0\r\no=answer\r\n");
  CHECK(created.header("connection") == "keep-alive");
  CHECK(created.header("access-control-allow-origin") == "*");
  for (std::string name : {"Location", "ETag", "Link", "Accept-Post"}) {
    CHECK(created.header("access-control-expose-headers").find(name) != std::string::npos);
  }
  REQUIRE(signaling.offers.size() == 1);
  const webrtc::WebRtcOffer& offer = signaling.offers[0];
  CHECK(offer.role == webrtc::SignalingRole::kPublish);
  CHECK(offer.key.key() == "live/cam");
  CHECK(offer.key.query == "token=abc");
  CHECK(offer.sdp == kOffer);
  CHECK(offer.peer.starts_with("127.0.0.1:"));
  CHECK(offer.protocol == "http");

  replies = client.exchange(post("/whep/a/b/cam", kOffer), 2);  // the same connection: kept alive
  REQUIRE(replies.size() == 2);
  CHECK(replies[1].status == 201);
  REQUIRE(signaling.offers.size() == 2);
  CHECK(signaling.offers[1].role == webrtc::SignalingRole::kPlay);
  CHECK(signaling.offers[1].key.app == "a/b");
  CHECK(signaling.withdrawn == 0);
}

TEST_CASE("WHIP POST refused before signalling: 415, 400, and bad paths") {
  uv::Loop loop;
  FakeSignaling signaling;
  Server server(loop, &signaling);
  Client client(loop, server.server->port());
  auto replies = client.exchange(post("/whip/live/cam", kOffer, "text/plain") + post("/whip/live/cam", kOffer, "") +
                                     post("/whip/live/cam", "") + post("/whip/onlyname", kOffer) +
                                     post("/whip/a/b%00", kOffer) + post("/whep/live/cam/", kOffer),
                                 6);
  REQUIRE(replies.size() == 6);
  CHECK(replies[0].status == 415);
  CHECK(replies[0].header("accept-post") == "application/sdp");
  CHECK(replies[1].status == 415);
  CHECK(replies[2].status == 400);
  CHECK(replies[3].status == 400);
  CHECK(replies[4].status == 400);
  CHECK(replies[5].status == 400);
  CHECK(replies[3].body.find("\"code\":400") != std::string::npos);
  CHECK(signaling.offers.empty());
  CHECK_FALSE(client.closed);
}

TEST_CASE("a signalling failure is answered with its status, and the connection kept") {
  uv::Loop loop;
  FakeSignaling signaling;
  Server server(loop, &signaling);
  Client client(loop, server.server->port());
  std::vector<int> statuses{409, 401, 403, 503};
  for (size_t i = 0; i < statuses.size(); ++i) {
    signaling.outcome = SignalingFailure{statuses[i], "refused for the test"};
    auto replies = client.exchange(post("/whip/live/cam", kOffer), i + 1);
    REQUIRE(replies.size() == i + 1);
    CHECK(replies[i].status == statuses[i]);
    CHECK(replies[i].header("content-type").starts_with("application/json"));
    CHECK(replies[i].body.find("refused for the test") != std::string::npos);
    CHECK(replies[i].header("location") == "<absent>");
    CHECK(replies[i].header("connection") == "keep-alive");
  }
  CHECK_FALSE(client.closed);
}

TEST_CASE("the client going away while its offer is pending withdraws it") {
  uv::Loop loop;
  FakeSignaling signaling;
  signaling.later = true;
  Server server(loop, &signaling);
  Client client(loop, server.server->port());
  client.send(post("/whip/live/cam", kOffer));
  REQUIRE(runUntil(loop, [&] { return signaling.waiting(); }));
  client.close();
  REQUIRE(runUntil(loop, [&] { return server.server->sessionCount() == 0; }));
  CHECK(signaling.withdrawn == 1);
  CHECK_FALSE(signaling.waiting());  // the callback is gone with the Pending: it cannot run
  CHECK(client.received.empty());
}

TEST_CASE("requests pipelined after a POST are served once the offer is answered") {
  uv::Loop loop;
  FakeSignaling signaling;
  signaling.later = true;
  Server server(loop, &signaling);
  Client client(loop, server.server->port());
  client.send(post("/whep/live/cam", kOffer) + bare("DELETE", "/webrtc/r1"));
  REQUIRE(runUntil(loop, [&] { return signaling.waiting(); }));
  fixtures::runFor(loop, Millis(30));
  CHECK(client.received.empty());
  CHECK(signaling.ended.empty());  // not read on while the offer waits
  signaling.answer();
  auto replies = client.waitFor(2);
  REQUIRE(replies.size() == 2);
  CHECK(replies[0].status == 201);
  CHECK(replies[1].status == 200);
  CHECK(signaling.ended == std::vector<std::string>{"r1"});
  CHECK(signaling.withdrawn == 0);
  CHECK(signaling.released == 1);  // dropped once its answer was out
}

TEST_CASE("DELETE /webrtc/{id}: 200, or the failure") {
  uv::Loop loop;
  FakeSignaling signaling;
  Server server(loop, &signaling);
  Client client(loop, server.server->port());
  auto replies =
      client.exchange(bare("DELETE", "/webrtc/r1") + bare("DELETE", "/webrtc/gone") + bare("DELETE", "/webrtc/"), 3);
  REQUIRE(replies.size() == 3);
  CHECK(replies[0].status == 200);
  CHECK(replies[0].body.empty());
  CHECK(replies[0].header("content-length") == "0");
  CHECK(replies[1].status == 404);
  CHECK(replies[2].status == 404);
  CHECK(signaling.ended == std::vector<std::string>{"r1", "gone"});
}

TEST_CASE("PATCH /webrtc/{id}: 204 for trickled candidates, 200 with a fragment for an ICE restart, 415") {
  uv::Loop loop;
  FakeSignaling signaling;
  Server server(loop, &signaling);
  Client client(loop, server.server->port());
  std::string fragment = "a=candidate:1 1 udp 1 192.0.2.1 5000 typ host\r\n";
  std::string patch =
      "PATCH /webrtc/r1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/trickle-ice-sdpfrag\r\n"
      "If-Match: \"ufrag1\"\r\nContent-Length: " +
      std::to_string(fragment.size()) + "\r\n\r\n" + fragment;
  auto replies = client.exchange(patch, 1);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].status == 204);
  CHECK(replies[0].header("content-length") == "<absent>");
  REQUIRE(signaling.patches.size() == 1);
  CHECK(signaling.patches[0].id == "r1");
  CHECK(signaling.patches[0].ifMatch == "\"ufrag1\"");
  CHECK(signaling.patches[0].fragment == fragment);

  signaling.patchOutcome = webrtc::PatchAnswer{200, "a=ice-ufrag:new\r\n", "\"new\""};
  replies = client.exchange(
      bare("PATCH", "/webrtc/r1", "Content-Type: application/trickle-ice-sdpfrag\r\nContent-Length: 0\r\n"), 2);
  REQUIRE(replies.size() == 2);
  CHECK(replies[1].status == 200);
  CHECK(replies[1].header("content-type") == "application/trickle-ice-sdpfrag");
  CHECK(replies[1].header("etag") == "\"new\"");
  CHECK(replies[1].body == "a=ice-ufrag:new\r\n");
  CHECK(signaling.patches[1].ifMatch.empty());

  replies = client.exchange(bare("PATCH", "/webrtc/r1", "Content-Type: application/sdp\r\nContent-Length: 0\r\n"), 3);
  REQUIRE(replies.size() == 3);
  CHECK(replies[2].status == 415);
  CHECK(signaling.patches.size() == 2);
}

TEST_CASE("OPTIONS preflight on the WebRTC routes, 405 for other methods") {
  uv::Loop loop;
  FakeSignaling signaling;
  Server server(loop, &signaling);
  Client client(loop, server.server->port());
  auto replies = client.exchange(bare("OPTIONS", "/whip/live/cam") + bare("OPTIONS", "/webrtc/r1") +
                                     bare("GET", "/whip/live/cam") + bare("POST", "/webrtc/r1"),
                                 4);
  REQUIRE(replies.size() == 4);
  const Reply& preflight = replies[0];
  CHECK(preflight.status == 204);
  CHECK(preflight.header("accept-post") == "application/sdp");
  for (std::string method : {"POST", "PATCH", "DELETE"}) {
    CHECK(preflight.header("access-control-allow-methods").find(method) != std::string::npos);
  }
  for (std::string header : {"Content-Type", "If-Match", "Authorization"}) {
    CHECK(preflight.header("access-control-allow-headers").find(header) != std::string::npos);
  }
  CHECK(preflight.header("access-control-expose-headers").find("Location") != std::string::npos);
  CHECK(replies[1].status == 204);
  CHECK(replies[1].header("accept-post") == "<absent>");
  CHECK(replies[2].status == 405);
  CHECK(replies[2].header("allow") == "POST, OPTIONS");
  CHECK(replies[3].status == 405);
  CHECK(replies[3].header("allow") == "PATCH, DELETE, OPTIONS");
  size_t before = client.received.size();
  client.send(bare("HEAD", "/whep/live/cam"));  // the head of a 405, without its body
  REQUIRE(runUntil(loop, [&] { return client.received.find("\r\n\r\n", before) != std::string::npos; }));
  CHECK(client.received.substr(before).starts_with("HTTP/1.1 405 "));
  CHECK(client.received.find("Allow: POST, OPTIONS\r\n", before) != std::string::npos);
  CHECK(signaling.offers.empty());
}

TEST_CASE("WebRTC off: the routes answer 503") {
  uv::Loop loop;
  Server server(loop, nullptr);
  Client client(loop, server.server->port());
  auto replies = client.exchange(
      post("/whip/live/cam", kOffer) + bare("DELETE", "/webrtc/r1") + bare("OPTIONS", "/whep/live/cam"), 3);
  REQUIRE(replies.size() == 3);
  CHECK(replies[0].status == 503);
  CHECK(replies[0].body.find("WebRTC is not enabled") != std::string::npos);
  CHECK(replies[1].status == 503);
  CHECK(replies[2].status == 204);
}

TEST_CASE("the API-only listener serves no WebRTC route") {
  uv::Loop loop;
  FakeSignaling signaling;
  Server server(loop, &signaling, HttpRoutes::kApi);
  Client client(loop, server.server->port());
  auto replies = client.exchange(post("/whip/live/cam", kOffer) + bare("OPTIONS", "/whip/live/cam"), 2);
  REQUIRE(replies.size() == 2);
  CHECK(replies[0].status == 404);
  CHECK(replies[1].header("accept-post") == "<absent>");
  CHECK(signaling.offers.empty());
}

}  // namespace
}  // namespace rtsedge::http
