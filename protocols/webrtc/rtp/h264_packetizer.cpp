#include "protocols/webrtc/rtp/h264_packetizer.h"

#include <algorithm>
#include <string>
#include <vector>

#include "protocols/codec/annexb.h"
#include "protocols/codec/avc.h"
#include "protocols/webrtc/rtp/rtp_timestamp.h"

namespace rtsedge::webrtc::rtp {
namespace {

constexpr size_t kStapAHeaderSize = 1;
constexpr size_t kStapAUnitHeaderSize = 2;  // the 16-bit unit size
constexpr size_t kFuAHeaderSize = 2;        // FU indicator, FU header
constexpr size_t kMaxStapAUnitSize = 0xFFFF;
constexpr uint8_t kForbiddenBit = 0x80;
constexpr uint8_t kNriMask = 0x60;
constexpr uint8_t kFuStart = 0x80;
constexpr uint8_t kFuEnd = 0x40;

bool dropped(uint8_t type) {
  return type == 0 || type == h264::kAud || type == h264::kFiller || type >= h264::kStapA;
}

// A slice of `whole` (a Bytes) for a span that points into it: zero-copy.
Bytes sliceOf(const Bytes& whole, std::span<const uint8_t> part) {
  return whole.slice(static_cast<size_t>(part.data() - whole.data()), part.size());
}

// What one payload will be: a unit as it is, a STAP-A of units [first, last), or one
// FU-A fragment of a unit.
struct Plan {
  enum class Kind { kSingle, kStapA, kFuA } kind = Kind::kSingle;
  size_t first = 0;
  size_t last = 0;
  size_t offset = 0;  // FU-A: where the fragment starts in the unit, after its header byte
  size_t length = 0;  // FU-A: fragment bytes
  bool start = false;
  bool end = false;
};

class Planner {
 public:
  Planner(const std::vector<Bytes>& units, size_t budget) : units_(units), budget_(budget) {}

  // Plans units [first, last): STAP-A where allowed and two or more fit, else alone.
  void plan(size_t first, size_t last, bool aggregate) {
    size_t at = first;
    while (at < last) {
      if (units_[at].size() > budget_) {
        planFragments(at);
        ++at;
        continue;
      }
      size_t end = at;
      size_t size = kStapAHeaderSize;
      while (aggregate && end < last && units_[end].size() <= kMaxStapAUnitSize &&
             size + kStapAUnitHeaderSize + units_[end].size() <= budget_) {
        size += kStapAUnitHeaderSize + units_[end].size();
        ++end;
      }
      if (end - at >= 2) {
        plans_.push_back({Plan::Kind::kStapA, at, end, 0, 0, false, false});
        at = end;
      } else {
        plans_.push_back({Plan::Kind::kSingle, at, at + 1, 0, 0, false, false});
        ++at;
      }
    }
  }

  const std::vector<Plan>& plans() const { return plans_; }

 private:
  // Fragments of near-equal size, each at most budget - 2 bytes: no runt last packet.
  void planFragments(size_t index) {
    const size_t data = units_[index].size() - 1;  // the header byte travels in the FU headers
    const size_t room = budget_ - kFuAHeaderSize;
    const size_t count = (data + room - 1) / room;
    const size_t base = data / count;
    const size_t extra = data % count;
    size_t offset = 1;
    for (size_t i = 0; i < count; ++i) {
      const size_t length = base + (i < extra ? 1 : 0);
      plans_.push_back({Plan::Kind::kFuA, index, index + 1, offset, length, i == 0, i + 1 == count});
      offset += length;
    }
  }

