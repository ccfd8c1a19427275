#include "protocols/webrtc/rtp/rtcp_packet.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "protocols/webrtc/rtp/rtcp_layout.h"

namespace rtsedge::webrtc::rtp {
namespace {

constexpr uint8_t kVersion = 2;
using namespace layout;
constexpr size_t kTransportCcFixedSize = 8;
constexpr size_t kAppFixedSize = 12;  // header, SSRC, name
constexpr std::array<uint8_t, 4> kRembName = {'R', 'E', 'M', 'B'};

uint64_t loadU64(const uint8_t* p) {
  return static_cast<uint64_t>(loadU32(p)) << 32 | loadU32(p + 4);
}

int32_t loadS24(const uint8_t* p) {
  auto value = static_cast<int32_t>(loadU24(p));
  return (value & 0x800000) != 0 ? value - 0x1000000 : value;
}

std::string describe(uint8_t type, uint8_t count) {
  switch (type) {
    case kRtcpSr: return "SR";
    case kRtcpRr: return "RR";
    case kRtcpSdes: return "SDES";
    case kRtcpBye: return "BYE";
    case kRtcpApp: return "APP";
    case kRtcpRtpfb: return fmt::format("RTPFB fmt {}", count);
    case kRtcpPsfb: return fmt::format("PSFB fmt {}", count);
    default: return fmt::format("type {}", type);
  }
}

// One packet, its padding taken off: header at bytes[0].
struct Packet {
  std::span<const uint8_t> bytes;
  uint8_t count = 0;  // the 5-bit count or format field
  uint8_t type = 0;
};

ReportBlock readReportBlock(const uint8_t* p) {
  ReportBlock block;
  block.ssrc = loadU32(p);
  block.fractionLost = p[4];
  block.cumulativeLost = loadS24(p + 5);
  block.extendedHighestSeq = loadU32(p + 8);
  block.jitter = loadU32(p + 12);
  block.lastSr = loadU32(p + 16);
  block.delaySinceLastSr = loadU32(p + 20);
  return block;
}

Result<std::vector<ReportBlock>> readReportBlocks(const Packet& packet, size_t offset) {
  size_t need = offset + packet.count * kReportBlockSize;
  if (packet.bytes.size() < need) {
    return Error(
        fmt::format("{} report blocks need {} bytes, the packet has {}", packet.count, need, packet.bytes.size()));
  }
  std::vector<ReportBlock> blocks;
  blocks.reserve(packet.count);
  for (size_t i = 0; i < packet.count; ++i) {
    blocks.push_back(readReportBlock(&packet.bytes[offset + i * kReportBlockSize]));
  }
  return blocks;
}

Result<RtcpBody> parseSenderReport(const Packet& packet) {
  constexpr size_t kFixed = kRtcpHeaderSize + kSsrcSize + kSenderInfoSize;
  if (packet.bytes.size() < kFixed) {
    return Error(fmt::format("{} bytes, less than the {} of a sender report", packet.bytes.size(), kFixed));
  }
  const uint8_t* p = packet.bytes.data();
  SenderReport report;
  report.ssrc = loadU32(p + 4);
  report.info = {loadU64(p + 8), loadU32(p + 16), loadU32(p + 20), loadU32(p + 24)};
  auto blocks = readReportBlocks(packet, kFixed);
  if (!blocks) {
    return blocks.error();
  }
  report.reports = std::move(*blocks);
  return RtcpBody(std::move(report));
}

Result<RtcpBody> parseReceiverReport(const Packet& packet) {
  constexpr size_t kFixed = kRtcpHeaderSize + kSsrcSize;
  if (packet.bytes.size() < kFixed) {
    return Error(fmt::format("{} bytes, less than the {} of a receiver report", packet.bytes.size(), kFixed));
  }
  ReceiverReport report;
  report.ssrc = loadU32(&packet.bytes[4]);
  auto blocks = readReportBlocks(packet, kFixed);
  if (!blocks) {
    return blocks.error();
  }
  report.reports = std::move(*blocks);
  return RtcpBody(std::move(report));
}

Result<RtcpBody> parseBye(const Packet& packet) {
  size_t need = kRtcpHeaderSize + packet.count * kSsrcSize;
  if (packet.bytes.size() < need) {
    return Error(fmt::format("{} SSRCs need {} bytes, the packet has {}", packet.count, need, packet.bytes.size()));
  }
  Bye bye;
  for (size_t i = 0; i < packet.count; ++i) {
    bye.ssrcs.push_back(loadU32(&packet.bytes[kRtcpHeaderSize + i * kSsrcSize]));
  }
  return RtcpBody(std::move(bye));
}

Result<RtcpBody> parseApp(const Packet& packet) {
  if (packet.bytes.size() < kAppFixedSize) {
    return Error(fmt::format("{} bytes, less than the {} of an APP packet", packet.bytes.size(), kAppFixedSize));
  }
  AppPacket app;
  app.subtype = packet.count;
  app.ssrc = loadU32(&packet.bytes[4]);
  std::copy_n(&packet.bytes[8], app.name.size(), app.name.begin());
  return RtcpBody(app);
}

Result<RtcpBody> parseNack(uint32_t sender, uint32_t media, std::span<const uint8_t> fci) {
  size_t entries = fci.size() / kNackEntrySize;
  if (entries == 0) {
    return Error("a generic NACK without entries");
  }
  Nack nack{sender, media, {}};
  for (size_t i = 0; i < entries; ++i) {
    uint16_t pid = loadU16(&fci[i * kNackEntrySize]);
    uint16_t blp = loadU16(&fci[i * kNackEntrySize + 2]);
    nack.lost.push_back(pid);
    for (uint16_t bit = 0; bit < 16; ++bit) {
      if ((blp >> bit & 1) != 0) {
        nack.lost.push_back(static_cast<uint16_t>(pid + bit + 1));
      }
    }
  }
  return RtcpBody(std::move(nack));
}

Result<RtcpBody> parseFir(uint32_t sender, std::span<const uint8_t> fci) {
  size_t entries = fci.size() / kFirEntrySize;
  if (entries == 0) {
    return Error("a FIR without entries");
  }
  Fir fir{sender, {}};
  for (size_t i = 0; i < entries; ++i) {
    fir.entries.push_back({loadU32(&fci[i * kFirEntrySize]), fci[i * kFirEntrySize + 4]});
  }
  return RtcpBody(std::move(fir));
}

Result<RtcpBody> parseRemb(uint32_t sender, std::span<const uint8_t> fci) {
  if (fci.size() < kRembFixedSize) {
    return Error(fmt::format("a REMB of {} bytes, less than {}", fci.size(), kRembFixedSize));
  }
  size_t count = fci[4];
  if (fci.size() < kRembFixedSize + count * kSsrcSize) {
    return Error(fmt::format("a REMB with {} SSRCs in {} bytes", count, fci.size()));
  }
  uint8_t exponent = fci[5] >> 2;
  uint64_t mantissa = (fci[5] & 3u) << 16 | loadU16(&fci[6]);
  Remb remb{sender, mantissa > (UINT64_MAX >> exponent) ? UINT64_MAX : mantissa << exponent, {}};
  for (size_t i = 0; i < count; ++i) {
    remb.ssrcs.push_back(loadU32(&fci[kRembFixedSize + i * kSsrcSize]));
  }
  return RtcpBody(std::move(remb));
}

Result<RtcpBody> parseFeedback(const Packet& packet) {
  if (packet.bytes.size() < kFeedbackHeaderSize) {
    return Error(
        fmt::format("{} bytes, less than the {} of a feedback header", packet.bytes.size(), kFeedbackHeaderSize));
  }
  uint32_t sender = loadU32(&packet.bytes[4]);
  uint32_t media = loadU32(&packet.bytes[8]);
  auto fci = packet.bytes.subspan(kFeedbackHeaderSize);
  if (packet.type == kRtcpRtpfb) {
    switch (packet.count) {
      case kRtpfbNack: return parseNack(sender, media, fci);
      case kRtpfbTransportCc:
        if (fci.size() < kTransportCcFixedSize) {
          return Error(
              fmt::format("a transport-cc feedback of {} bytes, less than {}", fci.size(), kTransportCcFixedSize));
        }
        return RtcpBody(TransportCcItem{sender, media, fci});
      default: return RtcpBody(UnknownRtcp{packet.count});
    }
  }
  switch (packet.count) {
    case kPsfbPli: return RtcpBody(Pli{sender, media});
    case kPsfbFir: return parseFir(sender, fci);
    case kPsfbAfb:
      if (fci.size() >= kRembName.size() && std::equal(kRembName.begin(), kRembName.end(), fci.begin())) {
        return parseRemb(sender, fci);
      }
      return RtcpBody(UnknownRtcp{packet.count});
    default: return RtcpBody(UnknownRtcp{packet.count});
  }
}

Result<RtcpBody> parseBody(const Packet& packet) {
  switch (packet.type) {
    case kRtcpSr: return parseSenderReport(packet);
    case kRtcpRr: return parseReceiverReport(packet);
    case kRtcpSdes: return RtcpBody(SourceDescription{packet.count});
    case kRtcpBye: return parseBye(packet);
    case kRtcpApp: return parseApp(packet);
    case kRtcpRtpfb:
    case kRtcpPsfb: return parseFeedback(packet);
    default: return RtcpBody(UnknownRtcp{packet.count});
  }
}

// The common header of the packet at the front of `rest`: its whole size and its
// padding, or why it cannot be one.
Result<Packet> readHeader(std::span<const uint8_t> rest, size_t& size) {
  if (rest.size() < kRtcpHeaderSize) {
    return Error(fmt::format("{} bytes left, less than a header", rest.size()));
  }
  uint8_t version = rest[0] >> 6;
  if (version != kVersion) {
    return Error(fmt::format("version {}, not 2", version));
  }
  size = (static_cast<size_t>(loadU16(&rest[2])) + 1) * 4;
  if (size > rest.size()) {
    return Error(fmt::format("length of {} bytes, {} left", size, rest.size()));
  }
  size_t padding = 0;
  if ((rest[0] & 0x20) != 0) {
    padding = rest[size - 1];
    if (padding == 0 || padding > size - kRtcpHeaderSize) {
      return Error(fmt::format("padding of {} bytes in a packet of {}", padding, size));
    }
  }
  return Packet{rest.first(size - padding), static_cast<uint8_t>(rest[0] & 0x1f), rest[1]};
}

}  // namespace

Result<std::vector<RtcpItem>> parseRtcp(std::span<const uint8_t> data) {
  if (data.empty()) {
    return Error("empty RTCP packet");
  }
  std::vector<RtcpItem> items;
  size_t offset = 0;
  for (size_t index = 0; offset < data.size(); ++index) {
    auto rest = data.subspan(offset);
    size_t size = 0;
    auto packet = readHeader(rest, size);
    if (!packet) {
      return packet.error().wrap(fmt::format("RTCP packet {} at offset {}", index, offset));
    }
    auto body = parseBody(*packet);
    if (!body) {
      return body.error().wrap(
          fmt::format("RTCP packet {} ({}) at offset {}", index, describe(packet->type, packet->count), offset));
    }
    items.push_back({offset, size, packet->type, std::move(*body)});
    offset += size;
  }
  return items;
}

}  // namespace rtsedge::webrtc::rtp
