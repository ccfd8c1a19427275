#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "protocols/mpegts/ts_types.h"

namespace rtsedge::mpegts {

struct TsDemuxStats {
  uint64_t packets = 0;           // 188-byte packets read, dropped ones included
  uint64_t continuityErrors = 0;  // continuity_counter gaps on the PAT, PMT and elementary stream pids
  uint64_t brokenPes = 0;         // PES dropped: bad start code or header, over maxPesSize, length mismatch, gap
  uint64_t syncLosses = 0;        // times bytes had to be skipped to find the sync byte again
  uint64_t skippedBytes = 0;      // the bytes skipped then
  uint64_t psiErrors = 0;         // PAT/PMT sections with a bad CRC, length or layout
  uint64_t transportErrors = 0;   // packets dropped for their transport_error_indicator
  uint64_t malformedPackets = 0;  // packets dropped for an adaptation field overrunning them or a reserved layout

  bool operator==(const TsDemuxStats& other) const = default;
};

// Transport stream bytes -> the first program's elementary stream list and PES
// packets (ISO/IEC 13818-1). Knows no codec and no socket; input may be split at
// any byte. Never throws; memory stays within the limits (one PES buffer of at most
// maxPesSize per stream, two packets of pending input). Not reentrant: the
// listener must not feed or flush the demuxer that calls it.
class TsDemuxer {
 public:
  class Listener {
   public:
    // On the first PMT, and again whenever its version or content changes.
    virtual void onProgram(const std::vector<ElementaryStream>& streams) = 0;
    virtual void onPes(PesPacket&& pes) = 0;

   protected:
    ~Listener() = default;
  };

  struct Limits {
    size_t maxPesSize = 4 << 20;  // a whole PES packet, header included
    size_t maxStreams = 8;        // PMT entries beyond are ignored
  };

  TsDemuxer(Listener& listener, Limits limits) : listener_(listener), limits_(limits) {}

  void feed(std::span<const uint8_t> data);
  // End of input: hands over the PES that were waiting for the next
  // payload_unit_start to know they were complete; drops a partial packet.
  void flush();
  const TsDemuxStats& stats() const { return stats_; }

 private:
  enum class Continuity { kInOrder, kDuplicate, kGap };

  struct Counter {
    int last = -1;  // the last payload packet's continuity_counter; -1 before one
    bool repeated = false;
  };

  // A PSI section being reassembled from a PAT or PMT pid's packets.
  struct Section {
    Counter counter;
    std::vector<uint8_t> bytes;
    bool active = false;
  };

  // One elementary stream of the program and the PES packet it is reassembling.
  struct Stream {
    ElementaryStream info;
    Counter counter;
    std::vector<uint8_t> bytes;  // the PES packet so far, header included
    size_t expected = 0;         // its whole size from PES_packet_length, 0 when unbounded
    bool headerSeen = false;     // the first six bytes are in and were valid
    bool active = false;
    bool randomAccess = false;
    bool lost = false;         // dataLost of the PES in progress
    bool lossPending = false;  // data lost since it began: marks the next one
  };

  size_t scan(std::span<const uint8_t> input, bool atEnd);
  void consumeBuffer(bool atEnd);
  void onPacket(const uint8_t* packet);
  static Continuity checkCounter(Counter& counter, uint8_t value, bool hasPayload, bool discontinuity);

  void onPsiPacket(Section& section, uint8_t tableId, std::span<const uint8_t> payload, bool unitStart);
  size_t appendSection(Section& section, uint8_t tableId, std::span<const uint8_t> data);
  void onSection(uint8_t tableId, std::span<const uint8_t> section);
  void onPat(std::span<const uint8_t> programs);
  void onPmt(uint8_t version, std::span<const uint8_t> body);
  void setProgram(uint8_t version, std::vector<ElementaryStream> streams);

  void onPesPacket(Stream& stream, std::span<const uint8_t> payload, bool unitStart, bool randomAccess);
  void appendPes(Stream& stream, std::span<const uint8_t> data);
  bool checkPesStart(Stream& stream);
  void finishPes(Stream& stream);
  void emitPes(Stream& stream);
  void dropPes(Stream& stream);

  Listener& listener_;
  Limits limits_;
  TsDemuxStats stats_;

  // Input not yet read as packets: a packet cut by the caller's read, or a resync
  // candidate waiting for the byte that confirms it.
  std::array<uint8_t, 2 * kPacketSize> buffer_{};
  size_t buffered_ = 0;
  bool synced_ = false;    // the last packet was read: the next one starts right here
  bool skipping_ = false;  // skipping bytes since the last sync loss

  Section pat_;
  std::optional<uint16_t> pmtPid_;
  uint16_t programNumber_ = 0;
  Section pmt_;
  std::optional<uint8_t> pmtVersion_;
  std::vector<ElementaryStream> program_;
  std::vector<Stream> streams_;
};

}  // namespace rtsedge::mpegts
