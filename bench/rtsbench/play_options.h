#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "bench/rtsbench/play_url.h"
#include "relay/clock.h"
#include "relay/status.h"

namespace rtsedge::bench {

struct PlayOptions {
  PlayUrl url;
  std::string urlText;  // as given, for the report
  size_t players = 1;
  double seconds = 10;       // 0: until SIGINT/SIGTERM
  double rampPerSecond = 0;  // 0: every player at once
  Millis startBuffer{200};   // the stall model's
  std::optional<std::string> jsonFile;
  std::optional<std::string> csvFile;
  std::string label;
};

extern const char* const kPlayUsage;

// `rtsbench play` arguments (argv after "play"); an Error says what is wrong, without
// the usage text.
Result<PlayOptions> parsePlayArgs(std::span<char*> args);

}  // namespace rtsedge::bench
