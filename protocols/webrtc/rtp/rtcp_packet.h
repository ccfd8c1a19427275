#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "relay/bytes.h"
#include "relay/status.h"

namespace rtsedge::webrtc::rtp {

// RTCP packet types (RFC 3550, RFC 4585) and the feedback formats we read.
enum RtcpType : uint8_t {
  kRtcpSr = 200,
  kRtcpRr = 201,
  kRtcpSdes = 202,
  kRtcpBye = 203,
  kRtcpApp = 204,
  kRtcpRtpfb = 205,  // transport-layer feedback
  kRtcpPsfb = 206,   // payload-specific feedback
};
enum RtpfbFormat : uint8_t { kRtpfbNack = 1, kRtpfbTransportCc = 15 };
enum PsfbFormat : uint8_t { kPsfbPli = 1, kPsfbFir = 4, kPsfbAfb = 15 };

constexpr size_t kRtcpHeaderSize = 4;
constexpr size_t kMaxReportBlocks = 31;  // the 5-bit count field

// One reception report block (RFC 3550 6.4.1).
struct ReportBlock {
  uint32_t ssrc = 0;
  uint8_t fractionLost = 0;         // lost / expected since the last report, in 1/256
  int32_t cumulativeLost = 0;       // 24-bit signed on the wire: duplicates can make it negative
  uint32_t extendedHighestSeq = 0;  // cycles << 16 | highest sequence number
  uint32_t jitter = 0;              // interarrival jitter, RTP timestamp units
  uint32_t lastSr = 0;              // LSR: the middle 32 bits of the last SR's NTP timestamp
  uint32_t delaySinceLastSr = 0;    // DLSR, in 1/65536 s
  bool operator==(const ReportBlock&) const = default;
};

struct SenderInfo {
  uint64_t ntpTimestamp = 0;  // seconds since 1900 << 32 | fraction
  uint32_t rtpTimestamp = 0;
  uint32_t packetCount = 0;
  uint32_t octetCount = 0;
  bool operator==(const SenderInfo&) const = default;
};

struct SenderReport {
  uint32_t ssrc = 0;
  SenderInfo info;
  std::vector<ReportBlock> reports;
  bool operator==(const SenderReport&) const = default;
};

struct ReceiverReport {
  uint32_t ssrc = 0;
  std::vector<ReportBlock> reports;
  bool operator==(const ReceiverReport&) const = default;
};

// SDES items are not read (CNAMEs come from the SDP): only the chunk count.
struct SourceDescription {
  uint8_t chunkCount = 0;
};

struct Bye {
  std::vector<uint32_t> ssrcs;  // the reason text, if any, is skipped
};

struct AppPacket {
  uint8_t subtype = 0;
  uint32_t ssrc = 0;
  std::array<uint8_t, 4> name{};  // the application data is skipped
};

// RTPFB fmt 1 (RFC 4585 6.2.1): every PID+BLP pair expanded, in wire order. Never empty.
struct Nack {
  uint32_t senderSsrc = 0;
  uint32_t mediaSsrc = 0;
  std::vector<uint16_t> lost;
  bool operator==(const Nack&) const = default;
};

// RTPFB fmt 15: only located here; rtcp_twcc.h reads the FCI.
struct TransportCcItem {
  uint32_t senderSsrc = 0;
  uint32_t mediaSsrc = 0;
  std::span<const uint8_t> fci;  // into the parsed input, padding removed; at least 8 bytes
};

// PSFB fmt 1 (RFC 4585 6.3.1).
struct Pli {
  uint32_t senderSsrc = 0;
  uint32_t mediaSsrc = 0;
  bool operator==(const Pli&) const = default;
};

// PSFB fmt 4 (RFC 5104 4.3.1): one entry per SSRC asked for a full intra frame.
struct FirEntry {
  uint32_t ssrc = 0;
  uint8_t sequence = 0;  // a repeated request keeps its number, a new one increments it
  bool operator==(const FirEntry&) const = default;
};
struct Fir {
  uint32_t senderSsrc = 0;
  std::vector<FirEntry> entries;  // never empty
  bool operator==(const Fir&) const = default;
};

// PSFB fmt 15 "REMB" (draft-alvestrand-rmcat-remb-03): the receiver's estimate.
struct Remb {
  uint32_t senderSsrc = 0;
  uint64_t bitrateBps = 0;  // mantissa << exponent, saturated to UINT64_MAX
  std::vector<uint32_t> ssrcs;
  bool operator==(const Remb&) const = default;
};

// A packet type or feedback format we do not read (XR, SLI, TMMBR, other AFB...).
struct UnknownRtcp {
  uint8_t format = 0;  // the 5-bit count/format field
};

using RtcpBody = std::variant<SenderReport, ReceiverReport, SourceDescription, Bye, AppPacket, Nack, TransportCcItem,
                              Pli, Fir, Remb, UnknownRtcp>;

// One RTCP packet of a compound packet.
struct RtcpItem {
  size_t offset = 0;  // where it starts in the input
  size_t size = 0;    // its whole length, header and padding included
  uint8_t type = 0;   // RtcpType, or any other value for UnknownRtcp
  RtcpBody body;
};

// A compound RTCP packet (RFC 3550 6.1; RFC 5506 reduced-size: any packet first, one
// alone). Every packet: version 2, a length that fits what is left, padding (allowed in
// any packet, as libwebrtc does) no longer than the packet; each type's fixed part and
// its count fields checked against its length. Unknown types and formats are skipped by
// their length. An Error names the packet (index, type, offset) and the reason; nothing
// is returned then. TransportCcItem::fci points into `data`.
Result<std::vector<RtcpItem>> parseRtcp(std::span<const uint8_t> data);

// The middle 32 bits of an NTP timestamp: LSR, and the unit of DLSR arithmetic.
inline uint32_t compactNtp(uint64_t ntp) {
  return static_cast<uint32_t>(ntp >> 16);
}

// Builders: each appends one RTCP packet (or, for more than 31 report blocks, an SR or
// RR followed by RRs carrying the rest) to a compound packet being assembled.
void appendSenderReport(BytesBuilder& out, const SenderReport& report);
void appendReceiverReport(BytesBuilder& out, const ReceiverReport& report);
// One SDES chunk with a CNAME item (RFC 3550 6.5.1), truncated to 255 bytes.
void appendSdesCname(BytesBuilder& out, uint32_t ssrc, std::string_view cname);
void appendBye(BytesBuilder& out, std::span<const uint32_t> ssrcs);
// Generic NACK from lost sequence numbers in any order, duplicates allowed; nothing is
// appended for an empty list. See packNacks.
void appendNack(BytesBuilder& out, uint32_t senderSsrc, uint32_t mediaSsrc, std::span<const uint16_t> lost);
void appendPli(BytesBuilder& out, uint32_t senderSsrc, uint32_t mediaSsrc);
// Nothing is appended for a FIR without entries.
void appendFir(BytesBuilder& out, const Fir& fir);
// The bitrate is rounded down to an 18-bit mantissa; at most 255 SSRCs are sent.
void appendRemb(BytesBuilder& out, const Remb& remb);

// A PID and the bitmask of the 16 sequence numbers after it (RFC 4585 6.2.1).
struct NackPair {
  uint16_t pid = 0;
  uint16_t blp = 0;
  bool operator==(const NackPair&) const = default;
};
// Sorts across the wrap (starting after the widest gap between the numbers, so
// 65534, 65535, 0, 1 stay together), drops duplicates, and packs each number into the
// first pair that can carry it.
std::vector<NackPair> packNacks(std::span<const uint16_t> lost);

}  // namespace rtsedge::webrtc::rtp
