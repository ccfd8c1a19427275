#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "protocols/webrtc/rtp/rtp_packet.h"
#include "relay/media_frame.h"

namespace rtsedge::webrtc::rtp {

inline constexpr size_t kDefaultReorderWindow = 16;
inline constexpr size_t kMaxReorderWindow = 1024;
inline constexpr size_t kDefaultMaxFrameSize = size_t{8} << 20;

struct H264DepacketizerOptions {
  // Packets held back to put out-of-order arrivals back in order (1..kMaxReorderWindow).
  // A packet is given up on when one this many sequence numbers newer arrives, or on flush().
  size_t reorderWindow = kDefaultReorderWindow;
  // An access unit larger than this (NAL units and their 4-byte prefixes) is dropped.
  size_t maxFrameSize = kDefaultMaxFrameSize;
};

struct H264DepacketizerStats {
  uint64_t packets = 0;               // pushed
  uint64_t packetsLate = 0;           // older than the reorder window, or already seen: dropped
  uint64_t packetsLost = 0;           // sequence numbers given up on
  uint64_t packetsMalformed = 0;      // payloads breaking RFC 6184 mode 1: their frame is dropped
  uint64_t packetsIgnored = 0;        // empty payloads (padding), reserved NAL types 0, 30, 31
  uint64_t framesOut = 0;
  uint64_t framesIncomplete = 0;      // dropped: a packet of theirs lost or malformed
  uint64_t framesTooLarge = 0;        // dropped: over maxFrameSize
  uint64_t framesSkipped = 0;         // dropped: complete, but waiting for a keyframe or configuration
  uint64_t parameterSetsRefused = 0;  // in-band SPS/PPS no configuration could be built from
  uint64_t sequenceResets = 0;        // the sender's sequence numbers jumped: started over
};

// WHIP ingest: RTP packets of one H.264 stream (RFC 6184 packetization-mode 1: single
// NAL unit, STAP-A, FU-A) -> access units as MediaFrame wants them: 4-byte
// length-prefixed NAL units, keyframe when it holds an IDR slice. SPS and PPS seen in
// band leave the payload and become the TrackConfig frames carry (the record built by
// codec::buildAvcDecoderConfigurationRecord); AUDs and filler data are dropped.
//
// Packets are put back in sequence order within the reorder window (the first packet
// pushed starts the sequence; one older than what was processed is late). A hole holds
// later packets back until the window is full or flush() is called. A frame is complete
// at its marker bit or when the timestamp changes. A frame missing a packet, or with a
// malformed one, is dropped; from then on (and from the start) frames are dropped until
// a complete keyframe with a known configuration: needsKeyframe() says when to send a
// PLI. Memory is bounded by the window and maxFrameSize.
class H264Depacketizer {
 public:
  explicit H264Depacketizer(H264DepacketizerOptions options = {});

  // Takes one packet (copied when it has to wait); returns the frames it completed.
  std::vector<DepacketizedFrame> push(const RtpPacketView& packet);
  // Gives up on every missing packet and processes all held ones: for a timer, when
  // what is missing is too late to wait for.
  std::vector<DepacketizedFrame> flush();

  bool needsKeyframe() const { return waitingKeyframe_; }
  // The configuration from the latest in-band SPS and PPS; null before any.
  TrackConfigPtr config() const { return config_; }
  const H264DepacketizerStats& stats() const { return stats_; }

 private:
  struct Held {
    bool used = false;
    int64_t sequence = 0;
    uint32_t timestamp = 0;
    bool marker = false;
    std::vector<uint8_t> payload;
  };

  // The access unit being assembled.
  struct Frame {
    bool active = false;
    uint32_t timestamp = 0;
    bool broken = false;
    bool tooLarge = false;
    bool keyframe = false;
    bool picture = false;
    std::vector<uint8_t> data;  // 4-byte length-prefixed units
    size_t parameterBytes = 0;
    std::vector<std::vector<uint8_t>> sps;
    std::vector<std::vector<uint8_t>> pps;
    bool fuActive = false;
    uint8_t fuType = 0;
    size_t fuStart = 0;  // where the unit being reassembled starts in data (its prefix)
  };

  // Sequence ordering.
  enum class SequenceFate { kAccept, kDrop, kRestart };
  int64_t extend(uint16_t sequence) const;
  SequenceFate classify(int64_t sequence, uint16_t wire);
  size_t slotOf(int64_t sequence) const;  // sequence >= 0: only those at or after next_ are held
  void advance(std::vector<DepacketizedFrame>& out);
  void makeRoom(int64_t sequence, std::vector<DepacketizedFrame>& out);
  void drain(std::vector<DepacketizedFrame>& out);
  void deliverHeld(Held& held, std::vector<DepacketizedFrame>& out);
  void lose(uint64_t count);

  // Assembly, in sequence order.
  void process(uint32_t timestamp, bool marker, std::span<const uint8_t> payload, std::vector<DepacketizedFrame>& out);
  void startFrame(uint32_t timestamp);
  void finishFrame(std::vector<DepacketizedFrame>& out);
  void malformed();
  void onSingle(std::span<const uint8_t> payload);
  void onStapA(std::span<const uint8_t> payload);
  void onFuA(std::span<const uint8_t> payload);
  void appendUnit(std::span<const uint8_t> unit);
  void endFragmentedUnit();
  bool reserve(size_t bytes);
  void noteType(uint8_t type);
  void updateConfig();

  H264DepacketizerOptions options_;
  H264DepacketizerStats stats_;

  std::vector<Held> window_;
  size_t heldCount_ = 0;
  std::optional<int64_t> next_;  // the extended sequence number to process next
  int64_t highest_ = 0;          // the highest extended sequence number seen
  std::optional<uint16_t> resyncCandidate_;

  Frame frame_;
  // Packets may be missing just before the next one processed: true at the start too,
  // as the stream may be joined in the middle of a frame.
  bool gapPending_ = true;
  bool waitingKeyframe_ = true;

  std::vector<std::vector<uint8_t>> sps_;
  std::vector<std::vector<uint8_t>> pps_;
  TrackConfigPtr config_;
  TrackConfigPtr lastConfigOut_;
};

}  // namespace rtsedge::webrtc::rtp
