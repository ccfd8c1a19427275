#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "protocols/mpegts/ts_types.h"
#include "relay/bytes.h"

namespace rtsedge::mpegts {

// Packetizing for the muxer: each call appends whole 188-byte packets to `out` and
// advances `continuity`, the pid's continuity_counter, once per packet (mod 16).

// The PAT of program 1 in one packet.
void writePat(BytesBuilder& out, uint16_t pmtPid, uint8_t& continuity);

// The PMT of program 1 in one packet. `version` (5 bits) must change whenever the
// streams do, or receivers keep the old list. Opus streams get the registration
// descriptor 'Opus' and, when opusChannels is 1..8, the DVB extension descriptor with
// that channel_config_code. At most 8 streams: then it always fits one packet.
void writePmt(BytesBuilder& out, uint16_t pmtPid, uint16_t pcrPid, uint8_t version,
              std::span<const ElementaryStream> streams, uint8_t& continuity);

struct PesTiming {
  int64_t pts90k = 0;
  int64_t dts90k = 0;
  std::optional<int64_t> pcr27m = {};  // written on the first packet when set; not negative
  bool randomAccess = false;           // random_access_indicator on the first packet
};

// One PES packet: the header with PTS, and DTS when it differs, then `payload`.
// streamId is 0xe0 for video, 0xc0 for audio, 0xbd for private data (Opus).
// PES_packet_length is 0 when the packet would not fit its 16 bits, which the
// standard allows for video only (no audio frame comes near). The last packet is
// padded with adaptation field stuffing.
void writePes(BytesBuilder& out, uint16_t pid, uint8_t streamId, const PesTiming& timing,
              std::span<const uint8_t> payload, uint8_t& continuity);

// The exact number of bytes writePes() appends, to size a builder once.
size_t pesSize(const PesTiming& timing, size_t payloadSize);

}  // namespace rtsedge::mpegts
