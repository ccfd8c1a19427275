#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "relay/clock.h"
#include "relay/config.h"
#include "relay/status.h"

namespace rtsedge {

// The scalar forms of the configuration file, shared by every section. Each parser takes
// the value as written and returns an Error that says what was expected; the loader adds
// file, line, column and key path. None throws.

// "500ms", "10s", "2m", "1h": a non-negative integer and a unit. A bare number is refused:
// nothing in it says whether 10 means milliseconds or seconds.
Result<Millis> parseDuration(std::string_view text);

// "4096" (bytes), "64KiB", "16MiB", "1GiB". KB, MB and GB are refused with the binary
// spelling suggested: whether they mean 1000 or 1024 would be a guess.
Result<uint64_t> parseSize(std::string_view text);

// A non-negative decimal integer: no sign, fraction or exponent; at most 2^64-1.
Result<uint64_t> parseInteger(std::string_view text);

// "true" or "false" only: YAML 1.1's yes/no/on/off surprise more than they help.
Result<bool> parseBool(std::string_view text);

// "0.0.0.0:1935", "127.0.0.1:0", "[::]:1935": an IP address and a port, IPv6 in brackets.
// Host names are refused: nothing is resolved at start.
Result<ListenAddress> parseListenAddress(std::string_view text);

// "10.0.0.2", "10.0.0.2:1935", "[::1]:1935", "localhost:1935": a URL's host and port,
// the port defaulted where absent; numeric hosts and localhost only, port 0 refused.
Result<ListenAddress> parseAuthority(std::string_view authority, uint16_t defaultPort);

// "rtmp://10.0.0.2:1935/live" (the app is optional; port 1935 by default) or
// "srt://10.0.0.2:10080?latency=200" (port 10080 by default): an upstream's URL.
// Numeric hosts and localhost only, as for listen addresses. The weight is left at 1.
Result<UpstreamSettings> parseUpstreamUrl(std::string_view text);

// The index of text in names; the error lists the names.
Result<size_t> parseChoice(std::string_view text, std::span<const std::string_view> names);

// spdlog's level names, least severe first.
inline constexpr std::array<std::string_view, 7> kLogLevels{"trace", "debug",    "info", "warn",
                                                            "error", "critical", "off"};
Result<std::string> parseLogLevel(std::string_view text);

// The forms above in reverse, in the largest exact unit, for messages: "1500ms", "10s",
// "5m"; "4096", "64KiB", "1GiB". Both parse back to the same value.
std::string formatDuration(Millis duration);
std::string formatSize(uint64_t bytes);
// "0.0.0.0:1935", "[::]:1935": what parseListenAddress reads, for logs and the API.
std::string formatListenAddress(const ListenAddress& address);

}  // namespace rtsedge
