#pragma once

#include <cstdint>
#include <string_view>

#include "relay/clock.h"
#include "relay/config.h"
#include "relay/status.h"

namespace rtsedge {

// Scalar formats of the configuration file, each with a message saying what was expected.

// "500ms", "10s", "2m", "1h": an integer and a unit.
Result<Millis> parseDuration(std::string_view text);
// "4096", "64KiB", "16MiB", "1GiB": bytes, or an integer and a binary unit.
Result<uint64_t> parseSize(std::string_view text);
// A non-negative integer without sign, fraction or overflow.
Result<uint64_t> parseInteger(std::string_view text);
// "0.0.0.0:1935", "127.0.0.1:0", "[::]:1935".
Result<ListenAddress> parseListenAddress(std::string_view text);
// "1500ms" for a duration that is not a whole number of seconds, else "10s".
std::string formatDuration(Millis duration);

}  // namespace rtsedge
