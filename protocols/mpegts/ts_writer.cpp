#include "protocols/mpegts/ts_writer.h"

#include <algorithm>
#include <array>
#include <cassert>

#include "protocols/mpegts/crc32.h"

namespace rtsedge::mpegts {

namespace {
constexpr size_t kHeaderSize = 4;
constexpr size_t kMaxPayload = kPacketSize - kHeaderSize;
constexpr uint8_t kStuffingByte = 0xff;
constexpr uint16_t kProgramNumber = 1;
constexpr size_t kMaxPmtStreams = 8;

constexpr size_t kPesHeaderSize = 9;
constexpr size_t kTimestampSize = 5;
constexpr size_t kPcrSize = 6;
constexpr uint64_t kTimestampMask = (uint64_t{1} << 33) - 1;

constexpr uint8_t kRandomAccessFlag = 0x40;
constexpr uint8_t kPcrFlag = 0x10;

void appendPacketHeader(BytesBuilder& out, uint16_t pid, bool unitStart, bool adaptation, uint8_t& continuity) {
  out.appendByte(kSyncByte);
  out.appendU16(static_cast<uint16_t>((unitStart ? 0x4000 : 0) | (pid & 0x1fff)));
  out.appendByte(static_cast<uint8_t>((adaptation ? 0x30 : 0x10) | continuity));
  continuity = (continuity + 1) & 0x0f;
}

// `section` holds everything up to the CRC, with section_length already counting it.
void appendSectionPacket(BytesBuilder& out, uint16_t pid, BytesBuilder& section, uint8_t& continuity) {
  section.appendU32(crc32(std::span(section.mutableData(), section.size())));
  Bytes bytes = section.freeze();
  assert(1 + bytes.size() <= kMaxPayload);
  appendPacketHeader(out, pid, true, false, continuity);
  out.appendByte(0);  // pointer_field: the section starts right after it
  out.append(bytes);
  for (size_t i = kHeaderSize + 1 + bytes.size(); i < kPacketSize; ++i) {
    out.appendByte(kStuffingByte);
  }
}

// table_id, section_length (CRC included), the table id extension, the version and
// the section numbers: every table here is one section.
void appendSectionHeader(BytesBuilder& section, uint8_t tableId, uint8_t version, size_t bodySize) {
  constexpr size_t kAfterLength = 5 + 4;  // extension, version, section numbers; CRC
  section.appendByte(tableId);
  section.appendU16(static_cast<uint16_t>(0xb000 | (kAfterLength + bodySize)));  // syntax 1, '0', reserved '11'
  section.appendU16(kProgramNumber);  // transport_stream_id in the PAT, program_number in the PMT
  section.appendByte(static_cast<uint8_t>(0xc1 | (version & 0x1f) << 1));  // reserved '11', current_next 1
  section.appendU16(0);                                                    // section_number, last_section_number
}

// The 33 bits with their four-bit prefix and three marker bits (2.4.3.7).
void putTimestamp(uint8_t* p, uint8_t prefix, int64_t value) {
  uint64_t v = static_cast<uint64_t>(value) & kTimestampMask;
  p[0] = static_cast<uint8_t>(prefix << 4 | ((v >> 30) & 0x07) << 1 | 1);
  p[1] = static_cast<uint8_t>(v >> 22);
  p[2] = static_cast<uint8_t>(((v >> 15) & 0x7f) << 1 | 1);
  p[3] = static_cast<uint8_t>(v >> 7);
  p[4] = static_cast<uint8_t>((v & 0x7f) << 1 | 1);
}

// program_clock_reference: 33-bit base in 90 kHz, six reserved bits, 9-bit extension.
void appendPcr(BytesBuilder& out, int64_t pcr27m) {
  assert(pcr27m >= 0);
  uint64_t base = static_cast<uint64_t>(pcr27m / 300) & kTimestampMask;
  uint32_t extension = static_cast<uint32_t>(pcr27m % 300);
  out.appendU32(static_cast<uint32_t>(base >> 1));
  out.appendByte(static_cast<uint8_t>((base & 1) << 7 | 0x7e | extension >> 8));
  out.appendByte(static_cast<uint8_t>(extension));
}

size_t pesHeaderSize(const PesTiming& timing) {
  return kPesHeaderSize + (timing.dts90k == timing.pts90k ? 1 : 2) * kTimestampSize;
}

// Adaptation field bytes the first packet needs besides stuffing: length, flags, PCR.
size_t firstFieldSize(const PesTiming& timing) {
  if (!timing.pcr27m && !timing.randomAccess) {
    return 0;
  }
  return 2 + (timing.pcr27m ? kPcrSize : 0);
}
}  // namespace

void writePat(BytesBuilder& out, uint16_t pmtPid, uint8_t& continuity) {
  BytesBuilder section;
  appendSectionHeader(section, kPatTableId, 0, 4);
  section.appendU16(kProgramNumber);
  section.appendU16(static_cast<uint16_t>(0xe000 | pmtPid));
  appendSectionPacket(out, kPatPid, section, continuity);
}

void writePmt(BytesBuilder& out, uint16_t pmtPid, uint16_t pcrPid, uint8_t version,
              std::span<const ElementaryStream> streams, uint8_t& continuity) {
  streams = streams.first(std::min(streams.size(), kMaxPmtStreams));  // so the section fits one packet
  auto channelsSignalled = [](const ElementaryStream& s) { return s.opusChannels >= 1 && s.opusChannels <= 8; };
  size_t bodySize = 4;
  for (const auto& stream : streams) {
    bodySize += 5 + (stream.opus ? 6 : 0) + (stream.opus && channelsSignalled(stream) ? 4 : 0);
  }
  BytesBuilder section;
  appendSectionHeader(section, kPmtTableId, version, bodySize);
  section.appendU16(static_cast<uint16_t>(0xe000 | pcrPid));
  section.appendU16(0xf000);  // program_info_length 0
  for (const auto& stream : streams) {
    bool channels = stream.opus && channelsSignalled(stream);
    section.appendByte(stream.streamType);
    section.appendU16(static_cast<uint16_t>(0xe000 | stream.pid));
    section.appendU16(static_cast<uint16_t>(0xf000 | ((stream.opus ? 6 : 0) + (channels ? 4 : 0))));
    if (stream.opus) {
      section.appendByte(kRegistrationDescriptorTag);
      section.appendByte(4);
      section.appendU32(kOpusFormatIdentifier);
    }
    if (channels) {
      section.appendByte(kExtensionDescriptorTag);
      section.appendByte(2);
      section.appendByte(kOpusExtensionTag);
      section.appendByte(stream.opusChannels);
    }
  }
  appendSectionPacket(out, pmtPid, section, continuity);
}

void writePes(BytesBuilder& out, uint16_t pid, uint8_t streamId, const PesTiming& timing,
              std::span<const uint8_t> payload, uint8_t& continuity) {
  std::array<uint8_t, kPesHeaderSize + 2 * kTimestampSize> header{0, 0, 1, streamId};
  size_t headerSize = pesHeaderSize(timing);
  bool withDts = headerSize > kPesHeaderSize + kTimestampSize;
  size_t length = headerSize - 6 + payload.size();  // PES_packet_length counts what follows it
  if (length > 0xffff) {
    length = 0;
  }
  header[4] = static_cast<uint8_t>(length >> 8);
  header[5] = static_cast<uint8_t>(length);
  header[6] = 0x80;  // marker '10', not scrambled, no priority, alignment, copyright or original flags
  header[7] = withDts ? 0xc0 : 0x80;
  header[8] = static_cast<uint8_t>(headerSize - kPesHeaderSize);
  putTimestamp(&header[9], withDts ? 0x3 : 0x2, timing.pts90k);
  if (withDts) {
    putTimestamp(&header[14], 0x1, timing.dts90k);
  }

  std::span<const uint8_t> headerLeft = std::span(header).first(headerSize);
  auto take = [&](size_t count) {
    size_t fromHeader = std::min(count, headerLeft.size());
    out.append(headerLeft.first(fromHeader));
    headerLeft = headerLeft.subspan(fromHeader);
    out.append(payload.first(count - fromHeader));
    payload = payload.subspan(count - fromHeader);
  };
  bool first = true;
  for (size_t left = headerSize + payload.size(); left > 0; first = false) {
    size_t fixed = first ? firstFieldSize(timing) : 0;
    size_t count = std::min(left, kMaxPayload - fixed);
    size_t field = kMaxPayload - count;  // the adaptation field, length byte included
    appendPacketHeader(out, pid, first, field > 0, continuity);
    if (field > 0) {
      out.appendByte(static_cast<uint8_t>(field - 1));
    }
    if (field > 1) {
      bool pcr = first && timing.pcr27m;
      out.appendByte(
          static_cast<uint8_t>((first && timing.randomAccess ? kRandomAccessFlag : 0) | (pcr ? kPcrFlag : 0)));
      if (pcr) {
        appendPcr(out, *timing.pcr27m);
      }
      for (size_t i = 2 + (pcr ? kPcrSize : 0); i < field; ++i) {
        out.appendByte(kStuffingByte);
      }
    }
    take(count);
    left -= count;
  }
}

size_t pesSize(const PesTiming& timing, size_t payloadSize) {
  size_t total = pesHeaderSize(timing) + payloadSize;
  size_t inFirst = kMaxPayload - firstFieldSize(timing);
  size_t packets = total <= inFirst ? 1 : 1 + (total - inFirst + kMaxPayload - 1) / kMaxPayload;
  return packets * kPacketSize;
}

}  // namespace rtsedge::mpegts
