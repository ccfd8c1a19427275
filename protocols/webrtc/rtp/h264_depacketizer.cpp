#include "protocols/webrtc/rtp/h264_depacketizer.h"

#include <algorithm>
#include <iterator>
#include <memory>

#include "protocols/codec/avc.h"
#include "protocols/webrtc/rtp/h264_packetizer.h"

namespace rtsedge::webrtc::rtp {
namespace {

// RFC 3550 A.1: a packet this far from the expected sequence number is taken as the
// start of a new sequence only when the next packet follows it.
constexpr int64_t kMaxDropout = 3000;
constexpr int64_t kMaxMisorder = 100;

constexpr size_t kPrefixSize = 4;
constexpr uint8_t kNalTypeReserved30 = 30;
constexpr size_t kFuAHeaderSize = 2;
constexpr size_t kStapASizeField = 2;
constexpr uint8_t kFuStart = 0x80;
constexpr uint8_t kFuEnd = 0x40;
constexpr uint8_t kFuIndicatorKeep = 0xE0;  // forbidden bit and NRI of the reassembled unit
constexpr size_t kMaxFrameSps = 31;         // what an AVC record can hold
constexpr size_t kMaxFramePps = 255;

int32_t sequenceDelta(uint16_t a, uint16_t b) {
  return static_cast<int16_t>(static_cast<uint16_t>(a - b));
}

// Whether a packet surely begins an access unit: it starts with an AUD or an SPS. Only
// such a packet lets the frame after a loss count as whole.
bool startsAccessUnit(std::span<const uint8_t> payload) {
  uint8_t type = h264::nalType(payload[0]);
  if (type == h264::kStapA && payload.size() > 3) {
    type = h264::nalType(payload[3]);
  } else if (type == h264::kFuA && payload.size() > 1 && (payload[1] & kFuStart) != 0) {
    type = h264::nalType(payload[1]);
  }
  return type == h264::kAud || type == h264::kSps;
}

bool isPicture(uint8_t type) {
  return type >= h264::kNonIdrSlice && type <= h264::kIdrSlice;
}

void storeU32(uint8_t* p, uint32_t value) {
  p[0] = static_cast<uint8_t>(value >> 24);
  p[1] = static_cast<uint8_t>(value >> 16);
  p[2] = static_cast<uint8_t>(value >> 8);
  p[3] = static_cast<uint8_t>(value);
}

}  // namespace

H264Depacketizer::H264Depacketizer(H264DepacketizerOptions options) : options_(options) {
  options_.reorderWindow = std::clamp<size_t>(options_.reorderWindow, 1, kMaxReorderWindow);
  window_.resize(options_.reorderWindow);
}

std::vector<DepacketizedFrame> H264Depacketizer::push(const RtpPacketView& packet) {
  std::vector<DepacketizedFrame> out;
  ++stats_.packets;
  if (!next_) {
    next_ = packet.sequence;
    highest_ = packet.sequence;
  }
  const int64_t sequence = extend(packet.sequence);
  switch (classify(sequence, packet.sequence)) {
    case SequenceFate::kDrop: return out;
    case SequenceFate::kAccept: break;
    case SequenceFate::kRestart: {
      // What is held belongs to the old sequence: process it, then start over here.
      std::vector<DepacketizedFrame> held = flush();
      out.insert(out.end(), std::make_move_iterator(held.begin()), std::make_move_iterator(held.end()));
      lose(1);
      next_ = packet.sequence;
      highest_ = packet.sequence;
      process(packet.timestamp, packet.marker, packet.payload, out);
      ++*next_;
      return out;
    }
  }
  if (sequence == *next_ && heldCount_ == 0) {
    process(packet.timestamp, packet.marker, packet.payload, out);
    ++*next_;
    highest_ = std::max(highest_, sequence);
    return out;
  }
  if (const Held& existing = window_[slotOf(sequence)]; existing.used && existing.sequence == sequence) {
    ++stats_.packetsLate;  // a duplicate of a packet still held
    return out;
  }
  makeRoom(sequence, out);
  Held& slot = window_[slotOf(sequence)];
  slot.used = true;
  slot.sequence = sequence;
  slot.timestamp = packet.timestamp;
  slot.marker = packet.marker;
  slot.payload.assign(packet.payload.begin(), packet.payload.end());
  ++heldCount_;
  highest_ = std::max(highest_, sequence);
  drain(out);
  return out;
}

std::vector<DepacketizedFrame> H264Depacketizer::flush() {
  std::vector<DepacketizedFrame> out;
  while (heldCount_ > 0) {
    advance(out);
  }
  return out;
}

int64_t H264Depacketizer::extend(uint16_t sequence) const {
  return highest_ + sequenceDelta(sequence, static_cast<uint16_t>(highest_));
}

// Late packets are dropped. One far from the expected range (RFC 3550 A.1) is dropped
// too, unless it follows the previous far one: then the sender started a new sequence.
H264Depacketizer::SequenceFate H264Depacketizer::classify(int64_t sequence, uint16_t wire) {
  const bool far = sequence < *next_ - kMaxMisorder || sequence > highest_ + kMaxDropout;
  if (!far) {
    resyncCandidate_.reset();
    if (sequence < *next_) {
      ++stats_.packetsLate;
      return SequenceFate::kDrop;
    }
    return SequenceFate::kAccept;
  }
  if (resyncCandidate_ && wire == static_cast<uint16_t>(*resyncCandidate_ + 1)) {
    resyncCandidate_.reset();
    ++stats_.sequenceResets;
    return SequenceFate::kRestart;
  }
  resyncCandidate_ = wire;
  ++stats_.packetsLate;
  return SequenceFate::kDrop;
}

// Moves past the next expected sequence number: its packet is processed if held, else lost.
void H264Depacketizer::advance(std::vector<DepacketizedFrame>& out) {
  Held& held = window_[slotOf(*next_)];
  if (held.used && held.sequence == *next_) {
    deliverHeld(held, out);
  } else {
    lose(1);
  }
  ++*next_;
}

// Gives up on the oldest missing packets until `sequence` fits the window.
void H264Depacketizer::makeRoom(int64_t sequence, std::vector<DepacketizedFrame>& out) {
  const auto window = static_cast<int64_t>(window_.size());
  while (sequence - *next_ >= window) {
    if (heldCount_ == 0) {
      lose(static_cast<uint64_t>(sequence - window + 1 - *next_));
      *next_ = sequence - window + 1;
      return;
    }
    advance(out);
  }
}

void H264Depacketizer::drain(std::vector<DepacketizedFrame>& out) {
  while (heldCount_ > 0) {
    Held& held = window_[slotOf(*next_)];
    if (!held.used || held.sequence != *next_) {
      return;
    }
    deliverHeld(held, out);
    ++*next_;
  }
}

size_t H264Depacketizer::slotOf(int64_t sequence) const {
  return static_cast<size_t>(sequence % static_cast<int64_t>(window_.size()));
}

void H264Depacketizer::deliverHeld(Held& held, std::vector<DepacketizedFrame>& out) {
  held.used = false;
  --heldCount_;
  process(held.timestamp, held.marker, held.payload, out);
}

void H264Depacketizer::lose(uint64_t count) {
  stats_.packetsLost += count;
  if (count > 0) {
    gapPending_ = true;
  }
}

void H264Depacketizer::process(uint32_t timestamp, bool marker, std::span<const uint8_t> payload,
                               std::vector<DepacketizedFrame>& out) {
  if (payload.empty()) {
    ++stats_.packetsIgnored;  // padding only
    return;
  }
  if (gapPending_) {
    // The lost packets belong to the frame in progress if this one continues it, else to
    // that frame's end or this new frame's start: both are suspect.
    gapPending_ = false;
    if (frame_.active && timestamp == frame_.timestamp) {
      frame_.broken = true;
    } else {
      if (frame_.active) {
        frame_.broken = true;
        finishFrame(out);
      }
      startFrame(timestamp);
      frame_.broken = !startsAccessUnit(payload);
    }
  } else if (!frame_.active) {
    startFrame(timestamp);
  } else if (timestamp != frame_.timestamp) {
    finishFrame(out);
    startFrame(timestamp);
  }
  if (!frame_.broken && !frame_.tooLarge) {
    const uint8_t type = h264::nalType(payload[0]);
    if (type == 0 || type >= kNalTypeReserved30) {
      ++stats_.packetsIgnored;
    } else if (type < h264::kStapA) {
      onSingle(payload);
    } else if (type == h264::kStapA) {
      onStapA(payload);
    } else if (type == h264::kFuA) {
      onFuA(payload);
    } else {
      malformed();  // STAP-B, MTAP16, MTAP24, FU-B: interleaved mode only
    }
  }
  if (marker) {
    finishFrame(out);
  }
}

void H264Depacketizer::startFrame(uint32_t timestamp) {
  frame_.active = true;
  frame_.timestamp = timestamp;
  frame_.broken = false;
  frame_.tooLarge = false;
  frame_.keyframe = false;
  frame_.picture = false;
  frame_.data.clear();
  frame_.parameterBytes = 0;
  frame_.sps.clear();
  frame_.pps.clear();
  frame_.fuActive = false;
}

void H264Depacketizer::finishFrame(std::vector<DepacketizedFrame>& out) {
  if (!frame_.active) {
    return;
  }
  frame_.active = false;
  if (frame_.fuActive) {
    frame_.broken = true;  // its last fragment never came
  }
  if (frame_.tooLarge) {
    ++stats_.framesTooLarge;
    waitingKeyframe_ = true;
    return;
  }
  if (frame_.broken) {
    ++stats_.framesIncomplete;
    waitingKeyframe_ = true;
    return;
  }
  updateConfig();
  if (!frame_.picture) {
    return;  // parameter sets or SEI alone: nothing to decode
  }
  if (!config_ || (waitingKeyframe_ && !frame_.keyframe)) {
    ++stats_.framesSkipped;
    return;
  }
  waitingKeyframe_ = false;
  DepacketizedFrame frame;
  frame.payload = Bytes::copyOf(frame_.data);
  frame.timestamp = frame_.timestamp;
  frame.keyframe = frame_.keyframe;
  frame.config = config_;
  frame.configChanged = config_ != lastConfigOut_;
  lastConfigOut_ = config_;
  ++stats_.framesOut;
  out.push_back(std::move(frame));
}

void H264Depacketizer::malformed() {
  ++stats_.packetsMalformed;
  frame_.broken = true;
}

void H264Depacketizer::onSingle(std::span<const uint8_t> payload) {
  if (frame_.fuActive) {
    malformed();  // a fragmented unit interrupted
    return;
  }
  appendUnit(payload);
}

void H264Depacketizer::onStapA(std::span<const uint8_t> payload) {
  if (frame_.fuActive) {
    malformed();
    return;
  }
  // Every size checked before any unit is taken.
  size_t units = 0;
  for (size_t at = 1; at < payload.size(); ++units) {
    if (payload.size() - at < kStapASizeField) {
      malformed();
      return;
    }
    const size_t size = loadU16(payload.data() + at);
    at += kStapASizeField;
    if (size == 0 || size > payload.size() - at) {
      malformed();
      return;
    }
    const uint8_t type = h264::nalType(payload[at]);
    if (type == 0 || type >= h264::kStapA) {
      malformed();
      return;
    }
    at += size;
  }
  if (units == 0) {
    malformed();
    return;
  }
  for (size_t at = 1; at < payload.size() && !frame_.tooLarge;) {
    const size_t size = loadU16(payload.data() + at);
    at += kStapASizeField;
    appendUnit(payload.subspan(at, size));
    at += size;
  }
}

void H264Depacketizer::onFuA(std::span<const uint8_t> payload) {
  if (payload.size() < kFuAHeaderSize) {
    malformed();
    return;
  }
  const uint8_t indicator = payload[0];
  const uint8_t header = payload[1];
  const bool start = (header & kFuStart) != 0;
  const bool end = (header & kFuEnd) != 0;
  const uint8_t type = h264::nalType(header);
  if ((start && end) || type == 0 || type >= h264::kStapA) {
    malformed();
    return;
  }
  const auto fragment = payload.subspan(kFuAHeaderSize);
  if (start) {
    if (frame_.fuActive) {
      malformed();  // the previous unit's end never came
      return;
    }
    if (!reserve(kPrefixSize + 1 + fragment.size())) {
      return;
    }
    frame_.fuActive = true;
    frame_.fuType = type;
    frame_.fuStart = frame_.data.size();
    frame_.data.resize(frame_.data.size() + kPrefixSize);
    frame_.data.push_back(static_cast<uint8_t>((indicator & kFuIndicatorKeep) | type));
  } else {
    if (!frame_.fuActive || type != frame_.fuType) {
      malformed();  // a fragment without its start, or of another unit
      return;
    }
    if (!reserve(fragment.size())) {
      return;
    }
  }
  frame_.data.insert(frame_.data.end(), fragment.begin(), fragment.end());
  if (end) {
    endFragmentedUnit();
  }
}

void H264Depacketizer::endFragmentedUnit() {
  frame_.fuActive = false;
  const size_t unitStart = frame_.fuStart + kPrefixSize;
  const size_t size = frame_.data.size() - unitStart;
  const uint8_t type = frame_.fuType;
  if (type == h264::kSps || type == h264::kPps || type == h264::kAud || type == h264::kFiller) {
    // Taken out of the payload: moved to the parameter sets, or dropped.
    std::vector<uint8_t> unit(frame_.data.begin() + static_cast<ptrdiff_t>(unitStart), frame_.data.end());
    frame_.data.resize(frame_.fuStart);
    if (type == h264::kSps || type == h264::kPps) {
      appendUnit(unit);
    }
    return;
  }
  storeU32(frame_.data.data() + frame_.fuStart, static_cast<uint32_t>(size));
  if (isPicture(type)) {
    frame_.picture = true;
    frame_.keyframe = frame_.keyframe || type == h264::kIdrSlice;
  }
}

void H264Depacketizer::appendUnit(std::span<const uint8_t> unit) {
  const uint8_t type = h264::nalType(unit[0]);
  if (type == h264::kAud || type == h264::kFiller) {
    return;
  }
  if (type == h264::kSps || type == h264::kPps) {
    auto& list = type == h264::kSps ? frame_.sps : frame_.pps;
    if (list.size() < (type == h264::kSps ? kMaxFrameSps : kMaxFramePps) && reserve(unit.size())) {
      frame_.parameterBytes += unit.size();
      list.emplace_back(unit.begin(), unit.end());
    }
    return;
  }
  if (!reserve(kPrefixSize + unit.size())) {
    return;
  }
  const size_t at = frame_.data.size();
  frame_.data.resize(at + kPrefixSize);
  storeU32(frame_.data.data() + at, static_cast<uint32_t>(unit.size()));
  frame_.data.insert(frame_.data.end(), unit.begin(), unit.end());
  if (isPicture(type)) {
    frame_.picture = true;
    frame_.keyframe = frame_.keyframe || type == h264::kIdrSlice;
  }
}

bool H264Depacketizer::reserve(size_t bytes) {
  if (frame_.data.size() + frame_.parameterBytes + bytes <= options_.maxFrameSize) {
    return true;
  }
  frame_.tooLarge = true;
  frame_.fuActive = false;
  std::vector<uint8_t>().swap(frame_.data);  // give the memory back at once
  frame_.sps.clear();
  frame_.pps.clear();
  return false;
}

void H264Depacketizer::updateConfig() {
  bool changed = false;
  if (!frame_.sps.empty() && frame_.sps != sps_) {
    sps_ = std::move(frame_.sps);
    changed = true;
  }
  if (!frame_.pps.empty() && frame_.pps != pps_) {
    pps_ = std::move(frame_.pps);
    changed = true;
  }
  if (!changed || sps_.empty() || pps_.empty()) {
    return;
  }
  std::vector<std::span<const uint8_t>> sps(sps_.begin(), sps_.end());
  std::vector<std::span<const uint8_t>> pps(pps_.begin(), pps_.end());
  auto record = codec::buildAvcDecoderConfigurationRecord(sps, pps);
  auto info = codec::parseH264Sps(sps.front());
  if (!record || !info) {
    ++stats_.parameterSetsRefused;
    return;
  }
  auto config = std::make_shared<TrackConfig>();
  config->kind = TrackKind::kVideo;
  config->codec = Codec::kH264;
  config->record = std::move(*record);
  config->width = info->width;
  config->height = info->height;
  config->frameRate = info->frameRate;
  config->nalLengthSize = kPrefixSize;
  if (config_ && *config_ == *config) {
    return;
  }
  config_ = std::move(config);
  waitingKeyframe_ = true;  // frames decode with the new sets from the next keyframe on
}

}  // namespace rtsedge::webrtc::rtp
