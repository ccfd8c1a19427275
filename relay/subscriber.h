#pragma once

#include "relay/bytes.h"
#include "relay/media_frame.h"

namespace rtsedge {

// What every egress session implements to receive one stream. Called on the
// stream's loop. A new subscriber gets metadata, configurations and the cached GOP
// through these same calls, then live frames.
class Subscriber {
 public:
  virtual ~Subscriber() = default;

  // onMetaData script data: AMF0 "onMetaData" followed by its object.
  virtual void onMetadata(const Bytes& amf0) = 0;
  virtual void onTrackConfig(const TrackConfigPtr& config) = 0;
  virtual void onFrame(const FramePtr& frame) = 0;
  // The source went away; the stream waits for it for the grace period.
  virtual void onSourceLost() = 0;
  // A source is back: configurations follow, then frames from a keyframe on.
  virtual void onSourceRestored() = 0;
  // No source came back in time. The subscriber is already detached.
  virtual void onStreamEnded() = 0;

  // Whether this viewer can play audio in `codec`. Asked when the viewer subscribes and
  // when the stream's audio codec changes, never per frame: a viewer that cannot play the
  // stream's audio gets it transcoded (AAC <-> Opus, see AudioRendition) when it accepts
  // the other codec, or no audio at all.
  virtual bool acceptsAudio(Codec /*codec*/) const { return true; }
};

// What a stream needs of its source (a publishing session or an upstream pull).
class Source {
 public:
  virtual ~Source() = default;
  // Another source took the stream over (on_duplicate_publish: replace).
  virtual void onSourceReplaced() = 0;
  // A pull from an upstream node rather than a publisher: its loss is a failover.
  virtual bool upstream() const { return false; }
  // A viewer cannot decode until the next keyframe (a WebRTC viewer's PLI). A source that
  // can ask its encoder for one does (a WHIP publisher: a PLI, rate-limited); the others
  // send keyframes on their own schedule.
  virtual void requestKeyframe() {}
};

}  // namespace rtsedge
