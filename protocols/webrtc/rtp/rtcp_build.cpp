// The RTCP builders declared in rtcp_packet.h.
#include <algorithm>

#include "protocols/webrtc/rtp/rtcp_layout.h"
#include "protocols/webrtc/rtp/rtcp_packet.h"

namespace rtsedge::webrtc::rtp {
namespace {

constexpr uint8_t kVersionBits = 0x80;
using namespace layout;
constexpr size_t kMaxFirEntries = 8190;     // what the 16-bit length field allows
constexpr uint32_t kPsfbMediaSsrcNone = 0;  // FIR and REMB name their SSRCs in the FCI
constexpr uint8_t kSdesCname = 1;
constexpr size_t kMaxSdesText = 255;
constexpr size_t kMaxByeSsrcs = 31;
constexpr size_t kMaxRembSsrcs = 255;
constexpr uint64_t kRembMaxMantissa = 0x3FFFF;
constexpr int32_t kMaxCumulativeLost = 0x7FFFFF;
constexpr int32_t kMinCumulativeLost = -0x800000;

// `size` is the whole packet in bytes, a multiple of 4.
void appendHeader(BytesBuilder& out, uint8_t count, uint8_t type, size_t size) {
  out.appendByte(static_cast<uint8_t>(kVersionBits | count));
  out.appendByte(type);
  out.appendU16(static_cast<uint16_t>(size / 4 - 1));
}

void appendU64(BytesBuilder& out, uint64_t value) {
  out.appendU32(static_cast<uint32_t>(value >> 32));
  out.appendU32(static_cast<uint32_t>(value));
}

void appendReportBlock(BytesBuilder& out, const ReportBlock& block) {
  out.appendU32(block.ssrc);
  out.appendByte(block.fractionLost);
  int32_t lost = std::clamp(block.cumulativeLost, kMinCumulativeLost, kMaxCumulativeLost);
  out.appendU24(static_cast<uint32_t>(lost) & 0xFFFFFF);
  out.appendU32(block.extendedHighestSeq);
  out.appendU32(block.jitter);
  out.appendU32(block.lastSr);
  out.appendU32(block.delaySinceLastSr);
}

// RRs carrying `blocks`, 31 to a packet; one RR without blocks when there are none.
void appendReceiverReports(BytesBuilder& out, uint32_t ssrc, std::span<const ReportBlock> blocks) {
  do {
    auto part = blocks.first(std::min(blocks.size(), kMaxReportBlocks));
    appendHeader(out, static_cast<uint8_t>(part.size()), kRtcpRr,
                 kRtcpHeaderSize + kSsrcSize + part.size() * kReportBlockSize);
    out.appendU32(ssrc);
    for (const auto& block : part) {
      appendReportBlock(out, block);
    }
    blocks = blocks.subspan(part.size());
  } while (!blocks.empty());
}

void appendFeedbackHeader(BytesBuilder& out, uint8_t format, uint8_t type, size_t size, uint32_t sender,
                          uint32_t media) {
  appendHeader(out, format, type, size);
  out.appendU32(sender);
  out.appendU32(media);
}

}  // namespace

void appendSenderReport(BytesBuilder& out, const SenderReport& report) {
  std::span<const ReportBlock> blocks(report.reports);
  auto first = blocks.first(std::min(blocks.size(), kMaxReportBlocks));
  appendHeader(out, static_cast<uint8_t>(first.size()), kRtcpSr,
               kRtcpHeaderSize + kSsrcSize + kSenderInfoSize + first.size() * kReportBlockSize);
  out.appendU32(report.ssrc);
  appendU64(out, report.info.ntpTimestamp);
  out.appendU32(report.info.rtpTimestamp);
  out.appendU32(report.info.packetCount);
  out.appendU32(report.info.octetCount);
  for (const auto& block : first) {
    appendReportBlock(out, block);
  }
  if (blocks.size() > first.size()) {
    appendReceiverReports(out, report.ssrc, blocks.subspan(first.size()));
  }
}

void appendReceiverReport(BytesBuilder& out, const ReceiverReport& report) {
  appendReceiverReports(out, report.ssrc, report.reports);
}

void appendSdesCname(BytesBuilder& out, uint32_t ssrc, std::string_view cname) {
  cname = cname.substr(0, kMaxSdesText);
  // SSRC, type, length, text, then at least one null octet ending the item list, to 32 bits.
  size_t chunk = (4 + 2 + cname.size() + 1 + 3) / 4 * 4;
  appendHeader(out, 1, kRtcpSdes, kRtcpHeaderSize + chunk);
  out.appendU32(ssrc);
  out.appendByte(kSdesCname);
  out.appendByte(static_cast<uint8_t>(cname.size()));
  out.append(std::span(reinterpret_cast<const uint8_t*>(cname.data()), cname.size()));
  for (size_t i = 4 + 2 + cname.size(); i < chunk; ++i) {
    out.appendByte(0);
  }
}

void appendBye(BytesBuilder& out, std::span<const uint32_t> ssrcs) {
  ssrcs = ssrcs.first(std::min(ssrcs.size(), kMaxByeSsrcs));
  appendHeader(out, static_cast<uint8_t>(ssrcs.size()), kRtcpBye, kRtcpHeaderSize + ssrcs.size() * kSsrcSize);
  for (uint32_t ssrc : ssrcs) {
    out.appendU32(ssrc);
  }
}

std::vector<NackPair> packNacks(std::span<const uint16_t> lost) {
  if (lost.empty()) {
    return {};
  }
  std::vector<uint16_t> sorted(lost.begin(), lost.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  // Start after the widest gap, the wrap-around one included.
  size_t start = 0;
  uint32_t widest = sorted.front() + 65536u - sorted.back();
  for (size_t i = 1; i < sorted.size(); ++i) {
    uint32_t gap = sorted[i] - sorted[i - 1];
    if (gap > widest) {
      widest = gap;
      start = i;
    }
  }
  std::rotate(sorted.begin(), sorted.begin() + static_cast<ptrdiff_t>(start), sorted.end());
  std::vector<NackPair> pairs;
  for (uint16_t seq : sorted) {
    if (!pairs.empty()) {
      auto distance = static_cast<uint16_t>(seq - pairs.back().pid);
      if (distance >= 1 && distance <= 16) {
        pairs.back().blp = static_cast<uint16_t>(pairs.back().blp | 1u << (distance - 1));
        continue;
      }
    }
    pairs.push_back({seq, 0});
  }
  return pairs;
}

void appendNack(BytesBuilder& out, uint32_t senderSsrc, uint32_t mediaSsrc, std::span<const uint16_t> lost) {
  auto pairs = packNacks(lost);
  if (pairs.empty()) {
    return;
  }
  // At most 65536 / 17 + 1 pairs, with distinct PIDs 17 apart: the length never overflows.
  appendFeedbackHeader(out, kRtpfbNack, kRtcpRtpfb, kFeedbackHeaderSize + pairs.size() * kNackEntrySize, senderSsrc,
                       mediaSsrc);
  for (const auto& pair : pairs) {
    out.appendU16(pair.pid);
    out.appendU16(pair.blp);
  }
}

void appendPli(BytesBuilder& out, uint32_t senderSsrc, uint32_t mediaSsrc) {
  appendFeedbackHeader(out, kPsfbPli, kRtcpPsfb, kFeedbackHeaderSize, senderSsrc, mediaSsrc);
}

void appendFir(BytesBuilder& out, const Fir& fir) {
  if (fir.entries.empty()) {
    return;
  }
  size_t count = std::min(fir.entries.size(), kMaxFirEntries);  // a FIR names a handful of SSRCs
  appendFeedbackHeader(out, kPsfbFir, kRtcpPsfb, kFeedbackHeaderSize + count * kFirEntrySize, fir.senderSsrc,
                       kPsfbMediaSsrcNone);
  for (size_t i = 0; i < count; ++i) {
    out.appendU32(fir.entries[i].ssrc);
    out.appendByte(fir.entries[i].sequence);
    out.appendU24(0);
  }
}

void appendRemb(BytesBuilder& out, const Remb& remb) {
  size_t count = std::min(remb.ssrcs.size(), kMaxRembSsrcs);
  uint8_t exponent = 0;
  while ((remb.bitrateBps >> exponent) > kRembMaxMantissa) {
    ++exponent;
  }
  auto mantissa = static_cast<uint32_t>(remb.bitrateBps >> exponent);
  appendFeedbackHeader(out, kPsfbAfb, kRtcpPsfb, kFeedbackHeaderSize + kRembFixedSize + count * kSsrcSize,
                       remb.senderSsrc, kPsfbMediaSsrcNone);
  out.append(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("REMB"), 4));
  out.appendByte(static_cast<uint8_t>(count));
  out.appendByte(static_cast<uint8_t>(exponent << 2 | mantissa >> 16));
  out.appendU16(static_cast<uint16_t>(mantissa));
  for (size_t i = 0; i < count; ++i) {
    out.appendU32(remb.ssrcs[i]);
  }
}

}  // namespace rtsedge::webrtc::rtp
