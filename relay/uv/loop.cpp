#include "relay/uv/loop.h"

#include <spdlog/spdlog.h>

#include <cstdlib>

namespace rtsedge::uv {

namespace {
template <class T>
void freeHandle(uv_handle_t* handle) {
  delete reinterpret_cast<T*>(handle);
}
void noop(uv_idle_t*) {}
}  // namespace

Loop::Loop() {
  if (uv_loop_init(&loop_) != 0) {
    spdlog::critical("uv_loop_init failed");
    std::abort();
  }
  check_ = new uv_check_t;
  uv_check_init(&loop_, check_);
  check_->data = this;
  uv_check_start(check_, &Loop::onCheck);
  uv_unref(reinterpret_cast<uv_handle_t*>(check_));
  idle_ = new uv_idle_t;
  uv_idle_init(&loop_, idle_);
  idle_->data = this;
}

Loop::~Loop() {
  drainDeferred();
  check_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(check_), freeHandle<uv_check_t>);
  uv_close(reinterpret_cast<uv_handle_t*>(idle_), freeHandle<uv_idle_t>);
  check_ = nullptr;
  idle_ = nullptr;
  // Let the close callbacks of every handle run so nothing leaks.
  uv_run(&loop_, UV_RUN_DEFAULT);
  drainDeferred();
  if (uv_loop_close(&loop_) != 0) {
    spdlog::error("event loop closed with handles still open");
  }
}

void Loop::run() {
  uv_run(&loop_, UV_RUN_DEFAULT);
}

void Loop::keepTurning() {
  // An active idle handle keeps the poll phase from blocking, so the check phase that
  // does the deferred work comes at once.
  if (idle_ != nullptr && !uv_is_active(reinterpret_cast<uv_handle_t*>(idle_))) {
    uv_idle_start(idle_, noop);
  }
}

void Loop::deferDelete(std::unique_ptr<DeferredDeletable> object) {
  deferred_.push_back(std::move(object));
  keepTurning();
}

void Loop::deferFlush(DeferredFlush& target) {
  flushes_.push_back(&target);
  keepTurning();
}

void Loop::cancelFlush(DeferredFlush& target) {
  for (auto* list : {&flushes_, &flushing_}) {
    std::replace(list->begin(), list->end(), &target, static_cast<DeferredFlush*>(nullptr));
  }
}

void Loop::runFlushes() {
  flushing_.swap(flushes_);
  for (size_t i = 0; i < flushing_.size(); ++i) {  // by index: a flush may cancel a later one
    if (DeferredFlush* target = flushing_[i]) {
      target->runDeferredFlush();
    }
  }
  flushing_.clear();
}

void Loop::onCheck(uv_check_t* check) {
  auto* self = static_cast<Loop*>(check->data);
  if (self != nullptr) {
    self->runFlushes();  // before deletions: a closing session flushes nothing, but must still exist
    self->drainDeferred();
  }
}

void Loop::drainDeferred() {
  // Destructors may defer more deletions: loop until none are left.
  while (!deferred_.empty()) {
    auto batch = std::move(deferred_);
    deferred_.clear();
    batch.clear();
  }
  if (idle_ != nullptr && flushes_.empty()) {
    uv_idle_stop(idle_);
  }
}

}  // namespace rtsedge::uv
