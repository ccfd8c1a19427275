#include "security/http_client.h"

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "relay/uv/tcp.h"
#include "relay/uv/timer.h"
#include "tests/unit/fixtures/http_test_server.h"
#include "tests/unit/fixtures/run_loop.h"

namespace rtsedge::security {
namespace {

using fixtures::runFor;
using fixtures::runUntil;
using fixtures::TestServer;

HttpUrl urlFor(uint16_t port, std::string path = "/hooks/publish") {
  return HttpUrl{ListenAddress{"127.0.0.1", port}, std::move(path)};
}

// One post and what it reported.
struct Outcome {
  int calls = 0;
  std::optional<Result<HttpReply>> reply;

  HttpPost::Done done() {
    return [this](Result<HttpReply> result) {
      ++calls;
      reply.emplace(std::move(result));
    };
  }
  const HttpReply& ok() const {
    REQUIRE(reply.has_value());
    INFO((reply->isOk() ? std::string() : reply->error().message()));
    REQUIRE(reply->isOk());
    return reply->value();
  }
  std::string error() const {
    REQUIRE(reply.has_value());
    REQUIRE_FALSE(reply->isOk());
    return reply->error().message();
  }
};

std::vector<std::string> bytesOf(std::string_view text) {
  std::vector<std::string> out;
  for (char c : text) {
    out.emplace_back(1, c);
  }
  return out;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_SUITE("http_client") {
  TEST_CASE("parseHttpUrl accepts numeric hosts and localhost") {
    auto url = parseHttpUrl("http://127.0.0.1:9000/hooks/publish");
    REQUIRE(url);
    CHECK(url->address.host == "127.0.0.1");
    CHECK(url->address.port == 9000);
    CHECK(url->path == "/hooks/publish");

    url = parseHttpUrl("http://localhost/x");
    REQUIRE(url);
    CHECK(url->address.host == "127.0.0.1");
    CHECK(url->address.port == 80);
    CHECK(url->path == "/x");

    url = parseHttpUrl("http://[::1]:8080/");
    REQUIRE(url);
    CHECK(url->address.host == "::1");
    CHECK(url->address.port == 8080);
    CHECK(url->path == "/");

    url = parseHttpUrl("http://10.0.0.5");
    REQUIRE(url);
    CHECK(url->address.port == 80);
    CHECK(url->path == "/");

    url = parseHttpUrl("http://10.0.0.5:81?event=publish");
    REQUIRE(url);
    CHECK(url->path == "/?event=publish");

    url = parseHttpUrl("http://[::1]/a/b?c=d&e=f");
    REQUIRE(url);
    CHECK(url->address.host == "::1");
    CHECK(url->address.port == 80);
    CHECK(url->path == "/a/b?c=d&e=f");
  }

  TEST_CASE("parseHttpUrl refuses what it cannot reach, saying what is accepted") {
    for (std::string_view text :
         {"https://127.0.0.1/x", "127.0.0.1:9000/x", "ftp://127.0.0.1/", "http://example.com/hook",
          "http://127.0.0.1:0/x", "http:///x", "http://", "http://:9000/x", "http://127.0.0.1/x#frag",
          "http://127.0.0.1:99999/", "http://user@127.0.0.1/", "http://127.0.0.1/a b", "http://::1/", "http://[::1/",
          "http://127.0.0.1:abc/", "HTTP://127.0.0.1/"}) {
      CAPTURE(text);
      auto url = parseHttpUrl(text);
      REQUIRE_FALSE(url);
      CHECK(contains(url.error().message(), std::string(text).substr(0, 10)));
    }
    CHECK(contains(parseHttpUrl("https://127.0.0.1/x").error().message(), "http://host[:port][/path]"));
    CHECK(contains(parseHttpUrl("http://example.com/x").error().message(), "localhost"));
    CHECK(contains(parseHttpUrl("http://127.0.0.1:0/x").error().message(), "port 0"));
    CHECK(contains(parseHttpUrl("http://127.0.0.1/x#y").error().message(), "fragment"));
    CHECK(contains(parseHttpUrl("http:///x").error().message(), "no host"));
  }

  TEST_CASE("a 200 with a Content-Length body, the request as sent") {
    uv::Loop loop;
    TestServer server(loop);
    server.pieces = {"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}"};
    server.closeAfter = false;  // the length alone ends the response
    Outcome outcome;
    auto post = HttpPost::start(loop, urlFor(server.port()), "application/json", R"({"action":"publish"})",
                                Millis(2000), outcome.done());
    CHECK(outcome.calls == 0);  // never from inside start()
    REQUIRE(runUntil(loop, [&] { return outcome.calls > 0; }));
    CHECK(outcome.ok().status == 200);
    CHECK(outcome.ok().body == R"({"ok":true})");
    CHECK(server.request == "POST /hooks/publish HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
                                "\r\nContent-Type: application/json\r\nContent-Length: 20\r\nConnection: close\r\n"
                                "User-Agent: rtsedge\r\n\r\n{\"action\":\"publish\"}");
    runFor(loop, Millis(50));
    CHECK(outcome.calls == 1);
  }

  TEST_CASE("a 403 with a chunked body") {
    uv::Loop loop;
    TestServer server(loop);
    server.pieces = {"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nno wa\r\n2\r\ny!\r\n0\r\n\r\n"};
    Outcome outcome;
    auto post = HttpPost::start(loop, urlFor(server.port()), "application/json", "{}", Millis(2000), outcome.done());
    REQUIRE(runUntil(loop, [&] { return outcome.calls > 0; }));
    CHECK(outcome.ok().status == 403);
    CHECK(outcome.ok().body == "no way!");
  }

  TEST_CASE("a close-delimited body ends with the connection") {
    uv::Loop loop;
    TestServer server(loop);
    server.pieces = {"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nallowed", ", really"};
    Outcome outcome;
    auto post = HttpPost::start(loop, urlFor(server.port()), "application/json", "{}", Millis(2000), outcome.done());
    REQUIRE(runUntil(loop, [&] { return outcome.calls > 0; }));
    CHECK(outcome.ok().status == 200);
    CHECK(outcome.ok().body == "allowed, really");
  }

  TEST_CASE("a response arriving byte by byte") {
    uv::Loop loop;
    TestServer server(loop);
    server.pieces =
        bytesOf("HTTP/1.1 201\r\nX-A: b\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1\r\nd\r\n0\r\n\r\n");
    server.gap = Millis(1);
    Outcome outcome;
    auto post = HttpPost::start(loop, urlFor(server.port()), "application/json", "{}", Millis(4000), outcome.done());
    REQUIRE(runUntil(loop, [&] { return outcome.calls > 0; }));
    CHECK(outcome.ok().status == 201);
    CHECK(outcome.ok().body == "abcd");
  }

  TEST_CASE("an interim 1xx response is skipped") {
    uv::Loop loop;
    TestServer server(loop);
    server.pieces = {"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", "HTTP/1.1 204 No Content\r\n\r\n"};
    server.closeAfter = false;
    Outcome outcome;
    auto post = HttpPost::start(loop, urlFor(server.port()), "application/json", "{}", Millis(2000), outcome.done());
    REQUIRE(runUntil(loop, [&] { return outcome.calls > 0; }));
    CHECK(outcome.ok().status == 204);
    CHECK(outcome.ok().body.empty());
  }

  TEST_CASE("a body past 64 KiB is cut, not refused") {
    uv::Loop loop;
    TestServer server(loop);
    server.pieces = {"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", std::string(100000, 'x')};
    Outcome outcome;
    auto post = HttpPost::start(loop, urlFor(server.port()), "application/json", "{}", Millis(4000), outcome.done());
    REQUIRE(runUntil(loop, [&] { return outcome.calls > 0; }));
    CHECK(outcome.ok().status == 200);
    CHECK(outcome.ok().body == std::string(64 * 1024, 'x'));
  }

  TEST_CASE("a header section past 16 KiB is an error") {
    uv::Loop loop;
    TestServer server(loop);
    server.pieces = {"HTTP/1.1 200 OK\r\nX-Big: " + std::string(17000, 'a') + "\r\nContent-Length: 0\r\n\r\n"};
    Outcome outcome;
    auto post = HttpPost::start(loop, urlFor(server.port()), "application/json", "{}", Millis(2000), outcome.done());
    REQUIRE(runUntil(loop, [&] { return outcome.calls > 0; }));
    CHECK(contains(outcome.error(), "malformed response: header section larger than 16384 bytes"));

    // Just under the limit is fine.
    TestServer fits(loop);
    fits.pieces = {"HTTP/1.1 200 OK\r\nX-Big: " + std::string(16000, 'a') + "\r\nContent-Length: 2\r\n\r\nok"};
    Outcome second;
    auto again = HttpPost::start(loop, urlFor(fits.port()), "application/json", "{}", Millis(2000), second.done());
    REQUIRE(runUntil(loop, [&] { return second.calls > 0; }));
    CHECK(second.ok().body == "ok");
  }

  TEST_CASE("a malformed response") {
    uv::Loop loop;
    TestServer server(loop);
    server.pieces = {"HELLO\r\n"};
    server.closeAfter = false;
    Outcome outcome;
    auto post =
        HttpPost::start(loop, urlFor(server.port(), "/x"), "application/json", "{}", Millis(2000), outcome.done());
    REQUIRE(runUntil(loop, [&] { return outcome.calls > 0; }));
    std::string error = outcome.error();
    CHECK(error.starts_with("http://127.0.0.1:" + std::to_string(server.port()) + "/x: malformed response: "));
    INFO(error);
    CHECK(contains(error, ": malformed response: invalid"));  // http_errno_description(): "invalid HTTP version"
  }

  TEST_CASE("the server closes without answering, or in the middle of the body") {
    uv::Loop loop;
    TestServer silent(loop);
    silent.closeOnRequest = true;
    Outcome outcome;
    auto post = HttpPost::start(loop, urlFor(silent.port()), "application/json", "{}", Millis(2000), outcome.done());
    REQUIRE(runUntil(loop, [&] { return outcome.calls > 0; }));
    CHECK(contains(outcome.error(), "closed the connection without answering"));

    TestServer cut(loop);
    cut.pieces = {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"};
    Outcome second;
    auto again = HttpPost::start(loop, urlFor(cut.port()), "application/json", "{}", Millis(2000), second.done());
    REQUIRE(runUntil(loop, [&] { return second.calls > 0; }));
    CHECK(contains(second.error(), "before the response was complete"));
  }

  TEST_CASE("a server that never answers: the timeout") {
    uv::Loop loop;
    TestServer server(loop);
    Outcome outcome;
    auto started = std::chrono::steady_clock::now();
    auto post = HttpPost::start(loop, urlFor(server.port()), "application/json", "{}", Millis(200), outcome.done());
    REQUIRE(runUntil(loop, [&] { return outcome.calls > 0; }));
    auto elapsed = std::chrono::steady_clock::now() - started;
    CHECK(server.requestComplete);
    CHECK(outcome.error() ==
          "http://127.0.0.1:" + std::to_string(server.port()) + "/hooks/publish: timed out after 200ms");
    CHECK(elapsed >= Millis(190));
    runFor(loop, Millis(50));
    CHECK(outcome.calls == 1);
  }

  TEST_CASE("connection refused") {
    uv::Loop loop;
    uint16_t port = 0;
    {
      TestServer gone(loop);
      port = gone.port();
    }
    Outcome outcome;
    auto post = HttpPost::start(loop, urlFor(port), "application/json", "{}", Millis(2000), outcome.done());
    REQUIRE(runUntil(loop, [&] { return outcome.calls > 0; }));
    std::string error = outcome.error();
    CHECK(error.starts_with("http://127.0.0.1:" + std::to_string(port) + "/hooks/publish: connect: "));
    CHECK(contains(error, "refused"));
  }

  TEST_CASE("a connect that cannot start is reported from the loop") {
    uv::Loop loop;
    Outcome outcome;
    HttpUrl url{ListenAddress{"not-an-address", 80}, "/"};
    auto post = HttpPost::start(loop, url, "application/json", "{}", Millis(2000), outcome.done());
    REQUIRE(post != nullptr);
    CHECK(outcome.calls == 0);
    REQUIRE(runUntil(loop, [&] { return outcome.calls > 0; }));
    CHECK(outcome.error().starts_with("http://not-an-address:80/: "));
  }

  TEST_CASE("destroyed before the response: done never runs") {
    uv::Loop loop;
    TestServer server(loop);
    Outcome outcome;
    std::unique_ptr<HttpPost> post;
    server.onRequest = [&] { post.reset(); };
    post = HttpPost::start(loop, urlFor(server.port()), "application/json", "{}", Millis(100), outcome.done());
    REQUIRE(runUntil(loop, [&] { return server.requestComplete; }));
    CHECK(post == nullptr);
    runFor(loop, Millis(300));  // past the timeout it had
    CHECK(outcome.calls == 0);
  }

  TEST_CASE("destroyed while connecting, or while writing") {
    uv::Loop loop;
    TestServer server(loop);
    Outcome outcome;
    auto post = HttpPost::start(loop, urlFor(server.port()), "application/json", "{}", Millis(100), outcome.done());
    post.reset();
    runFor(loop, Millis(200));
    CHECK(outcome.calls == 0);

    // A body large enough that the write is still in flight when the post goes.
    TestServer slow(loop);
    slow.reading = false;
    auto big = HttpPost::start(loop, urlFor(slow.port()), "application/json", std::string(8 << 20, 'x'), Millis(1000),
                               outcome.done());
    REQUIRE(runUntil(loop, [&] { return slow.accepted > 0; }));
    big.reset();
    runFor(loop, Millis(100));
    CHECK(outcome.calls == 0);
  }

  TEST_CASE("destroyed from inside done") {
    uv::Loop loop;
    TestServer server(loop);
    server.pieces = bytesOf("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    server.closeAfter = false;
    int calls = 0;
    std::unique_ptr<HttpPost> post;
    post = HttpPost::start(loop, urlFor(server.port()), "application/json", "{}", Millis(2000),
                           [&](Result<HttpReply> reply) {
                             ++calls;
                             CHECK(reply);
                             post.reset();
                           });
    REQUIRE(runUntil(loop, [&] { return calls > 0; }));
    CHECK(post == nullptr);

    // The same from the timer.
    TestServer silent(loop);
    post = HttpPost::start(loop, urlFor(silent.port()), "application/json", "{}", Millis(100),
                           [&](Result<HttpReply> reply) {
                             ++calls;
                             CHECK(contains(reply.error().message(), "timed out after 100ms"));
                             post.reset();
                           });
    REQUIRE(runUntil(loop, [&] { return calls > 1; }));
    CHECK(post == nullptr);

    // And from a failed connect.
    uint16_t port = 0;
    {
      TestServer gone(loop);
      port = gone.port();
    }
    post = HttpPost::start(loop, urlFor(port), "application/json", "{}", Millis(2000), [&](Result<HttpReply> reply) {
      ++calls;
      CHECK_FALSE(reply);
      post.reset();
    });
    REQUIRE(runUntil(loop, [&] { return calls > 2; }));
    CHECK(post == nullptr);
    runFor(loop, Millis(150));
    CHECK(calls == 3);
  }
}

}  // namespace rtsedge::security
