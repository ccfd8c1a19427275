#include "security/hooks.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "relay/config_values.h"

namespace rtsedge::security {

struct Hooks::Waiter {
  Done done;
};

// One POST asked for; its answer goes to every waiter still there.
struct Hooks::Question {
  std::map<uint64_t, Waiter> waiters;
  uint64_t nextWaiter = 0;
  bool cacheable = false;
};

class Hooks::WaiterTicket final : public Hooks::Ticket {
 public:
  WaiterTicket(Hooks& hooks, std::string key, uint64_t waiter) : hooks_(hooks), key_(std::move(key)), waiter_(waiter) {}
  ~WaiterTicket() override {
    auto it = hooks_.questions_.find(key_);
    if (it != hooks_.questions_.end()) {
      it->second->waiters.erase(waiter_);
    }
  }

 private:
  Hooks& hooks_;
  std::string key_;
  uint64_t waiter_;
};

namespace {

std::optional<HttpUrl> urlOf(const std::string& text) {
  if (text.empty()) {
    return std::nullopt;
  }
  auto url = parseHttpUrl(text);
  return url ? std::optional<HttpUrl>(*url) : std::nullopt;  // checked by the config loader
}

std::string_view hookName(AccessAction action, bool ended) {
  if (action == AccessAction::kPublish) {
    return ended ? "on_unpublish" : "on_publish";
  }
  return ended ? "on_stop" : "on_play";
}

std::string_view eventName(AccessAction action, bool ended) {
  if (action == AccessAction::kPublish) {
    return ended ? "unpublish" : "publish";
  }
  return ended ? "stop" : "play";
}

}  // namespace

Hooks::Hooks(uv::Loop& loop, const Clock& clock, const HookSettings& settings, std::string nodeId,
             metrics::Registry& registry)
    : loop_(loop),
      clock_(clock),
      settings_(settings),
      nodeId_(std::move(nodeId)),
      onPublish_(urlOf(settings.onPublish)),
      onUnpublish_(urlOf(settings.onUnpublish)),
      onPlay_(urlOf(settings.onPlay)),
      onStop_(urlOf(settings.onStop)),
      requests_(registry.counter("rtsedge_hook_requests_total",
                                 "HTTP hook calls by hook and result: allowed, refused, error, timeout, overload "
                                 "(asked hooks), told (on_unpublish, on_stop).",
                                 {"hook", "result"})),
      duration_(registry
                    .histogram("rtsedge_hook_duration_seconds", "Time from a hook's POST to its answer.", {},
                               metrics::kLatencyBuckets)
                    .labels({})),
      cacheHits_(registry.counter("rtsedge_hook_cache_hits_total", "Hook questions answered from the cache.", {})
                     .labels({})) {}

Hooks::~Hooks() = default;

bool Hooks::asks(AccessAction action) const {
  return action == AccessAction::kPublish ? onPublish_.has_value() : onPlay_.has_value();
}

std::string Hooks::body(std::string_view action, const AccessRequest& request, std::string_view nodeId) {
  nlohmann::json json{{"action", action},
                      {"app", request.key.app},
                      {"name", request.key.name},
                      {"key", request.key.key()},
                      {"query", request.key.query},
                      {"client_id", request.clientId},
                      {"address", request.address},
                      {"protocol", request.protocol},
                      {"node_id", nodeId}};
  // A query is whatever the client sent: invalid UTF-8 is replaced, never a throw.
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Hooks::cacheKey(const AccessRequest& request) const {
  return fmt::format("{}\n{}\n{}\n{}", accessActionName(request.action), request.key.key(), request.address,
                     request.key.query);
}

std::unique_ptr<Hooks::Ticket> Hooks::ask(const AccessRequest& request, Done done) {
  std::string_view hook = hookName(request.action, false);
  bool cacheable = settings_.cache.count() > 0;
  // Without a cache every question is its own (the hook sees each client); with one,
  // identical questions share an answer, in flight as well as cached.
  std::string key = cacheable ? cacheKey(request) : fmt::format("#{}", nextPost_);
  if (cacheable) {
    auto cached = cache_.find(key);
    if (cached != cache_.end() && cached->second.until > clock_.now()) {
      cacheHits_.inc();
      done(cached->second.decision);
      return nullptr;
    }
  }
  auto& question = questions_[key];
  bool first = question == nullptr;
  if (first) {
    question = std::make_unique<Question>();
    question->cacheable = cacheable;
  }
  uint64_t waiter = question->nextWaiter++;
  question->waiters.emplace(waiter, Waiter{std::move(done)});
  auto ticket = std::make_unique<WaiterTicket>(*this, key, waiter);
  if (!first) {
    return ticket;
  }
  if (inFlight_.size() >= kMaxInFlight) {
    requests_.labels({std::string(hook), "overload"}).inc();
    answer(key, failure(hook, fmt::format("{} requests in flight already", inFlight_.size())), false);
    return nullptr;
  }
  SteadyTime sent = clock_.now();
  const HttpUrl& url = request.action == AccessAction::kPublish ? *onPublish_ : *onPlay_;
  post(url, eventName(request.action, false), request, [this, key, hook, sent](Result<HttpReply> reply) {
    duration_.observe(std::chrono::duration<double>(clock_.now() - sent).count());
    AccessDecision decision = decide(reply, hook);
    answer(key, decision, reply.isOk());  // a failure is not remembered: the next client asks again
  });
  return questions_.count(key) != 0 ? std::move(ticket) : nullptr;
}

void Hooks::ended(const AccessRequest& request) {
  const std::optional<HttpUrl>& url = request.action == AccessAction::kPublish ? onUnpublish_ : onStop_;
  if (!url) {
    return;
  }
  std::string_view hook = hookName(request.action, true);
  if (inFlight_.size() >= kMaxInFlight) {
    requests_.labels({std::string(hook), "overload"}).inc();
    return;
  }
  post(*url, eventName(request.action, true), request, [this, hook](Result<HttpReply> reply) {
    if (!reply) {
      spdlog::warn("hook {}: {}", hook, reply.error().message());
    }
    requests_.labels({std::string(hook), reply ? "told" : "error"}).inc();
  });
}

void Hooks::post(const HttpUrl& url, std::string_view action, const AccessRequest& request,
                 std::function<void(Result<HttpReply>)> done) {
  uint64_t id = nextPost_++;
  // HttpPost reports from the loop, never inside start(): the post is in inFlight_ by then.
  auto httpPost = HttpPost::start(
      loop_, url, "application/json", body(action, request, nodeId_), settings_.timeout,
      [this, id, done = std::move(done)](Result<HttpReply> reply) {
        // The post is destroyed on the next turn: it is inside its own callback now.
        auto it = inFlight_.find(id);
        if (it != inFlight_.end()) {
          struct Finished final : uv::DeferredDeletable {
            std::unique_ptr<HttpPost> post;
          };
          auto finished = std::make_unique<Finished>();
          finished->post = std::move(it->second);
          inFlight_.erase(it);
          loop_.deferDelete(std::move(finished));
        }
        done(std::move(reply));
      });
  if (httpPost != nullptr) {
    inFlight_.emplace(id, std::move(httpPost));
  }
}

AccessDecision Hooks::failure(std::string_view hook, std::string detail) const {
  if (settings_.failOpen) {
    spdlog::warn("hook {}: {}; allowed (fail_open)", hook, detail);
    return AccessDecision::allow();
  }
  return AccessDecision::refuse(AccessVerdict::kForbidden, "hook_error",
                                fmt::format("hook {}: {} (fail_open is off)", hook, detail));
}

AccessDecision Hooks::decide(const Result<HttpReply>& reply, std::string_view hook) const {
  if (!reply) {
    bool timedOut = reply.error().message().find("timed out") != std::string::npos;
    requests_.labels({std::string(hook), timedOut ? "timeout" : "error"}).inc();
    return failure(hook, reply.error().message());
  }
  if (reply->status >= 200 && reply->status < 300) {
    requests_.labels({std::string(hook), "allowed"}).inc();
    return AccessDecision::allow();
  }
  requests_.labels({std::string(hook), "refused"}).inc();
  std::string said = reply->body.substr(0, 200);
  return AccessDecision::refuse(AccessVerdict::kForbidden, "hook",
                                fmt::format("hook {} answered {}{}{}", hook, reply->status, said.empty() ? "" : ": ",
                                            said));
}

void Hooks::answer(const std::string& key, const AccessDecision& decision, bool cacheable) {
  auto it = questions_.find(key);
  if (it == questions_.end()) {
    return;
  }
  std::unique_ptr<Question> question = std::move(it->second);
  questions_.erase(it);
  if (cacheable && question->cacheable) {
    remember(key, decision);
  }
  // A waiter's done may close other sessions, which destroy their tickets: the question
  // is out of questions_ already, so their destructors find nothing to erase.
  for (auto& [id, waiter] : question->waiters) {
    waiter.done(decision);
  }
}

void Hooks::remember(const std::string& key, const AccessDecision& decision) {
  SteadyTime now = clock_.now();
  if (cache_.size() >= kMaxCacheEntries) {
    std::erase_if(cache_, [now](const auto& entry) { return entry.second.until <= now; });
    if (cache_.size() >= kMaxCacheEntries) {
      cache_.clear();  // a flood of distinct questions: start over rather than grow
    }
  }
  cache_[key] = CachedAnswer{decision, now + settings_.cache};
}

}  // namespace rtsedge::security
