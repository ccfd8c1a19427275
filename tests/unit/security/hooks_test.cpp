#include "security/hooks.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "tests/unit/fixtures/http_test_server.h"
#include "tests/unit/fixtures/run_loop.h"

namespace rtsedge::security {
namespace {

using fixtures::runFor;
using fixtures::runUntil;
using fixtures::TestServer;

std::string response(int status, std::string body = "") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// Hooks against one scripted backend on a free port.
struct Backend {
  explicit Backend(HookSettings hookSettings = {}) : settings(std::move(hookSettings)) {
    std::string base = "http://127.0.0.1:" + std::to_string(server.port());
    settings.onPublish = base + "/publish";
    settings.onPlay = base + "/play";
    settings.onStop = base + "/stop";
    hooks.emplace(loop, clock, settings, "node7", registry);
  }

  double metric(const std::string& series) {
    std::string text = "\n" + registry.exposition();
    size_t at = text.find("\n" + series + " ");
    return at == std::string::npos ? 0 : std::stod(text.substr(at + series.size() + 2));
  }

  // The JSON the backend received.
  nlohmann::json body() const { return nlohmann::json::parse(server.request.substr(server.request.find("\r\n\r\n"))); }

  uv::Loop loop;
  TestServer server{loop};
  SteadyClock clock;
  metrics::Registry registry;
  HookSettings settings;
  std::optional<Hooks> hooks;
};

AccessRequest playRequest(std::string query = "token=a") {
  return {AccessAction::kPlay, {"live", "cam", std::move(query)}, "192.0.2.9", "http-flv", 12};
}

struct Answer {
  int calls = 0;
  AccessDecision decision;
  Hooks::Done done() {
    return [this](const AccessDecision& given) {
      ++calls;
      decision = given;
    };
  }
};

TEST_SUITE("hooks") {
  TEST_CASE("a 2xx allows, with the request described in JSON") {
    Backend backend;
    backend.server.pieces = {response(204)};
    Answer answer;
    auto ticket = backend.hooks->ask(playRequest(), answer.done());
    REQUIRE(ticket != nullptr);
    REQUIRE(runUntil(backend.loop, [&] { return answer.calls == 1; }));
    CHECK(answer.decision.allowed());
    CHECK(backend.server.request.starts_with("POST /play HTTP/1.1\r\n"));
    CHECK(backend.server.request.find("Content-Type: application/json\r\n") != std::string::npos);
    nlohmann::json expected{{"action", "play"},     {"app", "live"},           {"name", "cam"},
                            {"key", "live/cam"},    {"query", "token=a"},      {"client_id", 12},
                            {"address", "192.0.2.9"}, {"protocol", "http-flv"}, {"node_id", "node7"}};
    CHECK(backend.body() == expected);
    CHECK(backend.metric("rtsedge_hook_requests_total{hook=\"on_play\",result=\"allowed\"}") == 1);
  }

  TEST_CASE("anything else refuses, with what the backend said") {
    for (int status : {301, 403, 404, 500}) {
      CAPTURE(status);
      Backend backend;
      backend.server.pieces = {response(status, "subscription expired")};
      Answer answer;
      auto ticket = backend.hooks->ask(playRequest(), answer.done());
      REQUIRE(runUntil(backend.loop, [&] { return answer.calls == 1; }));
      CHECK(answer.decision.verdict == AccessVerdict::kForbidden);
      CHECK(answer.decision.reason == "hook");
      CHECK(answer.decision.detail == "hook on_play answered " + std::to_string(status) + ": subscription expired");
    }
  }

  TEST_CASE("a hook that fails refuses unless fail_open") {
    for (bool failOpen : {false, true}) {
      CAPTURE(failOpen);
      HookSettings settings;
      settings.timeout = Millis(100);
      settings.failOpen = failOpen;
      Backend backend(settings);  // the server never answers
      Answer answer;
      auto ticket = backend.hooks->ask(playRequest(), answer.done());
      REQUIRE(runUntil(backend.loop, [&] { return answer.calls == 1; }));
      CHECK(answer.decision.allowed() == failOpen);
      if (!failOpen) {
        CHECK(answer.decision.reason == "hook_error");
        CHECK(answer.decision.detail.find("timed out after 100ms") != std::string::npos);
      }
      CHECK(backend.metric("rtsedge_hook_requests_total{hook=\"on_play\",result=\"timeout\"}") == 1);
    }
    Backend malformed;
    malformed.server.pieces = {"HELLO\r\n"};
    Answer answer;
    auto ticket = malformed.hooks->ask(playRequest(), answer.done());
    REQUIRE(runUntil(malformed.loop, [&] { return answer.calls == 1; }));
    CHECK(answer.decision.reason == "hook_error");
    CHECK(malformed.metric("rtsedge_hook_requests_total{hook=\"on_play\",result=\"error\"}") == 1);
  }

  TEST_CASE("with a cache, identical questions share one call and later ones reuse its answer") {
    HookSettings settings;
    settings.cache = Millis(60'000);
    Backend backend(settings);
    backend.server.pieces = {response(200)};
    Answer first, second, other;
    auto ticket1 = backend.hooks->ask(playRequest(), first.done());
    auto ticket2 = backend.hooks->ask(playRequest(), second.done());
    REQUIRE(runUntil(backend.loop, [&] { return first.calls == 1 && second.calls == 1; }));
    CHECK(backend.server.accepted == 1);
    Answer cached;
    CHECK(backend.hooks->ask(playRequest(), cached.done()) == nullptr);  // answered at once
    CHECK(cached.calls == 1);
    CHECK(cached.decision.allowed());
    CHECK(backend.metric("rtsedge_hook_cache_hits_total") == 1);
    // Another query is another question.
    auto ticket3 = backend.hooks->ask(playRequest("token=b"), other.done());
    runFor(backend.loop, Millis(100));
    CHECK(backend.server.accepted == 2);
  }

  TEST_CASE("without a cache every client is asked about; a failure is never cached") {
    HookSettings settings;
    settings.timeout = Millis(100);
    settings.cache = Millis(60'000);
    Backend backend(settings);  // never answers: times out
    Answer first;
    auto ticket = backend.hooks->ask(playRequest(), first.done());
    REQUIRE(runUntil(backend.loop, [&] { return first.calls == 1; }));
    Answer second;
    auto ticket2 = backend.hooks->ask(playRequest(), second.done());
    CHECK(ticket2 != nullptr);  // asked again, not answered from the cache
    CHECK(second.calls == 0);
    CHECK(backend.metric("rtsedge_hook_cache_hits_total") == 0);

    Backend uncached;
    uncached.server.pieces = {response(200)};
    Answer a, b;
    auto ticketA = uncached.hooks->ask(playRequest(), a.done());
    auto ticketB = uncached.hooks->ask(playRequest(), b.done());
    REQUIRE(runUntil(uncached.loop, [&] { return a.calls == 1; }));
    CHECK(b.calls == 0);  // its own call, to a server that answers one connection at a time
  }

  TEST_CASE("a withdrawn question is never answered") {
    Backend backend;
    backend.server.pieces = {response(200)};
    Answer answer;
    auto ticket = backend.hooks->ask(playRequest(), answer.done());
    ticket.reset();
    runFor(backend.loop, Millis(100));
    CHECK(answer.calls == 0);
  }

  TEST_CASE("the end of a play is told to on_stop; no hook, nothing sent") {
    Backend backend;
    backend.server.pieces = {response(200)};
    backend.hooks->ended(playRequest());
    REQUIRE(runUntil(backend.loop, [&] { return backend.server.requestComplete; }));
    CHECK(backend.server.request.starts_with("POST /stop HTTP/1.1\r\n"));
    CHECK(backend.body()["action"] == "stop");
    REQUIRE(runUntil(backend.loop, [&] {
      return backend.metric("rtsedge_hook_requests_total{hook=\"on_stop\",result=\"told\"}") == 1;
    }));
    backend.hooks->ended({AccessAction::kPublish, {"live", "cam", ""}, "192.0.2.9", "rtmp", 3});  // no on_unpublish
    runFor(backend.loop, Millis(50));
    CHECK(backend.server.accepted == 1);
    CHECK(backend.hooks->asks(AccessAction::kPublish));
  }

  TEST_CASE("a query that is not UTF-8 is still sent as valid JSON") {
    AccessRequest request = playRequest(std::string("name=\xff\xfe", 7));
    auto json = nlohmann::json::parse(Hooks::body("play", request, "n"));
    CHECK(json["query"].get<std::string>().starts_with("name="));
  }
}

}  // namespace
}  // namespace rtsedge::security
