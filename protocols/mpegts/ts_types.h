#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "relay/bytes.h"

namespace rtsedge::mpegts {

// ISO/IEC 13818-1 transport stream constants.
inline constexpr size_t kPacketSize = 188;
inline constexpr uint8_t kSyncByte = 0x47;
inline constexpr uint16_t kPatPid = 0x0000;
inline constexpr uint16_t kNullPid = 0x1fff;
inline constexpr uint8_t kPatTableId = 0x00;
inline constexpr uint8_t kPmtTableId = 0x02;

// How Opus is signalled in the PMT, as ffmpeg reads and writes it: a registration
// descriptor 'Opus', and a DVB extension descriptor whose Opus audio descriptor
// carries channel_config_code.
inline constexpr uint8_t kRegistrationDescriptorTag = 0x05;
inline constexpr uint32_t kOpusFormatIdentifier = 0x4f707573;  // 'Opus'
inline constexpr uint8_t kExtensionDescriptorTag = 0x7f;
inline constexpr uint8_t kOpusExtensionTag = 0x80;

// The stream_type values of the PMT that this relay carries.
enum StreamType : uint8_t {
  kMpeg1Audio = 0x03,
  kMpeg2Audio = 0x04,
  kAdtsAac = 0x0f,
  kPrivateData = 0x06,  // PES private data: Opus, told apart by its registration descriptor
  kH264 = 0x1b,
  kH265 = 0x24,
};

// One elementary stream of the program, as its PMT entry describes it.
struct ElementaryStream {
  uint16_t pid = 0;
  uint8_t streamType = 0;
  bool opus = false;  // registration descriptor with format_identifier 'Opus'
  // From the extension descriptor's channel_config_code when it is 0..8 (0, dual mono,
  // reads as 2); 0 when not signalled.
  uint8_t opusChannels = 0;

  bool operator==(const ElementaryStream& other) const = default;
};

// One reassembled PES packet of an elementary stream.
struct PesPacket {
  uint16_t pid = 0;
  uint8_t streamType = 0;
  bool opus = false;
  std::optional<int64_t> pts90k;  // 33 bits, as on the wire: wrap-around is the caller's to handle
  std::optional<int64_t> dts90k;  // equals pts90k when the header carries no DTS
  Bytes payload;                  // the elementary stream bytes, without the PES header
  bool randomAccess = false;      // random_access_indicator on the packet that started this PES
  bool dataLost = false;          // packets or a PES of this stream were lost inside or right before it
};

}  // namespace rtsedge::mpegts
