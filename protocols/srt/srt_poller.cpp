#include "protocols/srt/srt_poller.h"

#include <spdlog/spdlog.h>

namespace rtsedge::srt {

namespace {
// The I/O thread re-checks its stop flag this often; SRT offers no way to wake a waiter.
constexpr int64_t kWaitSliceMs = 200;
// Events taken from one srt_epoll_uwait call.
constexpr int kEventsPerWait = 256;
}  // namespace

SrtPoller::SrtPoller(uv::Loop& loop) : epoll_(srt_epoll_create()), wake_(this) {
  // An empty set is normal (no connection yet): wait instead of failing.
  srt_epoll_set(epoll_, SRT_EPOLL_ENABLE_EMPTY);
  uv_async_init(loop.raw(), wake_.get(), &SrtPoller::onWake);
  thread_ = std::thread([this] { waitForEvents(); });
}

SrtPoller::~SrtPoller() {
  stop();
  srt_epoll_release(epoll_);
}

void SrtPoller::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_.exchange(true)) {
      return;
    }
  }
  taken_.notify_one();
  thread_.join();
  wake_.close();  // an open async handle would keep the loop running
}

Status SrtPoller::add(SRTSOCKET socket, int events, Handler& handler) {
  if (stopping_) {
    return Error("the SRT poller is stopped");
  }
  handlers_[socket] = &handler;
  int flags = events | SRT_EPOLL_ET;
  if (srt_epoll_add_usock(epoll_, socket, &flags) == SRT_ERROR) {
    handlers_.erase(socket);
    return Error(std::string("srt_epoll_add_usock: ") + srt_getlasterror_str());
  }
  return Status::ok();
}

void SrtPoller::remove(SRTSOCKET socket) {
  if (handlers_.erase(socket) > 0) {
    srt_epoll_remove_usock(epoll_, socket);
  }
}

void SrtPoller::waitForEvents() {
  std::vector<SRT_EPOLL_EVENT> events(kEventsPerWait);
  while (!stopping_) {
    int count = srt_epoll_uwait(epoll_, events.data(), kEventsPerWait, kWaitSliceMs);
    if (count <= 0) {
      continue;  // a timeout (0) or an error on an empty set: check the stop flag
    }
    std::unique_lock lock(mutex_);
    pending_.assign(events.begin(), events.begin() + count);
    uv_async_send(wake_.get());
    // Not a word more to libsrt until the loop took this batch: libsrt reports a broken
    // socket on every wait, edge-triggered or not, so asking on would spin this thread
    // and pile up copies of that event (tens of thousands seen in a soak) until the loop
    // gets to close the socket. Whatever else happens meanwhile, libsrt keeps for the
    // next wait.
    taken_.wait(lock, [this] { return pending_.empty() || stopping_; });
  }
}

void SrtPoller::onWake(uv_async_t* async) {
  if (auto* self = uv::ownerOf<SrtPoller>(async)) {
    self->dispatch();
  }
}

void SrtPoller::dispatch() {
  {
    std::lock_guard lock(mutex_);
    batch_.swap(pending_);
  }
  taken_.notify_one();
  for (const SRT_EPOLL_EVENT& event : batch_) {
    // Looked up per event: a handler may remove itself or another socket while handling.
    auto it = handlers_.find(event.fd);
    if (it != handlers_.end()) {
      it->second->onSrtEvents(event.events);
    }
  }
  batch_.clear();
}

}  // namespace rtsedge::srt
