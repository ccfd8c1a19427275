#include "protocols/flv/flv_mux.h"

#include "protocols/flv/flv_tag.h"

namespace rtsedge::flv {

namespace {
TagHeader headerFor(const MediaFrame& frame) {
  switch (frame.kind) {
    case TrackKind::kVideo: return videoFrameHeader(frame);
    case TrackKind::kAudio: return audioFrameHeader(frame);
    case TrackKind::kData: break;
  }
  return TagHeader{};
}

uint8_t tagTypeOf(TrackKind kind) {
  return kind == TrackKind::kVideo ? kVideoTag : kind == TrackKind::kAudio ? kAudioTag : kScriptTag;
}
}  // namespace

Bytes fileHeader(bool hasAudio, bool hasVideo) {
  BytesBuilder out(13);
  out.append(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("FLV"), 3));
  out.appendByte(1);
  out.appendByte(static_cast<uint8_t>((hasAudio ? 4 : 0) | (hasVideo ? 1 : 0)));
  out.appendU32(9);
  out.appendU32(0);
  return out.freeze();
}

void appendTag(BytesBuilder& out, uint8_t type, uint32_t timestampMs,
               std::initializer_list<std::span<const uint8_t>> body) {
  uint32_t size = 0;
  for (auto piece : body) {
    size += static_cast<uint32_t>(piece.size());
  }
  out.appendByte(type);
  out.appendU24(size);
  out.appendU24(timestampMs & 0xFFFFFF);
  out.appendByte(static_cast<uint8_t>(timestampMs >> 24));
  out.appendU24(0);  // stream id
  for (auto piece : body) {
    out.append(piece);
  }
  out.appendU32(size + static_cast<uint32_t>(kTagHeaderSize));
}

size_t frameTagSize(const MediaFrame& frame) {
  return kTagHeaderSize + headerFor(frame).size + frame.payload.size() + kPreviousTagSize;
}

void appendFrameTag(BytesBuilder& out, const MediaFrame& frame) {
  if (frame.kind != TrackKind::kData && !isFlvMediaCodec(frame.codec)) {
    return;
  }
  TagHeader header = headerFor(frame);
  auto timestamp = static_cast<uint32_t>(static_cast<uint64_t>(frame.dtsUs / 1000));
  appendTag(out, tagTypeOf(frame.kind), timestamp, {header.span(), frame.payload.span()});
}

}  // namespace rtsedge::flv
