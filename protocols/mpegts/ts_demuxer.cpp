#include "protocols/mpegts/ts_demuxer.h"

#include <algorithm>

#include "protocols/mpegts/crc32.h"

namespace rtsedge::mpegts {

namespace {
constexpr uint8_t kStuffingByte = 0xff;
constexpr size_t kSectionHeaderSize = 3;
constexpr size_t kMaxSectionLength = 1021;  // PAT and PMT: the two top bits of section_length are 0
constexpr size_t kLongHeaderSize = 8;       // through last_section_number
constexpr size_t kCrcSize = 4;
constexpr size_t kPesStartSize = 6;  // start code, stream_id, PES_packet_length
constexpr size_t kPesHeaderSize = 9;

constexpr uint8_t kPaddingStreamId = 0xbe;

// Stream types that carry sections rather than PES packets: private sections,
// DSM-CC and SCTE-35 splice information.
bool carriesPes(uint8_t streamType) {
  return streamType != 0x05 && (streamType < 0x0b || streamType > 0x0d) && streamType != 0x86;
}

// The stream_ids whose PES packets have no optional header (Table 2-21): program
// stream map, padding, private stream 2, ECM, EMM, DSM-CC, directory and H.222.1 type E.
bool hasOptionalHeader(uint8_t streamId) {
  return streamId != 0xbc && streamId != kPaddingStreamId && streamId != 0xbf && streamId != 0xf0 && streamId != 0xf1 &&
         streamId != 0xf2 && streamId != 0xf8 && streamId != 0xff;
}

// A 33-bit PTS or DTS in its five bytes. Only the three marker bits are checked:
// muxers get the four-bit prefix wrong often enough that it is not worth a timestamp.
std::optional<int64_t> readTimestamp(const uint8_t* p) {
  if ((p[0] & p[2] & p[4] & 1) == 0) {
    return std::nullopt;
  }
  return (static_cast<int64_t>((p[0] >> 1) & 0x07) << 30) | (static_cast<int64_t>(loadU16(p + 1) >> 1) << 15) |
         (loadU16(p + 3) >> 1);
}

// The Opus signalling of one elementary stream's descriptors. Descriptors that
// overrun the ES_info end the loop but not the PMT: the stream is still usable.
void readDescriptors(std::span<const uint8_t> descriptors, ElementaryStream& stream) {
  while (descriptors.size() >= 2 && descriptors[1] <= descriptors.size() - 2) {
    uint8_t tag = descriptors[0];
    auto body = descriptors.subspan(2, descriptors[1]);
    if (tag == kRegistrationDescriptorTag && body.size() >= 4 && loadU32(body.data()) == kOpusFormatIdentifier) {
      stream.opus = true;
    } else if (tag == kExtensionDescriptorTag && body.size() >= 2 && body[0] == kOpusExtensionTag && body[1] <= 8) {
      // Code 0 is dual mono: two channels, as ffmpeg reads it.
      stream.opusChannels = body[1] == 0 ? 2 : body[1];
    }
    descriptors = descriptors.subspan(2 + body.size());
  }
}
}  // namespace

void TsDemuxer::feed(std::span<const uint8_t> data) {
  while (!data.empty()) {
    if (buffered_ == 0) {
      // Whole packets straight from the caller's bytes; only a tail is copied.
      data = data.subspan(scan(data, false));
    }
    // In sync, fill up to one packet so that the next call can go straight again;
    // out of sync, two, to see the sync byte that confirms a candidate.
    size_t want = synced_ ? kPacketSize : buffer_.size();
    size_t take = std::min(data.size(), want - buffered_);
    std::copy_n(data.begin(), take, buffer_.begin() + static_cast<ptrdiff_t>(buffered_));
    buffered_ += take;
    data = data.subspan(take);
    consumeBuffer(false);
  }
}

void TsDemuxer::flush() {
  consumeBuffer(true);
  buffered_ = 0;
  for (Stream& stream : streams_) {
    if (stream.active) {
      finishPes(stream);
    }
  }
  pat_.active = false;
  pmt_.active = false;
}

// Reads the packets at the front of `input` and returns how many bytes it used. A
// packet is taken where the previous one ended if it starts with the sync byte;
// after a loss, only where a second sync byte follows one packet later, or at the
// end of input. Decisions depend on the bytes alone, never on how they were split.
size_t TsDemuxer::scan(std::span<const uint8_t> input, bool atEnd) {
  size_t pos = 0;
  while (input.size() - pos >= kPacketSize) {
    bool candidate = input[pos] == kSyncByte;
    if (candidate && !synced_) {
      if (input.size() - pos > kPacketSize) {
        candidate = input[pos + kPacketSize] == kSyncByte;
      } else if (!atEnd) {
        break;
      }
    }
    if (candidate) {
      synced_ = true;
      skipping_ = false;
      onPacket(&input[pos]);
      pos += kPacketSize;
      continue;
    }
    if (!skipping_) {
      skipping_ = true;
      ++stats_.syncLosses;
    }
    synced_ = false;
    ++stats_.skippedBytes;
    ++pos;
  }
  return pos;
}

void TsDemuxer::consumeBuffer(bool atEnd) {
  size_t used = scan(std::span(buffer_).first(buffered_), atEnd);
  std::copy(buffer_.begin() + static_cast<ptrdiff_t>(used), buffer_.begin() + static_cast<ptrdiff_t>(buffered_),
            buffer_.begin());
  buffered_ -= used;
}

void TsDemuxer::onPacket(const uint8_t* packet) {
  ++stats_.packets;
  if (packet[1] & 0x80) {
    // The pid itself may be what is corrupt: the continuity counter of the stream
    // that lost this packet reports the gap.
    ++stats_.transportErrors;
    return;
  }
  bool unitStart = packet[1] & 0x40;
  uint16_t pid = loadU16(packet + 1) & 0x1fff;
  uint8_t control = (packet[3] >> 4) & 0x03;
  bool hasPayload = control & 0x01;
  size_t payloadStart = 4;
  bool discontinuity = false;
  bool randomAccess = false;
  if (control == 0) {
    ++stats_.malformedPackets;  // reserved adaptation_field_control: decoders discard it
    return;
  }
  if (control & 0x02) {
    size_t length = packet[4];
    if (5 + length > kPacketSize) {
      ++stats_.malformedPackets;
      return;
    }
    if (length > 0) {
      discontinuity = packet[5] & 0x80;
      randomAccess = packet[5] & 0x40;
    }
    payloadStart = 5 + length;
  }
  std::span<const uint8_t> payload;
  if (hasPayload) {
    payload = std::span(packet + payloadStart, kPacketSize - payloadStart);
  }

  Section* section = nullptr;
  Stream* stream = nullptr;
  if (pid == kPatPid) {
    section = &pat_;
  } else if (pmtPid_ && pid == *pmtPid_) {
    section = &pmt_;
  } else {
    auto it = std::find_if(streams_.begin(), streams_.end(), [pid](const Stream& s) { return s.info.pid == pid; });
    if (it == streams_.end()) {
      return;
    }
    stream = &*it;
  }
  Counter& counter = section ? section->counter : stream->counter;
  Continuity continuity = checkCounter(counter, packet[3] & 0x0f, hasPayload, discontinuity);
  if (continuity == Continuity::kDuplicate) {
    return;
  }
  if (continuity == Continuity::kGap) {
    ++stats_.continuityErrors;
    if (section) {
      section->active = false;
    } else {
      if (stream->active) {
        dropPes(*stream);
      }
      stream->lossPending = true;
    }
  }
  if (section) {
    onPsiPacket(*section, section == &pat_ ? kPatTableId : kPmtTableId, payload, unitStart);
  } else {
    onPesPacket(*stream, payload, unitStart, randomAccess);
  }
}

// Only packets with payload advance the counter (2.4.3.3). One repetition of a
// packet is allowed and carries nothing new; the discontinuity_indicator allows
// any next value.
TsDemuxer::Continuity TsDemuxer::checkCounter(Counter& counter, uint8_t value, bool hasPayload, bool discontinuity) {
  if (discontinuity) {
    counter.last = hasPayload ? value : -1;
    counter.repeated = false;
    return Continuity::kInOrder;
  }
  if (!hasPayload) {
    return Continuity::kInOrder;
  }
  if (counter.last < 0) {
    counter.last = value;
    return Continuity::kInOrder;
  }
  if (value == counter.last && !counter.repeated) {
    counter.repeated = true;
    return Continuity::kDuplicate;
  }
  bool next = value == ((counter.last + 1) & 0x0f);
  counter.last = value;
  counter.repeated = false;
  return next ? Continuity::kInOrder : Continuity::kGap;
}

// A payload_unit_start packet begins with pointer_field: the bytes before it end
// the section in progress, new sections follow until stuffing.
void TsDemuxer::onPsiPacket(Section& section, uint8_t tableId, std::span<const uint8_t> payload, bool unitStart) {
  if (payload.empty()) {
    return;
  }
  if (!unitStart) {
    if (section.active) {
      appendSection(section, tableId, payload);
    }
    return;
  }
  size_t pointer = payload[0];
  payload = payload.subspan(1);
  if (pointer > payload.size()) {
    ++stats_.psiErrors;
    section.active = false;
    return;
  }
  if (section.active) {
    appendSection(section, tableId, payload.first(pointer));
    if (section.active) {
      ++stats_.psiErrors;  // the new section began before the old one's end
      section.active = false;
    }
  }
  payload = payload.subspan(pointer);
  while (!payload.empty() && payload[0] != kStuffingByte) {
    section.bytes.clear();
    section.active = true;
    payload = payload.subspan(appendSection(section, tableId, payload));
  }
}

// Adds the front of `data` to the section and returns how many bytes it took.
size_t TsDemuxer::appendSection(Section& section, uint8_t tableId, std::span<const uint8_t> data) {
  size_t used = 0;
  if (section.bytes.size() < kSectionHeaderSize) {
    used = std::min(kSectionHeaderSize - section.bytes.size(), data.size());
    section.bytes.insert(section.bytes.end(), data.begin(), data.begin() + static_cast<ptrdiff_t>(used));
    if (section.bytes.size() < kSectionHeaderSize) {
      return used;
    }
  }
  size_t length = loadU16(&section.bytes[1]) & 0x0fff;
  if (length > kMaxSectionLength) {
    ++stats_.psiErrors;
    section.active = false;
    return data.size();  // where the next section would start is unknown
  }
  size_t take = std::min(kSectionHeaderSize + length - section.bytes.size(), data.size() - used);
  section.bytes.insert(section.bytes.end(), data.begin() + static_cast<ptrdiff_t>(used),
                       data.begin() + static_cast<ptrdiff_t>(used + take));
  used += take;
  if (section.bytes.size() == kSectionHeaderSize + length) {
    section.active = false;
    onSection(tableId, section.bytes);
  }
  return used;
}

void TsDemuxer::onSection(uint8_t tableId, std::span<const uint8_t> section) {
  if (section[0] != tableId) {
    return;  // another table sharing the pid
  }
  bool syntax = section[1] & 0x80;
  if (!syntax || section.size() < kLongHeaderSize + kCrcSize || crc32(section) != 0) {
    ++stats_.psiErrors;
    return;
  }
  if ((section[5] & 0x01) == 0) {
    return;  // current_next_indicator 0: a table that applies later
  }
  auto body = section.subspan(kLongHeaderSize, section.size() - kLongHeaderSize - kCrcSize);
  if (tableId == kPatTableId) {
    onPat(body);
  } else if (loadU16(&section[3]) == programNumber_) {
    onPmt((section[5] >> 1) & 0x1f, body);
  }
}

// The first program's PMT pid; program 0 is the network information pid.
void TsDemuxer::onPat(std::span<const uint8_t> programs) {
  if (programs.size() % 4 != 0) {
    ++stats_.psiErrors;
    return;
  }
  for (; !programs.empty(); programs = programs.subspan(4)) {
    uint16_t number = loadU16(programs.data());
    uint16_t pid = loadU16(programs.data() + 2) & 0x1fff;
    if (number == 0) {
      continue;
    }
    if (pid == kPatPid || pid == kNullPid) {
      ++stats_.psiErrors;
      return;
    }
    if (pmtPid_ != pid || programNumber_ != number) {
      pmtPid_ = pid;
      programNumber_ = number;
      pmt_ = {};
      pmtVersion_.reset();
    }
    return;
  }
}

void TsDemuxer::onPmt(uint8_t version, std::span<const uint8_t> body) {
  // PCR_PID (2), program_info_length (2), program descriptors, then the stream loop.
  if (body.size() < 4 || (loadU16(&body[2]) & 0x0fff) > body.size() - 4) {
    ++stats_.psiErrors;
    return;
  }
  auto entries = body.subspan(4 + (loadU16(&body[2]) & 0x0fff));
  std::vector<ElementaryStream> streams;
  while (!entries.empty()) {
    if (entries.size() < 5 || (loadU16(&entries[3]) & 0x0fff) > entries.size() - 5) {
      ++stats_.psiErrors;
      return;
    }
    ElementaryStream stream;
    stream.streamType = entries[0];
    stream.pid = loadU16(&entries[1]) & 0x1fff;
    size_t infoLength = loadU16(&entries[3]) & 0x0fff;
    readDescriptors(entries.subspan(5, infoLength), stream);
    entries = entries.subspan(5 + infoLength);
    bool reserved = stream.pid == kPatPid || stream.pid == *pmtPid_ || stream.pid == kNullPid;
    bool repeated = std::any_of(streams.begin(), streams.end(), [&](auto& s) { return s.pid == stream.pid; });
    if (carriesPes(stream.streamType) && !reserved && !repeated && streams.size() < limits_.maxStreams) {
      streams.push_back(stream);
    }
  }
  if (pmtVersion_ != version || streams != program_) {
    setProgram(version, std::move(streams));
  }
}

// Streams that stay as they were keep their PES in progress; the others start over.
void TsDemuxer::setProgram(uint8_t version, std::vector<ElementaryStream> streams) {
  std::vector<Stream> next;
  next.reserve(streams.size());
  for (const auto& info : streams) {
    auto old = std::find_if(streams_.begin(), streams_.end(), [&](const Stream& s) { return s.info == info; });
    if (old != streams_.end()) {
      next.push_back(std::move(*old));
    } else {
      next.emplace_back().info = info;
    }
  }
  streams_ = std::move(next);
  program_ = std::move(streams);
  pmtVersion_ = version;
  listener_.onProgram(program_);
}

void TsDemuxer::onPesPacket(Stream& stream, std::span<const uint8_t> payload, bool unitStart, bool randomAccess) {
  if (payload.empty()) {
    return;
  }
  if (unitStart) {
    if (stream.active) {
      finishPes(stream);
    }
    stream.active = true;
    stream.bytes.clear();
    stream.expected = 0;
    stream.headerSeen = false;
    stream.randomAccess = randomAccess;
    stream.lost = stream.lossPending;
    stream.lossPending = false;
  }
  if (stream.active) {
    appendPes(stream, payload);
  }
}

void TsDemuxer::appendPes(Stream& stream, std::span<const uint8_t> data) {
  if (stream.expected > 0) {
    // A bounded PES ends where its length says; what follows in its last packet is
    // not part of it.
    data = data.first(std::min(data.size(), stream.expected - stream.bytes.size()));
  }
  size_t size = stream.bytes.size() + data.size();
  if (size > limits_.maxPesSize) {
    dropPes(stream);
    return;
  }
  if (stream.bytes.capacity() < size) {
    stream.bytes.reserve(std::min(std::max(size, 2 * stream.bytes.capacity()), limits_.maxPesSize));
  }
  stream.bytes.insert(stream.bytes.end(), data.begin(), data.end());
  if (!stream.headerSeen && stream.bytes.size() >= kPesStartSize && !checkPesStart(stream)) {
    return;
  }
  if (stream.expected > 0 && stream.bytes.size() == stream.expected) {
    emitPes(stream);
  }
}

// The start code and PES_packet_length, once the first six bytes are in.
bool TsDemuxer::checkPesStart(Stream& stream) {
  const uint8_t* p = stream.bytes.data();
  if (p[0] != 0 || p[1] != 0 || p[2] != 1) {
    dropPes(stream);
    return false;
  }
  uint16_t length = loadU16(p + 4);
  stream.expected = length == 0 ? 0 : kPesStartSize + length;
  if (stream.expected > limits_.maxPesSize) {
    dropPes(stream);
    return false;
  }
  stream.headerSeen = true;
  if (stream.expected > 0) {
    stream.bytes.reserve(stream.expected);
    stream.bytes.resize(std::min(stream.bytes.size(), stream.expected));
  }
  return true;
}

// The PES in progress ends without its length known to be complete: at the next
// payload_unit_start or the end of input.
void TsDemuxer::finishPes(Stream& stream) {
  if (stream.headerSeen && stream.expected == 0) {
    emitPes(stream);
  } else {
    dropPes(stream);  // too short for a header, or shorter than its PES_packet_length
  }
}

void TsDemuxer::emitPes(Stream& stream) {
  stream.active = false;
  std::span<const uint8_t> bytes(stream.bytes);
  uint8_t streamId = bytes[3];
  if (streamId == kPaddingStreamId) {
    return;
  }
  PesPacket pes;
  size_t headerSize = kPesStartSize;
  if (hasOptionalHeader(streamId)) {
    if (bytes.size() < kPesHeaderSize || (bytes[6] & 0xc0) != 0x80 || kPesHeaderSize + bytes[8] > bytes.size()) {
      dropPes(stream);
      return;
    }
    uint8_t timestamps = bytes[7] >> 6;
    uint8_t headerDataLength = bytes[8];
    headerSize = kPesHeaderSize + headerDataLength;
    if (timestamps >= 2 && headerDataLength >= 5) {
      pes.pts90k = readTimestamp(&bytes[9]);
    }
    if (timestamps == 3 && headerDataLength >= 10) {
      pes.dts90k = readTimestamp(&bytes[14]);
    }
  }
  if (!pes.dts90k) {
    pes.dts90k = pes.pts90k;
  }
  pes.pid = stream.info.pid;
  pes.streamType = stream.info.streamType;
  pes.opus = stream.info.opus;
  pes.randomAccess = stream.randomAccess;
  pes.dataLost = stream.lost;
  BytesBuilder payload(bytes.size() - headerSize);
  payload.append(bytes.subspan(headerSize));
  pes.payload = payload.freeze();
  listener_.onPes(std::move(pes));
}

// The next PES of the stream learns that one before it is missing.
void TsDemuxer::dropPes(Stream& stream) {
  ++stats_.brokenPes;
  stream.active = false;
  stream.lossPending = true;
}

}  // namespace rtsedge::mpegts
