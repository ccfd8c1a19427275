#pragma once

#include <srt/srt.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "relay/status.h"
#include "relay/uv/handle.h"
#include "relay/uv/loop.h"

namespace rtsedge::srt {

// The bridge between libsrt's threads and one libuv loop. One I/O thread waits in
// srt_epoll_uwait on every SRT socket of the loop, edge-triggered, and hands the
// events over in batches (one lock and one uv_async wake-up per batch, never per
// packet), waiting for the loop to take each before it waits again; handlers then read
// and write on the loop thread until SRT says EAGAIN.
// Nothing of the core is touched off the loop thread, and nothing polls.
class SrtPoller {
 public:
  class Handler {
   public:
    // SRT_EPOLL_IN / OUT / ERR bits, on the loop thread.
    virtual void onSrtEvents(int events) = 0;

   protected:
    ~Handler() = default;
  };

  explicit SrtPoller(uv::Loop& loop);
  ~SrtPoller();
  SrtPoller(const SrtPoller&) = delete;
  SrtPoller& operator=(const SrtPoller&) = delete;

  // Watches the socket for `events` (SRT_EPOLL_IN/OUT/ERR). A socket already ready
  // is reported at once.
  Status add(SRTSOCKET socket, int events, Handler& handler);
  // From this call on the handler hears nothing more of the socket, even of events
  // already on their way.
  void remove(SRTSOCKET socket);
  // Joins the I/O thread; add() fails afterwards.
  void stop();

 private:
  void waitForEvents();
  static void onWake(uv_async_t* async);
  void dispatch();

  int epoll_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<SRT_EPOLL_EVENT> pending_;              // guarded by mutex_
  std::condition_variable taken_;                     // pending_ emptied, or stopping_
  std::vector<SRT_EPOLL_EVENT> batch_;                // loop thread only
  std::unordered_map<SRTSOCKET, Handler*> handlers_;  // loop thread only
  uv::Handle<uv_async_t> wake_;
  std::thread thread_;
};

}  // namespace rtsedge::srt
