#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "relay/bytes.h"
#include "relay/media_frame.h"
#include "relay/status.h"

namespace rtsedge::webrtc::rtp {

// RTP (RFC 3550 5.1) with header extensions (RFC 8285).
inline constexpr uint8_t kRtpVersion = 2;
inline constexpr size_t kRtpFixedHeaderSize = 12;
inline constexpr size_t kRtpMaxCsrcs = 15;
inline constexpr uint8_t kRtpMaxPayloadType = 127;
inline constexpr uint16_t kOneByteExtensionProfile = 0xBEDE;
inline constexpr uint16_t kTwoByteExtensionProfile = 0x1000;  // 0x100X: the low 4 bits are appbits
inline constexpr uint8_t kOneByteExtensionMaxId = 14;         // 15 is reserved: it stops the parse
inline constexpr size_t kOneByteExtensionMaxSize = 16;
inline constexpr size_t kTwoByteExtensionMaxSize = 255;

// One RFC 8285 header extension element: a local id and its value.
struct RtpExtension {
  uint8_t id = 0;
  std::span<const uint8_t> value;
};

// A parsed RTP packet: the header fields, and spans into the parsed bytes (which must
// outlive it). Parsing allocates nothing; extensions are read from the checked block on
// demand. Tests and depacketizers may also fill one by hand: only sequence, timestamp,
// marker and payload matter to a depacketizer.
struct RtpPacketView {
  bool marker = false;
  uint8_t payloadType = 0;
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  std::span<const uint8_t> csrcData;  // csrcCount() big-endian 32-bit CSRCs
  bool hasExtension = false;
  uint16_t extensionProfile = 0;       // 0xBEDE, 0x100X, or any other value RFC 3550 allows
  std::span<const uint8_t> extensionData;  // the extension's words, after its 4-byte header
  size_t headerSize = 0;               // fixed header, CSRCs and extension
  uint8_t paddingSize = 0;             // padding at the end, its count byte included; 0 without P
  std::span<const uint8_t> payload;    // between header and padding

  size_t csrcCount() const { return csrcData.size() / 4; }
  uint32_t csrc(size_t index) const { return loadU32(csrcData.data() + 4 * index); }
  // The RFC 8285 elements in wire order (none for another profile); padding skipped.
  std::vector<RtpExtension> extensions() const;
  // The value of the first element with this id.
  std::optional<std::span<const uint8_t>> extension(uint8_t id) const;
};

// Parses and bounds-checks a whole RTP packet: version 2, the CSRC list, the extension
// header and its length, every RFC 8285 element inside it (one-byte: id 0 is a padding
// byte, id 15 ends the list; two-byte: id 0 is a padding byte), and the padding count
// (at least 1, within what follows the header). Any truncation is an Error.
Result<RtpPacketView> parseRtpPacket(std::span<const uint8_t> packet);

// What a sender writes into a header. Spans are read during the call only.
struct RtpHeader {
  bool marker = false;
  uint8_t payloadType = 0;
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  std::span<const uint32_t> csrcs;  // at most 15
  // RFC 8285 elements, written in order. The one-byte form is used when every id is in
  // 1..14 and every value 1..16 bytes, else the two-byte form (ids 1..255, 0..255 bytes);
  // twoByteExtensions forces the latter. appBits: the two-byte profile's low 4 bits.
  std::span<const RtpExtension> extensions;
  bool twoByteExtensions = false;
  uint8_t appBits = 0;
  // Padding appended after the payload (RFC 3550 5.1), its count byte included; 0 for none.
  uint8_t paddingSize = 0;
};

// The bytes a header takes before the payload, or why it cannot be written.
Result<size_t> rtpHeaderSize(const RtpHeader& header);

// Writes header, payload and padding into out; returns the bytes written. Fails, having
// written nothing, on a header that cannot be written or an `out` too small.
Result<size_t> writeRtpPacket(std::span<uint8_t> out, const RtpHeader& header, std::span<const uint8_t> payload);

// The same into a new block of exactly the right size.
Result<Bytes> buildRtpPacket(const RtpHeader& header, std::span<const uint8_t> payload);

// The fields that differ per viewer of one stream (WHEP: mux once, write many): each
// viewer copies the shared packet into its own buffer, rewrites these in place, then
// protects it with its SRTP context. Marker, timestamp, extensions and payload stay.
struct RtpHeaderRewrite {
  uint32_t ssrc = 0;
  uint16_t sequence = 0;
  uint8_t payloadType = 0;
};
// Fails on a buffer shorter than the fixed header, a version other than 2, or a
// payload type over 127; writes nothing then.
Status rewriteRtpHeader(std::span<uint8_t> packet, const RtpHeaderRewrite& fields);

// Sized so that RTP header, extensions, SRTP tag and UDP/IPv6 stay under a 1280-byte path MTU.
inline constexpr size_t kDefaultRtpPayloadSize = 1200;
// The smallest budget a packetizer accepts: an H.264 FU-A needs two header bytes and one of the unit.
inline constexpr size_t kMinRtpPayloadSize = 3;

// One RTP payload of a frame and its marker bit: what a packetizer builds once per
// frame and every viewer shares (the viewer adds its own header).
struct RtpPayload {
  Bytes data;
  bool marker = false;
};

// The packets of one frame, in send order; timestamp is their shared RTP timestamp.
struct PacketizedFrame {
  uint32_t timestamp = 0;
  std::vector<RtpPayload> payloads;
};

// One frame a depacketizer recovered from RTP packets, in the payload form MediaFrame
// uses for its codec (H.264: 4-byte length-prefixed NAL units; Opus: the packet).
struct DepacketizedFrame {
  Bytes payload;
  uint32_t timestamp = 0;  // RTP timestamp; RtpTimestampUnwrapper puts it on a timeline
  bool keyframe = false;
  TrackConfigPtr config;       // the configuration it decodes with; never null
  bool configChanged = false;  // config is not the one the previous frame carried
};

}  // namespace rtsedge::webrtc::rtp
