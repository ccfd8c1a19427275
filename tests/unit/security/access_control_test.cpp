#include "security/access_control.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cache/tier_query.h"
#include "security/signature.h"

namespace rtsedge::security {
namespace {

constexpr int64_t kNow = 1'767'225'600;
const std::string kSecret = "app-secret-0123456789";
const std::string kTierSecret = "tier-secret-0123456789";

Cidr cidr(std::string_view text) {
  auto parsed = Cidr::parse(text);
  REQUIRE(parsed);
  return *parsed;
}

// The rules of one test: app "live" signed both ways, "lan" publish only from 10/8,
// every other app ("*") may not play from 192.0.2.0/24.
struct Rules {
  Rules() {
    AppSecurity live{"live", {kSecret}, {true, {}, {}}, {true, {}, {}}};
    AppSecurity lan{"lan", {}, {false, {cidr("10.0.0.0/8")}, {cidr("10.9.0.0/16")}}, {}};
    AppSecurity any{"*", {}, {}, {false, {}, {cidr("192.0.2.0/24")}}};
    settings.apps = {live, lan, any};
    settings.tierSecret = kTierSecret;
  }

  AccessDecision check(AccessAction action, std::string app, std::string query, std::string address = "127.0.0.1") {
    return control.checkRules(AccessRequest{action, {std::move(app), "cam", std::move(query)}, address, "rtmp", 1});
  }

  uv::Loop loop;
  SteadyClock clock;
  metrics::Registry registry;
  SecuritySettings settings;
  AccessControl control{loop, clock, settings, "node", registry, [] { return kNow; }};
};

std::string signedFor(std::string_view action, std::string_view key, int64_t expires = kNow + 60) {
  return signedQuery(kSecret, action, key, expires);
}

TEST_CASE("signed apps: the right action and key, in time") {
  Rules rules;
  CHECK(rules.check(AccessAction::kPublish, "live", signedFor("publish", "live/cam")).allowed());
  CHECK(rules.check(AccessAction::kPlay, "live", "a=1&" + signedFor("play", "live/cam") + "&b=2").allowed());
  AccessDecision unsigned_ = rules.check(AccessAction::kPlay, "live", "token=x");
  CHECK(unsigned_.verdict == AccessVerdict::kUnauthorized);
  CHECK(unsigned_.reason == "unsigned");
  CHECK(rules.check(AccessAction::kPublish, "live", signedFor("play", "live/cam")).reason == "bad_signature");
  CHECK(rules.check(AccessAction::kPlay, "live", signedFor("play", "live/other")).reason == "bad_signature");
  CHECK(rules.check(AccessAction::kPlay, "live", signedFor("play", "live/cam", kNow - 31)).reason == "expired");
  CHECK(rules.check(AccessAction::kPlay, "live", signedFor("play", "live/cam", kNow - 30)).allowed());  // skew
  CHECK(rules.check(AccessAction::kPlay, "live", "expires=soon&sign=00").reason == "malformed");
}

TEST_CASE("address rules: deny wins, a non-empty allow admits only its ranges, '*' covers other apps") {
  Rules rules;
  CHECK(rules.check(AccessAction::kPublish, "lan", "", "10.1.2.3").allowed());
  CHECK(rules.check(AccessAction::kPublish, "lan", "", "::ffff:10.1.2.3").allowed());
  AccessDecision outside = rules.check(AccessAction::kPublish, "lan", "", "11.0.0.1");
  CHECK(outside.verdict == AccessVerdict::kForbidden);
  CHECK(outside.reason == "address");
  CHECK(rules.check(AccessAction::kPublish, "lan", "", "10.9.0.1").reason == "address");
  CHECK(rules.check(AccessAction::kPlay, "lan", "", "11.0.0.1").allowed());  // lan has its own rules: play open
  CHECK(rules.check(AccessAction::kPlay, "other", "", "192.0.2.77").reason == "address");
  CHECK(rules.check(AccessAction::kPlay, "other", "", "198.51.100.1").allowed());
  CHECK(rules.check(AccessAction::kPlay, "other", "", "not an address").allowed());  // in no deny range
}

TEST_CASE("tier credentials let a node in past every rule; a viewer cannot forge them") {
  Rules rules;
  std::string tier = signedQuery(kTierSecret, "play", "live/cam", kNow + 300, kTierExpiresParam, kTierSignParam);
  CHECK(rules.check(AccessAction::kPlay, "live", tier).allowed());
  CHECK(rules.check(AccessAction::kPlay, "other", tier, "192.0.2.1").reason == "address");  // signed for live/cam
  CHECK(rules.check(AccessAction::kPublish, "live", tier).reason == "unsigned");  // signed to play
  std::string forged = signedQuery(kSecret, "play", "live/cam", kNow + 300, kTierExpiresParam, kTierSignParam);
  CHECK(rules.check(AccessAction::kPlay, "live", forged).reason == "unsigned");
  CHECK(rules.control.tierCredentials(AccessAction::kPlay, "live/cam") == tier);
  rules.settings.tierSecret.clear();
  CHECK(rules.control.tierCredentials(AccessAction::kPlay, "live/cam").empty());
  CHECK(rules.check(AccessAction::kPlay, "live", tier).reason == "unsigned");
}

TEST_CASE("a viewer's tier credentials never go upstream, the node's own do") {
  std::string query = upstreamQuery("token=1&rtsedge_expires=9&rtsedge_sign=ab", true, "edge1");
  CHECK(query == "token=1&rtsedge_hops=1&rtsedge_via=edge1");
  CHECK(joinQuery(query, "rtsedge_expires=1&rtsedge_sign=cd") ==
        "token=1&rtsedge_hops=1&rtsedge_via=edge1&rtsedge_expires=1&rtsedge_sign=cd");
  CHECK(joinQuery("", "a=1") == "a=1");
  CHECK(joinQuery("a=1", "") == "a=1");
}

TEST_CASE("authorize without hooks answers at once and counts refusals") {
  Rules rules;
  int answers = 0;
  AccessRequest request{AccessAction::kPlay, {"live", "cam", "token=x"}, "127.0.0.1", "http-flv", 7};
  auto ticket = rules.control.authorize(request, [&](const AccessDecision& decision) {
    ++answers;
    CHECK(decision.reason == "unsigned");
  });
  CHECK(ticket == nullptr);
  CHECK(answers == 1);
  CHECK(rules.registry.exposition().find(
            "rtsedge_access_refused_total{protocol=\"http-flv\",action=\"play\",reason=\"unsigned\"} 1") !=
        std::string::npos);
}

}  // namespace
}  // namespace rtsedge::security
