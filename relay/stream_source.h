#pragma once

#include "relay/status.h"
#include "relay/stream.h"
#include "relay/subscriber.h"

namespace rtsedge {

// What every publishing protocol's source shares: it attaches to one Stream, detaches
// as it goes, and tells its session when another source took the stream over.
class StreamSource : public Source {
 public:
  class Listener {
   public:
    virtual void onPublisherReplaced() = 0;

   protected:
    ~Listener() = default;
  };

  explicit StreamSource(Listener& listener) : listener_(listener) {}
  ~StreamSource() override { detach(); }
  StreamSource(const StreamSource&) = delete;
  StreamSource& operator=(const StreamSource&) = delete;

  // The stream outlives the source while attached.
  Status attachTo(Stream& stream) {
    Status status = stream.attachSource(*this);
    if (status) {
      stream_ = &stream;
    }
    return status;
  }

  void detach() {
    if (stream_ != nullptr) {
      stream_->detachSource(*this);
      stream_ = nullptr;
    }
  }

  bool upstream() const override { return upstream_; }
  // This source pulls from an upstream node.
  void markUpstream() { upstream_ = true; }

  void onSourceReplaced() override {
    stream_ = nullptr;  // the stream detached us already
    listener_.onPublisherReplaced();
  }

 protected:
  // Null before attachTo() succeeded and after a replacement.
  Stream* stream() const { return stream_; }

 private:
  Listener& listener_;
  Stream* stream_ = nullptr;
  bool upstream_ = false;
};

}  // namespace rtsedge
