#include "protocols/webrtc/server/rtp_frame_blob.h"

#include "protocols/webrtc/rtp/h264_packetizer.h"
#include "protocols/webrtc/rtp/opus_rtp.h"

namespace rtsedge::webrtc {

namespace {
constexpr uint8_t kFlagKeyframe = 1;
constexpr uint8_t kFlagDisposable = 2;

// Every NAL unit of a length-prefixed H.264 access unit has nal_ref_idc 0: a
// non-reference picture (a B-frame, typically), which no other frame decodes from.
bool disposableH264(const MediaFrame& frame) {
  size_t prefix = frame.config ? frame.config->nalLengthSize : 4;
  std::span<const uint8_t> data = frame.payload.span();
  bool anySlice = false;
  while (data.size() > prefix) {
    size_t length = 0;
    for (size_t i = 0; i < prefix; ++i) {
      length = (length << 8) | data[i];
    }
    if (length == 0 || length > data.size() - prefix) {
      return false;
    }
    uint8_t header = data[prefix];
    uint8_t type = header & 0x1F;
    if (type >= 1 && type <= 5) {
      anySlice = true;
      if ((header & 0x60) != 0) {
        return false;
      }
    }
    data = data.subspan(prefix + length);
  }
  return anySlice;
}
}  // namespace

std::optional<Bytes> RtpFrameBlob::build(const MediaFrame& frame, size_t maxPayloadSize) {
  Result<rtp::PacketizedFrame> packetized = Error("codec");
  if (frame.codec == Codec::kH264) {
    packetized = rtp::packetizeH264(frame, rtp::H264PacketizerOptions{.maxPayloadSize = maxPayloadSize});
  } else if (frame.codec == Codec::kOpus) {
    packetized = rtp::packetizeOpus(frame, rtp::OpusPacketizerOptions{.maxPayloadSize = maxPayloadSize});
  }
  if (!packetized || packetized->payloads.empty() || packetized->payloads.size() > 0xFFFF) {
    return std::nullopt;
  }
  size_t total = kHeaderSize;
  for (const rtp::RtpPayload& payload : packetized->payloads) {
    if (payload.data.size() > 0xFFFF) {
      return std::nullopt;  // the block's 16-bit size field: no RTP payload comes near it
    }
    total += 3 + payload.data.size();
  }
  BytesBuilder out(total);
  out.appendByte(static_cast<uint8_t>(frame.kind));
  uint8_t flags = (frame.keyframe ? kFlagKeyframe : 0) |
                  (frame.codec == Codec::kH264 && disposableH264(frame) ? kFlagDisposable : 0);
  out.appendByte(flags);
  auto pts = static_cast<uint64_t>(frame.ptsUs);
  out.appendU32(static_cast<uint32_t>(pts >> 32));
  out.appendU32(static_cast<uint32_t>(pts));
  out.appendU16(static_cast<uint16_t>(packetized->payloads.size()));
  for (const rtp::RtpPayload& payload : packetized->payloads) {
    out.appendU16(static_cast<uint16_t>(payload.data.size()));
    out.appendByte(payload.marker ? 1 : 0);
    out.append(payload.data);
  }
  return out.freeze();
}

std::optional<RtpFrameBlob> RtpFrameBlob::read(const Bytes& blob) {
  if (blob.size() < kHeaderSize || blob[0] > static_cast<uint8_t>(TrackKind::kAudio)) {
    return std::nullopt;
  }
  // Walk the payloads once: forEachPayload() then never reads past the block.
  size_t offset = kHeaderSize;
  for (uint16_t count = loadU16(blob.data() + 10), i = 0; i < count; ++i) {
    if (blob.size() - offset < 3 || blob.size() - offset - 3 < loadU16(blob.data() + offset)) {
      return std::nullopt;
    }
    offset += 3 + loadU16(blob.data() + offset);
  }
  if (offset != blob.size()) {
    return std::nullopt;
  }
  RtpFrameBlob view;
  view.kind = static_cast<TrackKind>(blob[0]);
  view.keyframe = (blob[1] & kFlagKeyframe) != 0;
  view.disposable = (blob[1] & kFlagDisposable) != 0;
  view.ptsUs = static_cast<int64_t>((static_cast<uint64_t>(loadU32(blob.data() + 2)) << 32) | loadU32(blob.data() + 6));
  view.blob = blob;
  return view;
}

}  // namespace rtsedge::webrtc
