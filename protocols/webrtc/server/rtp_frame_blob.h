#pragma once

#include <cstdint>
#include <optional>

#include "protocols/webrtc/rtp/rtp_packet.h"
#include "relay/bytes.h"
#include "relay/media_frame.h"

namespace rtsedge::webrtc {

// A frame's RTP payloads in one block, built once per frame and stream and shared by
// every WHEP viewer (MediaFrame::serialized(kRtp)): each viewer only adds its own
// header, sequence numbers and SRTP. Layout: kind (1 byte), flags (1), pts in us (8),
// payload count (2), then per payload its size (2), marker (1) and bytes.
struct RtpFrameBlob {
  TrackKind kind = TrackKind::kVideo;
  bool keyframe = false;
  bool disposable = false;  // H.264 with nal_ref_idc 0 everywhere: nothing refers to it
  int64_t ptsUs = 0;
  Bytes blob;  // the whole block

  // Packetizes an H.264 or Opus frame; nullopt for another codec or a frame that does not
  // packetize (a malformed payload: logged by the caller's muxer as a dropped frame).
  static std::optional<Bytes> build(const MediaFrame& frame, size_t maxPayloadSize);
  // Reads a block build() made; nullopt for anything else.
  static std::optional<RtpFrameBlob> read(const Bytes& blob);

  // Calls fn(const rtp::RtpPayload&) for each payload, in order, as slices of the block.
  template <class Fn>
  void forEachPayload(Fn&& fn) const {
    size_t offset = kHeaderSize;
    uint16_t count = loadU16(blob.data() + 10);
    for (uint16_t i = 0; i < count; ++i) {
      uint16_t size = loadU16(blob.data() + offset);
      rtp::RtpPayload payload{blob.slice(offset + 3, size), blob[offset + 2] != 0};
      offset += 3 + size;
      fn(payload);
    }
  }

  static constexpr size_t kHeaderSize = 12;
};

}  // namespace rtsedge::webrtc
