#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "security/access_control.h"

namespace rtsedge::security {

// One session's side of access control: the question it is waiting on, and the role it
// was allowed, whose end the on_unpublish / on_stop hook hears of exactly once. A
// session closing while it waits withdraws its question (its callback never runs).
class SessionAccess {
 public:
  explicit SessionAccess(AccessControl& control) : control_(control) {}
  ~SessionAccess() { ended(); }
  SessionAccess(const SessionAccess&) = delete;
  SessionAccess& operator=(const SessionAccess&) = delete;

  // done runs once (perhaps before ask returns) unless cancel() or the destructor runs first.
  void ask(const AccessRequest& request, std::function<void(const AccessDecision&)> done) {
    cancel();
    waiting_ = true;
    auto ticket = control_.authorize(request, [this, request, done = std::move(done)](const AccessDecision& decision) {
      waiting_ = false;
      if (decision.allowed()) {
        allowed_ = request;
      }
      done(decision);
    });
    if (waiting_) {
      ticket_ = std::move(ticket);
    }
  }
  bool waiting() const { return waiting_; }
  void cancel() {
    ticket_.reset();
    waiting_ = false;
  }
  // The allowed role ended (or the session closes): the end hook is told once.
  void ended() {
    cancel();
    if (allowed_) {
      control_.ended(*allowed_);
      allowed_.reset();
    }
  }

 private:
  AccessControl& control_;
  std::unique_ptr<Hooks::Ticket> ticket_;
  std::optional<AccessRequest> allowed_;
  bool waiting_ = false;
};

}  // namespace rtsedge::security
