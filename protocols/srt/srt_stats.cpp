#include "protocols/srt/srt_stats.h"

#include <algorithm>

namespace rtsedge::srt {

namespace {
const std::vector<double> kRttBuckets{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6};

void addGrowth(metrics::Counter& counter, uint64_t before, uint64_t now) {
  if (now > before) {
    counter.inc(static_cast<double>(now - before));
  }
}
}  // namespace

std::optional<SrtTransportStats> readTransportStats(SRTSOCKET socket) {
  SRT_TRACEBSTATS raw{};
  if (srt_bstats(socket, &raw, 0) == SRT_ERROR) {
    return std::nullopt;
  }
  return SrtTransportStats{.rttMs = raw.msRTT,
                           .bandwidthMbps = raw.mbpsBandwidth,
                           .packetsSent = raw.pktSentTotal,
                           .packetsReceived = raw.pktRecvTotal,
                           .packetsLostSent = raw.pktSndLossTotal,
                           .packetsLostReceived = raw.pktRcvLossTotal,
                           .packetsRetransmitted = raw.pktRetransTotal,
                           .packetsDroppedSent = raw.pktSndDropTotal,
                           .packetsDroppedReceived = raw.pktRcvDropTotal,
                           .receiveBufferMs = raw.msRcvBuf,
                           .sendBufferMs = raw.msSndBuf};
}

std::vector<std::pair<std::string, double>> describe(const SrtTransportStats& stats) {
  return {{"rtt_ms", stats.rttMs},
          {"bandwidth_mbps", stats.bandwidthMbps},
          {"packets_sent", static_cast<double>(stats.packetsSent)},
          {"packets_received", static_cast<double>(stats.packetsReceived)},
          {"packets_lost_sent", static_cast<double>(stats.packetsLostSent)},
          {"packets_lost_received", static_cast<double>(stats.packetsLostReceived)},
          {"packets_retransmitted", static_cast<double>(stats.packetsRetransmitted)},
          {"packets_dropped_sent", static_cast<double>(stats.packetsDroppedSent)},
          {"packets_dropped_received", static_cast<double>(stats.packetsDroppedReceived)},
          {"receive_buffer_ms", static_cast<double>(stats.receiveBufferMs)},
          {"send_buffer_ms", static_cast<double>(stats.sendBufferMs)}};
}

SrtMetrics::SrtMetrics(metrics::Registry& registry)
    : rejected(registry.counter("rtsedge_srt_rejected_total", "SRT connections refused at handshake.", {}).labels({})),
      lostReceived_(registry
                        .counter("rtsedge_srt_packets_lost_total",
                                 "SRT packets lost on the link, by direction (before retransmission).", {"direction"})
                        .labels({"received"})),
      lostSent_(registry.counter("rtsedge_srt_packets_lost_total", "", {"direction"}).labels({"sent"})),
      retransmitted_(
          registry.counter("rtsedge_srt_packets_retransmitted_total", "SRT packets this node sent again.", {})
              .labels({})),
      droppedReceived_(registry
                           .counter("rtsedge_srt_packets_dropped_total",
                                    "SRT packets given up as too late, by direction: media that never arrived.",
                                    {"direction"})
                           .labels({"received"})),
      droppedSent_(registry.counter("rtsedge_srt_packets_dropped_total", "", {"direction"}).labels({"sent"})),
      rtt_(registry
               .histogram("rtsedge_srt_rtt_seconds", "SRT round-trip time, sampled once a second per connection.", {},
                          kRttBuckets)
               .labels({})),
      tsErrors_(registry.counter("rtsedge_ts_ingest_errors_total",
                                 "What MPEG-TS publishers' streams lost or broke, by kind (continuity, broken_pes, "
                                 "resync, psi, dropped_frames).",
                                 {"kind"})) {}

void SrtMetrics::record(const SrtTransportStats& before, const SrtTransportStats& now) {
  auto add = [](metrics::Counter& counter, int64_t from, int64_t to) {
    addGrowth(counter, static_cast<uint64_t>(std::max<int64_t>(from, 0)),
              static_cast<uint64_t>(std::max<int64_t>(to, 0)));
  };
  add(lostReceived_, before.packetsLostReceived, now.packetsLostReceived);
  add(lostSent_, before.packetsLostSent, now.packetsLostSent);
  add(retransmitted_, before.packetsRetransmitted, now.packetsRetransmitted);
  add(droppedReceived_, before.packetsDroppedReceived, now.packetsDroppedReceived);
  add(droppedSent_, before.packetsDroppedSent, now.packetsDroppedSent);
  rtt_.observe(now.rttMs / 1000.0);
}

void SrtMetrics::recordIngest(const mpegts::TsDemuxStats& before, const mpegts::TsDemuxStats& now,
                              const mpegts::TsIngestStats& ingestBefore, const mpegts::TsIngestStats& ingestNow) {
  addGrowth(tsErrors_.labels({"continuity"}), before.continuityErrors, now.continuityErrors);
  addGrowth(tsErrors_.labels({"broken_pes"}), before.brokenPes, now.brokenPes);
  addGrowth(tsErrors_.labels({"resync"}), before.syncLosses, now.syncLosses);
  addGrowth(tsErrors_.labels({"psi"}), before.psiErrors, now.psiErrors);
  addGrowth(tsErrors_.labels({"dropped_frames"}), ingestBefore.framesDropped, ingestNow.framesDropped);
}

}  // namespace rtsedge::srt
