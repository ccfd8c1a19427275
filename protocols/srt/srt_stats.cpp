#include "protocols/srt/srt_stats.h"

namespace rtsedge::srt {

namespace {
const std::vector<double> kRttBuckets{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6};
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
               .labels({})) {}

void SrtMetrics::record(const SrtTransportStats& before, const SrtTransportStats& now) {
  auto add = [](metrics::Counter& counter, int64_t from, int64_t to) {
    if (to > from) {
      counter.inc(static_cast<double>(to - from));
    }
  };
  add(lostReceived_, before.packetsLostReceived, now.packetsLostReceived);
  add(lostSent_, before.packetsLostSent, now.packetsLostSent);
  add(retransmitted_, before.packetsRetransmitted, now.packetsRetransmitted);
  add(droppedReceived_, before.packetsDroppedReceived, now.packetsDroppedReceived);
  add(droppedSent_, before.packetsDroppedSent, now.packetsDroppedSent);
  rtt_.observe(now.rttMs / 1000.0);
}

}  // namespace rtsedge::srt
