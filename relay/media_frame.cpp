#include "relay/media_frame.h"

namespace rtsedge {

std::string_view codecName(Codec codec) {
  switch (codec) {
    case Codec::kH264: return "h264";
    case Codec::kH265: return "h265";
    case Codec::kAv1: return "av1";
    case Codec::kVp9: return "vp9";
    case Codec::kAac: return "aac";
    case Codec::kMp3: return "mp3";
    case Codec::kOpus: return "opus";
    case Codec::kFlvLegacyAudio: return "flv-audio";
    case Codec::kAmf0: return "amf0";
    case Codec::kUnknown: break;
  }
  return "unknown";
}

// Copies the media fields only: a copy is a new frame whose serializations are
// computed afresh (its timestamps may differ from the original's).
MediaFrame::MediaFrame(const MediaFrame& other)
    : kind(other.kind),
      codec(other.codec),
      dtsUs(other.dtsUs),
      ptsUs(other.ptsUs),
      keyframe(other.keyframe),
      payload(other.payload),
      config(other.config),
      arrival(other.arrival),
      capture(other.capture) {}

Bytes MediaFrame::serialized(EgressFormat format, const std::function<Bytes(const MediaFrame&)>& build) const {
  auto& slot = serialized_[static_cast<size_t>(format)];
  if (auto cached = slot.load(std::memory_order_acquire)) {
    return *cached;
  }
  auto built = std::make_shared<const Bytes>(build(*this));
  std::shared_ptr<const Bytes> expected;
  // Two threads may build at once; the first to store wins and both return its bytes.
  if (!slot.compare_exchange_strong(expected, built, std::memory_order_acq_rel)) {
    return *expected;
  }
  return *built;
}

}  // namespace rtsedge
