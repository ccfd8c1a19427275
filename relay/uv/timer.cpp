#include "relay/uv/timer.h"

namespace rtsedge::uv {

Timer::Timer(Loop& loop, std::function<void()> onFire) : onFire_(std::move(onFire)), handle_(this) {
  uv_timer_init(loop.raw(), handle_.get());
}

void Timer::start(Millis timeout, Millis repeat) {
  if (!handle_.closed()) {
    uv_timer_start(handle_.get(), &Timer::onTimer, static_cast<uint64_t>(timeout.count()),
                   static_cast<uint64_t>(repeat.count()));
  }
}

void Timer::stop() {
  if (!handle_.closed()) {
    uv_timer_stop(handle_.get());
  }
}

void Timer::onTimer(uv_timer_t* timer) {
  if (auto* self = ownerOf<Timer>(timer)) {
    self->onFire_();
  }
}

}  // namespace rtsedge::uv
