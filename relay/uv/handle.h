#pragma once

#include <uv.h>

namespace rtsedge::uv {

// Owns one heap-allocated libuv handle apart from its wrapper (mediasoup's pattern):
// close() clears handle->data, so a callback still queued for this loop turn finds
// no owner and returns; the uv_close callback frees only the uv struct. The wrapper
// may therefore die at once after close(). Callers run uv_*_init on get() right
// after construction.
template <class T>
class Handle {
 public:
  explicit Handle(void* owner) : raw_(new T{}) { raw_->data = owner; }
  ~Handle() { close(); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  T* get() const { return raw_; }
  uv_handle_t* base() const { return reinterpret_cast<uv_handle_t*>(raw_); }
  bool closed() const { return raw_ == nullptr; }

  void close() {
    if (raw_ == nullptr) {
      return;
    }
    raw_->data = nullptr;
    uv_close(base(), [](uv_handle_t* handle) { delete reinterpret_cast<T*>(handle); });
    raw_ = nullptr;
  }

 private:
  T* raw_;
};

// Recovers the owner of a handle in a static trampoline; null once closed.
template <class Owner, class T>
Owner* ownerOf(T* handle) {
  return static_cast<Owner*>(handle->data);
}

}  // namespace rtsedge::uv
