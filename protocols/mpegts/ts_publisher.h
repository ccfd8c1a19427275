#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "metrics/registry.h"
#include "protocols/mpegts/ts_demuxer.h"
#include "relay/clock.h"
#include "relay/status.h"
#include "relay/stream.h"
#include "relay/stream_source.h"

namespace rtsedge::mpegts {

// What a TS publisher lost or could not use, besides the demuxer's own counts.
struct TsIngestStats {
  uint64_t framesPublished = 0;
  uint64_t framesDropped = 0;  // before a configuration, after a loss until the next keyframe, malformed
  uint64_t adtsSkippedBytes = 0;
};

// The publishing side of an MPEG-TS source (SRT publish, SRT pull): PES packets of
// the first program's first video (H.264/H.265) and first audio (AAC, Opus) stream
// become configurations and frames of one Stream. Annex-B turns into length-prefixed
// NAL units with the parameter sets moved into the configuration; ADTS headers into
// an AudioSpecificConfig. Losses are never fatal: video resumes
// at the next keyframe, audio at the next frame.
class TsPublisher final : public StreamSource, private TsDemuxer::Listener {
 public:
  // Attach with attachTo().
  TsPublisher(const Clock& clock, metrics::Counter& framesReceived, StreamSource::Listener& listener);

  void feed(std::span<const uint8_t> data);
  // The source is gone: publishes what was waiting for a next packet to be complete
  // (a video PES without a length ends only where the next one starts).
  void finish() { demuxer_.flush(); }

  const TsDemuxStats& demuxStats() const { return demuxer_.stats(); }
  const TsIngestStats& stats() const { return stats_; }
  bool hasProgram() const { return videoPid_ || audioPid_; }

 private:
  void onProgram(const std::vector<ElementaryStream>& streams) override;
  void onPes(PesPacket&& pes) override;

  void onVideo(const PesPacket& pes, int64_t dtsUs, int64_t ptsUs);
  // Parameter sets seen in an access unit: a new configuration when they changed.
  void updateVideoConfig(Codec codec, const std::vector<std::span<const uint8_t>>& vps,
                         const std::vector<std::span<const uint8_t>>& sps,
                         const std::vector<std::span<const uint8_t>>& pps);
  void onAac(const PesPacket& pes, int64_t ptsUs);
  void onOpus(const PesPacket& pes, int64_t ptsUs);
  void publishAudio(Bytes payload, int64_t ptsUs);
  void publish(std::shared_ptr<MediaFrame> frame);
  // 33-bit 90 kHz -> microseconds on a timeline that continues across wraps; one
  // reference for both tracks keeps them aligned.
  int64_t unwrap(int64_t ticks90k);

  const Clock& clock_;
  metrics::Counter& framesReceived_;
  TsDemuxer demuxer_;
  TsIngestStats stats_;

  std::optional<ElementaryStream> videoPid_;
  std::optional<ElementaryStream> audioPid_;
  TrackConfigPtr videoConfig_;
  TrackConfigPtr audioConfig_;
  std::vector<uint8_t> parameterSets_;  // the VPS/SPS/PPS bytes videoConfig_ was built from
  bool awaitingKeyframe_ = true;
  std::optional<int64_t> lastTicks_;
};

}  // namespace rtsedge::mpegts