  const std::vector<Bytes>& units_;
  size_t budget_;
  std::vector<Plan> plans_;
};

size_t builtSize(const Plan& plan, const std::vector<Bytes>& units) {
  switch (plan.kind) {
    case Plan::Kind::kSingle: return 0;
    case Plan::Kind::kFuA: return kFuAHeaderSize + plan.length;
    case Plan::Kind::kStapA: break;
  }
  size_t size = kStapAHeaderSize;
  for (size_t i = plan.first; i < plan.last; ++i) {
    size += kStapAUnitHeaderSize + units[i].size();
  }
  return size;
}

void writeStapA(BytesBuilder& out, const Plan& plan, const std::vector<Bytes>& units) {
  uint8_t forbidden = 0;
  uint8_t nri = 0;
  for (size_t i = plan.first; i < plan.last; ++i) {
    forbidden |= units[i][0] & kForbiddenBit;
    nri = std::max<uint8_t>(nri, units[i][0] & kNriMask);
  }
  out.appendByte(static_cast<uint8_t>(forbidden | nri | h264::kStapA));
  for (size_t i = plan.first; i < plan.last; ++i) {
    out.appendU16(static_cast<uint16_t>(units[i].size()));
    out.append(units[i]);
  }
}

void writeFuA(BytesBuilder& out, const Plan& plan, const Bytes& unit) {
  const uint8_t header = unit[0];
  out.appendByte(static_cast<uint8_t>((header & (kForbiddenBit | kNriMask)) | h264::kFuA));
  out.appendByte(static_cast<uint8_t>((plan.start ? kFuStart : 0) | (plan.end ? kFuEnd : 0) | h264::nalType(header)));
  out.append(unit.span().subspan(plan.offset, plan.length));
}

// The frame's NAL units worth sending, as slices of its payload; notes SPS and PPS.
struct FrameUnits {
  std::vector<Bytes> units;
  bool hasSps = false;
  bool hasPps = false;
};

Result<FrameUnits> frameUnits(const MediaFrame& frame) {
  const uint8_t nalLengthSize = frame.config ? frame.config->nalLengthSize : 4;
  auto split = codec::splitLengthPrefixed(frame.payload.span(), nalLengthSize);
  if (!split) {
    return split.error().wrap("H.264 packetizer");
  }
  FrameUnits out;
  out.units.reserve(split->size());
  for (const auto unit : *split) {
    const uint8_t type = h264::nalType(unit[0]);
    if (dropped(type)) {
      continue;
    }
    out.hasSps = out.hasSps || type == h264::kSps;
    out.hasPps = out.hasPps || type == h264::kPps;
    out.units.push_back(sliceOf(frame.payload, unit));
  }
  return out;
}

// The SPS and PPS of the frame's decoder configuration record, as slices of it.
Result<std::vector<Bytes>> recordParameterSets(const TrackConfig& config) {
  auto parsed = codec::parseAvcDecoderConfigurationRecord(config.record.span());
  if (!parsed) {
    return parsed.error().wrap("H.264 packetizer");
  }
  std::vector<Bytes> sets;
  for (const auto* list : {&parsed->sps, &parsed->pps}) {
    for (const auto unit : *list) {
      sets.push_back(sliceOf(config.record, unit));
    }
  }
  return sets;
}

}  // namespace

Result<PacketizedFrame> packetizeH264(const MediaFrame& frame, const H264PacketizerOptions& options) {
  if (frame.codec != Codec::kH264) {
    return Error(std::string("H.264 packetizer: codec ") + std::string(codecName(frame.codec)));
  }
  if (options.maxPayloadSize < kMinRtpPayloadSize) {
    return Error("H.264 packetizer: payload budget of " + std::to_string(options.maxPayloadSize) + " bytes");
  }
  auto content = frameUnits(frame);
  if (!content) {
    return content.error();
  }
  std::vector<Bytes> units;
  if (frame.keyframe && !(content->hasSps && content->hasPps) && frame.config && !frame.config->record.empty()) {
    auto sets = recordParameterSets(*frame.config);
    if (!sets) {
      return sets.error();
    }
    units = std::move(*sets);
  }
  const size_t parameterSets = units.size();
  units.insert(units.end(), content->units.begin(), content->units.end());

  Planner planner(units, options.maxPayloadSize);
  planner.plan(0, parameterSets, true);
  planner.plan(parameterSets, units.size(), options.aggregate);

  size_t total = 0;
  for (const auto& plan : planner.plans()) {
    total += builtSize(plan, units);
  }
  BytesBuilder out(total);
  for (const auto& plan : planner.plans()) {
    if (plan.kind == Plan::Kind::kStapA) {
      writeStapA(out, plan, units);
    } else if (plan.kind == Plan::Kind::kFuA) {
      writeFuA(out, plan, units[plan.first]);
    }
  }
  const Bytes block = out.freeze();

  PacketizedFrame packets;
  packets.timestamp = rtpTimestamp(frame.ptsUs, kVideoClockRate, options.timestampBase);
  packets.payloads.reserve(planner.plans().size());
  size_t at = 0;
  for (const auto& plan : planner.plans()) {
    if (plan.kind == Plan::Kind::kSingle) {
      packets.payloads.push_back({units[plan.first], false});
      continue;
    }
    const size_t size = builtSize(plan, units);
    packets.payloads.push_back({block.slice(at, size), false});
    at += size;
  }
  if (!packets.payloads.empty()) {
    packets.payloads.back().marker = true;
  }
  return packets;
}

}  // namespace rtsedge::webrtc::rtp
