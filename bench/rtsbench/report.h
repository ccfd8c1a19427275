#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <span>
#include <string>

#include "bench/rtsbench/run_stats.h"
#include "bench/rtsbench/summary.h"
#include "relay/status.h"

namespace rtsedge::bench {

// The summary as a table for people.
void printSummary(std::ostream& out, const Summary& summary);
// One line of progress, for the terminal while the run goes on.
std::string progressLine(const SecondRow& row, size_t players);

nlohmann::json summaryJson(const Summary& summary);
Status writeJson(const std::string& path, const Summary& summary);
// time_s, players_receiving, frames_per_s, mbit_per_s, latency_p50_ms, latency_p99_ms;
// latency cells are empty in seconds without a stamped frame.
Status writeCsv(const std::string& path, std::span<const SecondRow> rows);

}  // namespace rtsedge::bench
