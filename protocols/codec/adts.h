#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "relay/bytes.h"
#include "relay/status.h"

namespace rtsedge::codec {

// ADTS (ISO/IEC 14496-3 1.A.2): how MPEG-TS carries AAC, each raw frame behind its own
// header, against FLV and MP4, which carry an AudioSpecificConfig once and raw frames.

constexpr size_t kAdtsHeaderSize = 7;       // without CRC
constexpr size_t kMaxAdtsFrameSize = 8191;  // aac_frame_length is 13 bits

struct AdtsFrame {
  uint8_t objectType = 0;  // profile + 1: 1 Main, 2 LC, 3 SSR, 4 LTP
  uint8_t sampleRateIndex = 0;
  uint32_t sampleRate = 0;
  uint8_t channelConfiguration = 0;  // 0: a program config element in the payload decides
  size_t headerSize = 0;             // 7; with CRC 9, and 2 more per extra raw data block
  size_t frameSize = 0;              // aac_frame_length: header included
  uint8_t rawBlocks = 1;             // number_of_raw_data_blocks_in_frame + 1
};
// The header at the start of data. Fails on fewer than 7 bytes, a syncword other than
// 0xFFF, a layer other than 0, a reserved sampling frequency index, or a frame length
// shorter than the header.
Result<AdtsFrame> parseAdtsHeader(std::span<const uint8_t> data);

// The two-byte AudioSpecificConfig an FLV or MP4 track needs for the frame's stream.
Bytes audioSpecificConfigFromAdts(const AdtsFrame& frame);

// The header for one raw frame of the stream an AudioSpecificConfig describes. ADTS
// carries only the core of explicitly signalled HE-AAC (v2): the header names AAC-LC at
// the core rate, and the decoder finds SBR and PS in the payload. Fails on a core object
// type over 4 (the profile field has 2 bits), a rate without a sampling frequency index,
// channel configuration 0 (its program config element lives in the AudioSpecificConfig,
// which ADTS has no room for) or over 7, and a frame over 8191 bytes with its header.
Result<std::array<uint8_t, kAdtsHeaderSize>> adtsHeaderFor(std::span<const uint8_t> audioSpecificConfig,
                                                           size_t rawFrameSize);

// The frames of a run of ADTS frames (a PES payload), each with its payload after the
// header; payloads point into data. Bytes that are not part of a frame are skipped and
// counted: garbage before a syncword, and a truncated last frame.
struct AdtsSplit {
  std::vector<std::pair<AdtsFrame, std::span<const uint8_t>>> frames;
  size_t skippedBytes = 0;
};
AdtsSplit splitAdts(std::span<const uint8_t> data);

}  // namespace rtsedge::codec
