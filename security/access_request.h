#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "relay/stream_key.h"

namespace rtsedge::security {

enum class AccessAction : uint8_t { kPublish, kPlay };

inline std::string_view accessActionName(AccessAction action) {
  return action == AccessAction::kPublish ? "publish" : "play";
}

// What every protocol asks before a client publishes or plays: the same question, so
// the same rules answer it whatever the protocol.
struct AccessRequest {
  AccessAction action = AccessAction::kPlay;
  StreamKey key;         // app, name, and the query the client sent (tokens, signatures)
  std::string address;   // the client's IP address, without port
  std::string protocol;  // "rtmp", "http-flv", "http-ts", "srt", ...
  uint64_t clientId = 0;
};

// The query parameters of the credentials nodes sign their pulls and pushes with
// (tier_secret); never taken from a viewer's query and passed on.
inline constexpr std::string_view kTierExpiresParam = "rtsedge_expires";
inline constexpr std::string_view kTierSignParam = "rtsedge_sign";

enum class AccessVerdict : uint8_t {
  kAllowed,
  kUnauthorized,  // no valid credentials: unsigned, expired or wrongly signed (HTTP 401)
  kForbidden,     // known, but not let in: an address rule or the hook said no (HTTP 403)
};

struct AccessDecision {
  AccessVerdict verdict = AccessVerdict::kAllowed;
  std::string reason;  // the refusal's label in metrics: unsigned, expired, bad_signature, address, hook, hook_error
  std::string detail;  // for the log

  bool allowed() const { return verdict == AccessVerdict::kAllowed; }
  static AccessDecision allow() { return {}; }
  static AccessDecision refuse(AccessVerdict verdict, std::string reason, std::string detail) {
    return {verdict, std::move(reason), std::move(detail)};
  }
};

}  // namespace rtsedge::security
