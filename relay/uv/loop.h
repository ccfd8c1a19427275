#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <span>
#include <algorithm>
#include <vector>

namespace rtsedge::uv {

// Something destroyed on the next loop turn rather than inside its own callback.
class DeferredDeletable {
 public:
  virtual ~DeferredDeletable() = default;
};

// Something that writes what it queued once per loop turn, after every read of the
// turn has been handled: the frames one publisher read fans out go to each viewer in
// one writev instead of one per frame.
class DeferredFlush {
 public:
  virtual void runDeferredFlush() = 0;

 protected:
  ~DeferredFlush() = default;
};

// Owns one uv_loop_t. A session closed inside one of its own callbacks is handed
// to deferDelete() and destroyed after the current callbacks return (Envoy's
// deferred deletion), so no frame of the call stack touches a dead object.
class Loop {
 public:
  Loop();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  uv_loop_t* raw() { return &loop_; }
  void run();
  void deferDelete(std::unique_ptr<DeferredDeletable> object);
  // Runs target.runDeferredFlush() at the end of this turn (once per call). A target
  // that goes away first must cancel.
  void deferFlush(DeferredFlush& target);
  void cancelFlush(DeferredFlush& target);

  // One read buffer per loop: reads are handled one at a time and parsers keep
  // what they need, so no connection holds a buffer of its own while idle.
  std::span<uint8_t> readBuffer() { return readBuffer_; }

 private:
  static void onCheck(uv_check_t* check);
  void drainDeferred();
  void runFlushes();
  void keepTurning();

  uv_loop_t loop_{};
  uv_check_t* check_ = nullptr;
  uv_idle_t* idle_ = nullptr;  // keeps the loop from blocking while deletions are pending
  std::vector<std::unique_ptr<DeferredDeletable>> deferred_;
  std::vector<DeferredFlush*> flushes_;  // null: cancelled
  std::vector<DeferredFlush*> flushing_;
  std::vector<uint8_t> readBuffer_ = std::vector<uint8_t>(64 * 1024);
};

}  // namespace rtsedge::uv
