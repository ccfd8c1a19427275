#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "metrics/registry.h"
#include "relay/clock.h"
#include "relay/config.h"
#include "relay/uv/loop.h"
#include "security/access_request.h"
#include "security/http_client.h"

namespace rtsedge::security {

// The HTTP hooks of a platform's backend: on_publish / on_play are asked (a 2xx allows,
// anything else refuses), on_unpublish / on_stop are told. Each call is one POST of JSON
// off the media path: a session waits for its own answer, nothing else does. Identical
// questions asked while one is in flight share it, and with `cache` set an answer is
// reused for that long. At most kMaxInFlight requests run at once; past that, and when a
// hook fails or times out, `fail_open` decides.
class Hooks {
 public:
  static constexpr size_t kMaxInFlight = 1000;
  static constexpr size_t kMaxCacheEntries = 10000;

  using Done = std::function<void(const AccessDecision&)>;

  // A pending question; destroying it withdraws the question (done never runs).
  class Ticket {
   public:
    virtual ~Ticket() = default;
  };

  Hooks(uv::Loop& loop, const Clock& clock, const HookSettings& settings, std::string nodeId,
        metrics::Registry& registry);
  ~Hooks();
  Hooks(const Hooks&) = delete;
  Hooks& operator=(const Hooks&) = delete;

  // Whether the action has a hook to ask.
  bool asks(AccessAction action) const;
  // Asks the hook of the action. done may run before ask returns (a cached answer);
  // then the returned ticket is null.
  std::unique_ptr<Ticket> ask(const AccessRequest& request, Done done);
  // Tells on_unpublish / on_stop that an allowed publish or play ended.
  void ended(const AccessRequest& request);

  // The JSON body of a hook call, e.g. {"action":"play","app":"live","name":"cam",...}.
  static std::string body(std::string_view action, const AccessRequest& request, std::string_view nodeId);

 private:
  struct Waiter;
  struct Question;
  class WaiterTicket;
  struct CachedAnswer {
    AccessDecision decision;
    SteadyTime until;
  };

  std::string cacheKey(const AccessRequest& request) const;
  void post(const HttpUrl& url, std::string_view action, const AccessRequest& request,
            std::function<void(Result<HttpReply>)> done);
  void answer(const std::string& key, const AccessDecision& decision, bool cacheable);
  AccessDecision decide(const Result<HttpReply>& reply, std::string_view hook) const;
  AccessDecision failure(std::string_view hook, std::string detail) const;
  void remember(const std::string& key, const AccessDecision& decision);

  uv::Loop& loop_;
  const Clock& clock_;
  const HookSettings& settings_;
  std::string nodeId_;
  std::optional<HttpUrl> onPublish_, onUnpublish_, onPlay_, onStop_;
  // Every POST in flight, asked or told; each is removed once done.
  std::map<uint64_t, std::unique_ptr<HttpPost>> inFlight_;
  uint64_t nextPost_ = 0;
  // Questions in flight by cache key, each with the sessions waiting for the answer.
  std::map<std::string, std::unique_ptr<Question>> questions_;
  std::map<std::string, CachedAnswer> cache_;
  metrics::CounterFamily& requests_;  // {hook, result}
  metrics::Histogram& duration_;
  metrics::Counter& cacheHits_;
};

}  // namespace rtsedge::security
