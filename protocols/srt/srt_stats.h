#pragma once

#include <srt/srt.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "metrics/registry.h"
#include "protocols/mpegts/ts_publisher.h"

namespace rtsedge::srt {

// One connection's SRT counters (totals since it connected) and its current state.
struct SrtTransportStats {
  double rttMs = 0;
  double bandwidthMbps = 0;  // SRT's estimate of the link
  int64_t packetsSent = 0;
  int64_t packetsReceived = 0;
  int64_t packetsLostSent = 0;      // reported lost by the peer
  int64_t packetsLostReceived = 0;  // found missing here
  int64_t packetsRetransmitted = 0;
  int64_t packetsDroppedSent = 0;      // too late to send
  int64_t packetsDroppedReceived = 0;  // too late to play: what the viewer or relay never got
  int receiveBufferMs = 0;
  int sendBufferMs = 0;
};

std::optional<SrtTransportStats> readTransportStats(SRTSOCKET socket);
// As the API lists them under a client's "transport".
std::vector<std::pair<std::string, double>> describe(const SrtTransportStats& stats);

// The process-wide SRT series: link losses, retransmissions, drops and RTT.
class SrtMetrics {
 public:
  explicit SrtMetrics(metrics::Registry& registry);
  // Adds what changed since `before` (a connection's previous reading).
  void record(const SrtTransportStats& before, const SrtTransportStats& now);
  // The same for what a TS publisher's stream lost or could not use.
  void recordIngest(const mpegts::TsDemuxStats& before, const mpegts::TsDemuxStats& now,
                    const mpegts::TsIngestStats& ingestBefore, const mpegts::TsIngestStats& ingestNow);

  metrics::Counter& rejected;  // connections refused at handshake

 private:
  metrics::Counter& lostReceived_;
  metrics::Counter& lostSent_;
  metrics::Counter& retransmitted_;
  metrics::Counter& droppedReceived_;
  metrics::Counter& droppedSent_;
  metrics::Histogram& rtt_;
  metrics::CounterFamily& tsErrors_;  // {kind}
};

}  // namespace rtsedge::srt
