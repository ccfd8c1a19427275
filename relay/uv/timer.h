#pragma once

#include <functional>

#include "relay/clock.h"
#include "relay/uv/handle.h"
#include "relay/uv/loop.h"

namespace rtsedge::uv {

class Timer {
 public:
  Timer(Loop& loop, std::function<void()> onFire);

  // Fires once after `timeout`, then every `repeat` if non-zero. Restarting re-arms.
  void start(Millis timeout, Millis repeat = Millis(0));
  void stop();
  void close() { handle_.close(); }

 private:
  static void onTimer(uv_timer_t* timer);

  std::function<void()> onFire_;
  Handle<uv_timer_t> handle_;
};

}  // namespace rtsedge::uv
