#include "security/access_control.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "security/cidr.h"
#include "security/signature.h"

namespace rtsedge::security {

AccessControl::AccessControl(uv::Loop& loop, const Clock& clock, const SecuritySettings& settings, std::string nodeId,
                             metrics::Registry& registry, UnixClock unixNow)
    : settings_(settings),
      unixNow_(std::move(unixNow)),
      hooks_(loop, clock, settings.hooks, std::move(nodeId), registry),
      refused_(registry.counter("rtsedge_access_refused_total",
                                "Publish and play requests refused, by protocol, action and reason: unsigned, "
                                "malformed, expired, bad_signature, address, hook, hook_error.",
                                {"protocol", "action", "reason"})) {}

int64_t AccessControl::systemUnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool AccessControl::signedByTier(const AccessRequest& request) const {
  if (settings_.tierSecret.empty()) {
    return false;
  }
  int64_t skew = std::chrono::duration_cast<std::chrono::seconds>(settings_.clockSkew).count();
  std::vector<std::string> secret{settings_.tierSecret};
  return checkSignature(secret, accessActionName(request.action), request.key.key(), request.key.query, unixNow_(),
                        skew, kTierExpiresParam, kTierSignParam)
             .verdict == SignatureVerdict::kValid;
}

AccessDecision AccessControl::checkRules(const AccessRequest& request) const {
  if (signedByTier(request)) {
    return AccessDecision::allow();
  }
  std::string_view action = accessActionName(request.action);
  std::string key = request.key.key();
  int64_t skew = std::chrono::duration_cast<std::chrono::seconds>(settings_.clockSkew).count();
  const AppSecurity* app = findAppSecurity(settings_, request.key.app);
  if (app == nullptr) {
    return AccessDecision::allow();
  }
  const AccessRules& rules = request.action == AccessAction::kPublish ? app->publish : app->play;
  if (anyContains(rules.deny, request.address) ||
      (!rules.allow.empty() && !anyContains(rules.allow, request.address))) {
    return AccessDecision::refuse(AccessVerdict::kForbidden, "address",
                                  fmt::format("address {} may not {} in app {}", request.address, action, app->app));
  }
  if (rules.requireSignature) {
    SignatureCheck check = checkSignature(app->secrets, action, key, request.key.query, unixNow_(), skew);
    switch (check.verdict) {
      case SignatureVerdict::kValid:
        break;
      case SignatureVerdict::kMissing:
        return AccessDecision::refuse(AccessVerdict::kUnauthorized, "unsigned",
                                      fmt::format("{} of {} needs a signed URL: {}", action, key, check.detail));
      case SignatureVerdict::kMalformed:
        return AccessDecision::refuse(AccessVerdict::kUnauthorized, "malformed", check.detail);
      case SignatureVerdict::kExpired:
        return AccessDecision::refuse(AccessVerdict::kUnauthorized, "expired", check.detail);
      case SignatureVerdict::kWrong:
        return AccessDecision::refuse(AccessVerdict::kUnauthorized, "bad_signature", check.detail);
    }
  }
  return AccessDecision::allow();
}

std::unique_ptr<Hooks::Ticket> AccessControl::authorize(const AccessRequest& request, Done done) {
  AccessDecision rules = checkRules(request);
  if (!rules.allowed() || !hooks_.asks(request.action) || signedByTier(request)) {
    if (!rules.allowed()) {
      refused(request, rules);
    }
    done(rules);
    return nullptr;
  }
  return hooks_.ask(request, [this, request, done = std::move(done)](const AccessDecision& decision) {
    if (!decision.allowed()) {
      refused(request, decision);
    }
    done(decision);
  });
}

void AccessControl::refused(const AccessRequest& request, const AccessDecision& decision) {
  refused_.labels({request.protocol, std::string(accessActionName(request.action)), decision.reason}).inc();
  spdlog::warn("{}#{} {}: {} {} refused ({}): {}", request.protocol, request.clientId, request.address,
               accessActionName(request.action), request.key.key(), decision.reason, decision.detail);
}

bool AccessControl::hasEndHook(AccessAction action) const {
  return action == AccessAction::kPublish ? !settings_.hooks.onUnpublish.empty() : !settings_.hooks.onStop.empty();
}

std::string AccessControl::tierCredentials(AccessAction action, const std::string& key) const {
  if (settings_.tierSecret.empty()) {
    return {};
  }
  return signedQuery(settings_.tierSecret, accessActionName(action), key,
                     unixNow_() + kTierCredentialsSeconds, kTierExpiresParam, kTierSignParam);
}

}  // namespace rtsedge::security
