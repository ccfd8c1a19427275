#include "protocols/rtmp/chunk_writer.h"

#include <algorithm>
#include <cassert>

namespace rtsedge::rtmp {

namespace {
constexpr uint32_t kExtendedTimestamp = 0xFFFFFF;
constexpr uint32_t kControlChunkStream = 2;

size_t basicHeaderSize(uint32_t chunkStreamId) {
  return chunkStreamId < 64 ? 1 : chunkStreamId < 320 ? 2 : 3;
}

void appendBasicHeader(BytesBuilder& out, uint8_t format, uint32_t id) {
  uint8_t high = static_cast<uint8_t>(format << 6);
  if (id < 64) {
    out.appendByte(high | static_cast<uint8_t>(id));
  } else if (id < 320) {
    out.appendByte(high);
    out.appendByte(static_cast<uint8_t>(id - 64));
  } else {
    out.appendByte(high | 1);
    out.appendByte(static_cast<uint8_t>((id - 64) & 0xff));
    out.appendByte(static_cast<uint8_t>((id - 64) >> 8));
  }
}

// Protocol control messages are tiny: one chunk at any chunk size, so they do not
// depend on what the peer has been told.
Bytes controlMessage(MessageType type, const Bytes& body) {
  MessageHeader header{kControlChunkStream, 0, static_cast<uint8_t>(type), 0};
  BytesBuilder out(chunkedSize(header, body.size(), kDefaultChunkSize));
  appendChunked(out, header, {body.span()}, kDefaultChunkSize);
  return out.freeze();
}

Bytes u32Body(uint32_t value) {
  BytesBuilder body(4);
  body.appendU32(value);
  return body.freeze();
}

}  // namespace

size_t chunkedSize(const MessageHeader& header, size_t payloadSize, uint32_t chunkSize) {
  assert(chunkSize > 0);
  size_t chunks = payloadSize == 0 ? 1 : (payloadSize + chunkSize - 1) / chunkSize;
  size_t extended = header.timestamp >= kExtendedTimestamp ? 4 : 0;
  size_t basic = basicHeaderSize(header.chunkStreamId);
  return payloadSize + basic + 11 + extended + (chunks - 1) * (basic + extended);
}

void appendChunked(BytesBuilder& out, const MessageHeader& header,
                   std::initializer_list<std::span<const uint8_t>> pieces, uint32_t chunkSize) {
  assert(chunkSize > 0);  // a zero chunk size would never end
  uint32_t total = 0;
  for (auto piece : pieces) {
    total += static_cast<uint32_t>(piece.size());
  }
  bool extended = header.timestamp >= kExtendedTimestamp;
  appendBasicHeader(out, 0, header.chunkStreamId);
  out.appendU24(extended ? kExtendedTimestamp : header.timestamp);
  out.appendU24(total);
  out.appendByte(header.typeId);
  out.appendU32Le(header.streamId);
  if (extended) {
    out.appendU32(header.timestamp);
  }
  size_t chunkLeft = chunkSize;
  for (auto piece : pieces) {
    while (!piece.empty()) {
      if (chunkLeft == 0) {
        appendBasicHeader(out, 3, header.chunkStreamId);
        if (extended) {
          out.appendU32(header.timestamp);
        }
        chunkLeft = chunkSize;
      }
      size_t take = std::min(chunkLeft, piece.size());
      out.append(piece.first(take));
      piece = piece.subspan(take);
      chunkLeft -= take;
    }
  }
}

Bytes setChunkSizeMessage(uint32_t size) {
  return controlMessage(MessageType::kSetChunkSize, u32Body(size));
}

Bytes windowAckSizeMessage(uint32_t size) {
  return controlMessage(MessageType::kWindowAckSize, u32Body(size));
}

Bytes acknowledgementMessage(uint32_t sequence) {
  return controlMessage(MessageType::kAcknowledgement, u32Body(sequence));
}

Bytes setPeerBandwidthMessage(uint32_t size, uint8_t limitType) {
  BytesBuilder body(5);
  body.appendU32(size);
  body.appendByte(limitType);
  return controlMessage(MessageType::kSetPeerBandwidth, body.freeze());
}

Bytes userControlMessage(UserControlEvent event, uint32_t value) {
  BytesBuilder body(6);
  body.appendU16(static_cast<uint16_t>(event));
  body.appendU32(value);
  return controlMessage(MessageType::kUserControl, body.freeze());
}

Bytes amf0Message(const MessageHeader& header, const std::vector<amf0::Value>& values, uint32_t chunkSize) {
  BytesBuilder body;
  for (const auto& value : values) {
    amf0::encode(value, body);
  }
  Bytes payload = body.freeze();
  BytesBuilder out(chunkedSize(header, payload.size(), chunkSize));
  appendChunked(out, header, {payload.span()}, chunkSize);
  return out.freeze();
}

}  // namespace rtsedge::rtmp
