#pragma once

#include <string>

#include "relay/egress_queue.h"
#include "relay/stream.h"
#include "relay/subscriber.h"

namespace rtsedge::rtmp {

// The playing side of an RTMP session: subscribes to a Stream and queues each
// frame's shared chunk bytes. Configurations are queued just before the next
// frame, with its timestamp, so a player's clock never jumps backwards; metadata
// goes with them at timestamp 0, where players look for it.
class RtmpPlayer final : public Subscriber {
 public:
  class Listener {
   public:
    virtual void onPlayerOutput() = 0;  // something was queued: write it
    virtual void onPlayerSkipped() = 0;
    virtual void onPlayerOverflow() = 0;
    virtual void onPlayerStreamEnded() = 0;

   protected:
    ~Listener() = default;
  };

  RtmpPlayer(Stream& stream, EgressQueue& queue, uint32_t chunkSize, Listener& listener);
  ~RtmpPlayer() override;

  void onMetadata(const Bytes& amf0) override;
  void onTrackConfig(const TrackConfigPtr& config) override;
  void onFrame(const FramePtr& frame) override;
  void onSourceLost() override;
  void onSourceRestored() override;
  void onStreamEnded() override;

 private:
  void queueHeaders(uint32_t timestamp);

  Stream* stream_;
  EgressQueue& queue_;
  uint32_t chunkSize_;
  Listener& listener_;
  Bytes pendingMetadata_;
  TrackConfigPtr pendingVideoConfig_;
  TrackConfigPtr pendingAudioConfig_;
  bool hasVideo_ = false;
};

}  // namespace rtsedge::rtmp
