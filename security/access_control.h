#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "metrics/registry.h"
#include "relay/clock.h"
#include "relay/config.h"
#include "relay/uv/loop.h"
#include "security/access_request.h"
#include "security/hooks.h"

namespace rtsedge::security {

// Who may publish and play, decided once for every protocol. In order:
//  1. A request signed with the tier secret (rtsedge_expires / rtsedge_sign) comes from a
//     node of the same platform: allowed, no other rule applies.
//  2. The app's address rules: deny, then allow (CIDR lists).
//  3. The app's signature rule: a valid ?expires=&sign= for this action and key.
//  4. The hook of the action (on_publish / on_play), if configured.
// Steps 1-3 are synchronous and touch nothing but the settings (SRT runs them on its
// handshake thread); step 4 waits for the backend, off the media path.
class AccessControl {
 public:
  using UnixClock = std::function<int64_t()>;
  using Done = std::function<void(const AccessDecision&)>;

  AccessControl(uv::Loop& loop, const Clock& clock, const SecuritySettings& settings, std::string nodeId,
                metrics::Registry& registry, UnixClock unixNow = systemUnixNow);

  // Steps 1-3. Thread-safe; counts nothing (see refused()).
  AccessDecision checkRules(const AccessRequest& request) const;

  // All four steps. done runs exactly once unless the returned ticket is destroyed
  // first, possibly before authorize returns (no hook to ask); refusals are counted and
  // logged. A session keeps the ticket while it waits and drops it when it closes.
  std::unique_ptr<Hooks::Ticket> authorize(const AccessRequest& request, Done done);

  // A refusal: counted in rtsedge_access_refused_total{protocol, action, reason} and logged.
  void refused(const AccessRequest& request, const AccessDecision& decision);

  // An allowed publish or play ended: on_unpublish / on_stop are told.
  void ended(const AccessRequest& request) { hooks_.ended(request); }
  bool hasEndHook(AccessAction action) const;

  // What a node appends to the query of its own pulls (play) and pushes (publish):
  // "rtsedge_expires=...&rtsedge_sign=..." signed with the tier secret; empty without one.
  std::string tierCredentials(AccessAction action, const std::string& key) const;

  static int64_t systemUnixNow();

 private:
  bool signedByTier(const AccessRequest& request) const;

  const SecuritySettings& settings_;
  UnixClock unixNow_;
  Hooks hooks_;
  metrics::CounterFamily& refused_;  // {protocol, action, reason}
};

// How long a node's own credentials are valid: long enough for a connect and retries.
inline constexpr int64_t kTierCredentialsSeconds = 300;

}  // namespace rtsedge::security
