#include "bench/rtsbench/report.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>

namespace rtsedge::bench {

namespace {

std::string percentileRow(std::string_view name, const Percentiles& p) {
  if (p.count == 0) {
    return fmt::format("  {:<16}{:>9}\n", name, "-");
  }
  return fmt::format("  {:<16}{:>9.2f}{:>9.2f}{:>9.2f}{:>9.2f}{:>10}\n", name, p.p50, p.p95, p.p99, p.max, p.count);
}

// Percentiles are null without samples: a 0 would read as a measurement.
nlohmann::json percentilesJson(const Percentiles& p) {
  auto value = [&p](double ms) { return p.count == 0 ? nlohmann::json(nullptr) : nlohmann::json(ms); };
  return {
      {"p50", value(p.p50)}, {"p95", value(p.p95)}, {"p99", value(p.p99)}, {"max", value(p.max)}, {"count", p.count}};
}

std::string optionalCell(const std::optional<double>& value, std::string_view absent = "") {
  return value ? fmt::format("{:.2f}", *value) : std::string(absent);
}

Status writeFile(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) {
    return Error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  }
  return Status::ok();
}

}  // namespace

void printSummary(std::ostream& out, const Summary& s) {
  std::string text = fmt::format("rtsbench play {} ({}){}\n", s.url, s.protocol, s.label.empty() ? "" : "  " + s.label);
  text += fmt::format("  players         requested {}  started {}  connected {}  receiving {}  failed {}\n",
                      s.requested, s.started, s.connected, s.receiving, s.failed);
  if (s.failed > 0) {
    text += "  failures       ";
    for (size_t kind = 0; kind < s.failures.size(); ++kind) {
      text += fmt::format(" {} {}", failureKindName(static_cast<FailureKind>(kind)), s.failures[kind]);
    }
    text += "\n";
  }
  text += fmt::format("  {:<16}{:>9}{:>9}{:>9}{:>9}{:>10}\n", "(ms)", "p50", "p95", "p99", "max", "samples");
  text += percentileRow("connect", s.connectMs);
  text += percentileRow("first frame", s.firstFrameMs);
  text += percentileRow("latency", s.latencyMs);
  text += fmt::format("  video frames    {} ({} stamped live, {} unstamped, {} stamped before their player started)\n",
                      s.videoFrames, s.stampedFrames, s.unstampedFrames,
                      s.videoFrames - s.stampedFrames - s.unstampedFrames);
  text += fmt::format("  stalls          {} ({:.3f} per player-minute), stall ratio {:.5f} over {:.1f} s watched\n",
                      s.stalls, s.stallsPerPlayerMinute, s.stallRatio, s.watchedSeconds);
  text += fmt::format("  throughput      {:.2f} Mbit/s total, {:.3f} Mbit/s per player, {:.1f} MB received\n",
                      s.mbitPerSecond, s.mbitPerSecondPerPlayer, static_cast<double>(s.bytes) / 1e6);
  text += fmt::format("  rtsbench        {:.2f} s CPU over {:.2f} s wall ({:.1f} % of one core)\n", s.cpuSeconds,
                      s.wallSeconds, s.wallSeconds > 0 ? 100 * s.cpuSeconds / s.wallSeconds : 0);
  for (const ErrorCount& error : s.errors) {
    text += fmt::format("  error           {} x {}: {}\n", error.players, failureKindName(error.kind), error.detail);
  }
  out << text;
}

std::string progressLine(const SecondRow& row, size_t players) {
  return fmt::format("{:6.1f} s  receiving {}/{}  {:.0f} frames/s  {:.2f} Mbit/s  latency p50 {} p99 {} ms",
                     row.seconds, row.receiving, players, row.framesPerSecond, row.mbitPerSecond,
                     optionalCell(row.latencyP50Ms, "-"), optionalCell(row.latencyP99Ms, "-"));
}

nlohmann::json summaryJson(const Summary& s) {
  nlohmann::json failures = nlohmann::json::object();
  for (size_t kind = 0; kind < s.failures.size(); ++kind) {
    failures[std::string(failureKindName(static_cast<FailureKind>(kind)))] = s.failures[kind];
  }
  nlohmann::json errors = nlohmann::json::array();
  for (const ErrorCount& error : s.errors) {
    errors.push_back({{"kind", failureKindName(error.kind)}, {"detail", error.detail}, {"players", error.players}});
  }
  return {
      {"label", s.label},
      {"url", s.url},
      {"protocol", s.protocol},
      {"seconds", s.seconds},
      {"ramp_per_second", s.rampPerSecond},
      {"start_buffer_ms", s.startBufferMs},
      {"players",
       {{"requested", s.requested},
        {"started", s.started},
        {"connected", s.connected},
        {"receiving", s.receiving},
        {"failed", s.failed},
        {"failures", failures}}},
      {"errors", errors},
      {"connect_ms", percentilesJson(s.connectMs)},
      {"first_frame_ms", percentilesJson(s.firstFrameMs)},
      {"latency_ms", percentilesJson(s.latencyMs)},
      {"video_frames", {{"total", s.videoFrames}, {"stamped", s.stampedFrames}, {"unstamped", s.unstampedFrames}}},
      {"stalls", s.stalls},
      {"stalls_per_player_minute", s.stallsPerPlayerMinute},
      {"stall_ratio", s.stallRatio},
      {"stalled_seconds", s.stalledSeconds},
      {"watched_seconds", s.watchedSeconds},
      {"bytes", s.bytes},
      {"throughput_mbps", s.mbitPerSecond},
      {"throughput_mbps_per_player", s.mbitPerSecondPerPlayer},
      {"tool_cpu_seconds", s.cpuSeconds},
      {"wall_seconds", s.wallSeconds},
  };
}

Status writeJson(const std::string& path, const Summary& summary) {
  return writeFile(path, summaryJson(summary).dump(2) + "\n");
}

Status writeCsv(const std::string& path, std::span<const SecondRow> rows) {
  std::string text = "time_s,players_receiving,frames_per_s,mbit_per_s,latency_p50_ms,latency_p99_ms\n";
  for (const SecondRow& row : rows) {
    text += fmt::format("{:.1f},{},{:.1f},{:.3f},{},{}\n", row.seconds, row.receiving, row.framesPerSecond,
                        row.mbitPerSecond, optionalCell(row.latencyP50Ms), optionalCell(row.latencyP99Ms));
  }
  return writeFile(path, text);
}

}  // namespace rtsedge::bench
