#pragma once

#include "relay/egress_queue.h"
#include "relay/stream.h"
#include "relay/subscriber.h"

namespace rtsedge {

// Turns frames, configurations and metadata into one egress format's bytes.
// Frame serializations are cached on the frame (mux once, write many).
class Muxer {
 public:
  virtual ~Muxer() = default;
  // Empty Bytes: this format does not carry the configuration's codec.
  virtual Bytes metadata(const Bytes& amf0) = 0;
  virtual Bytes trackConfig(const TrackConfig& config, int64_t dtsUs) = 0;
  // Empty Bytes: this format does not carry the frame's codec.
  virtual Bytes frame(const FramePtr& frame) = 0;
  // Whether frame() carries audio in `codec`: the same predicate, asked once per viewer
  // (Subscriber::acceptsAudio) so a stream can hand it a transcoded rendition instead.
  virtual bool carriesAudio(Codec codec) const = 0;
};

// Which tracks a viewer asked for (?only-audio=1, ?only-video=1).
struct TrackFilter {
  bool video = true;
  bool audio = true;
  bool data = true;
};

// The subscriber every egress session uses: it queues a format's bytes for each
// frame in the viewer's EgressQueue and applies the slow-viewer policy.
// Configurations go out just before the next frame, with its timestamp, so a
// player's clock never jumps backwards; metadata goes with them.
class EgressSubscriber final : public Subscriber {
 public:
  class Listener {
   public:
    virtual void onEgressOutput() = 0;  // something was queued: write it
    virtual void onEgressSkipped() = 0;
    virtual void onEgressOverflow() = 0;
    virtual void onEgressStreamEnded() = 0;

   protected:
    ~Listener() = default;
  };

  EgressSubscriber(Stream& stream, EgressQueue& queue, Muxer& muxer, TrackFilter filter, Listener& listener);
  ~EgressSubscriber() override;

  void onMetadata(const Bytes& amf0) override;
  void onTrackConfig(const TrackConfigPtr& config) override;
  void onFrame(const FramePtr& frame) override;
  void onSourceLost() override;
  void onSourceRestored() override;
  void onStreamEnded() override;
  // What the muxer carries, and no audio at all for a viewer that asked for none.
  bool acceptsAudio(Codec codec) const override;

 private:
  bool wanted(TrackKind kind) const;
  void queueHeaders(int64_t dtsUs);

  Stream* stream_;
  EgressQueue& queue_;
  Muxer& muxer_;
  TrackFilter filter_;
  Listener& listener_;
  Bytes pendingMetadata_;
  TrackConfigPtr pendingVideoConfig_;
  TrackConfigPtr pendingAudioConfig_;
  bool hasVideo_ = false;
};

}  // namespace rtsedge
