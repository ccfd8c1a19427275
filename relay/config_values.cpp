#include "relay/config_values.h"

#include <charconv>
#include <string>

#include <fmt/format.h>
#include <uv.h>

namespace rtsedge {

namespace {

// Splits "16MiB" into 16 and "MiB"; the number must be there and fit 64 bits.
Result<std::pair<uint64_t, std::string_view>> splitNumber(std::string_view text) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (end == text.data()) {
    return Error("no number");
  }
  if (error == std::errc::result_out_of_range) {
    return Error("number too large");
  }
  return std::pair{value, std::string_view(end, static_cast<size_t>(text.data() + text.size() - end))};
}

Result<uint64_t> scaled(uint64_t value, uint64_t unit) {
  if (unit != 0 && value > UINT64_MAX / unit) {
    return Error("number too large");
  }
  return value * unit;
}

}  // namespace

Result<Millis> parseDuration(std::string_view text) {
  const std::string expected = fmt::format("\"{}\" is not a duration (examples: 500ms, 10s, 2m, 1h)", text);
  auto split = splitNumber(text);
  if (!split) {
    return Error(expected);
  }
  auto [value, unit] = *split;
  uint64_t factor = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60'000 : unit == "h" ? 3'600'000 : 0;
  if (factor == 0) {
    return Error(expected);
  }
  auto ms = scaled(value, factor);
  if (!ms || *ms > static_cast<uint64_t>(INT64_MAX)) {
    return Error(fmt::format("\"{}\" is too long a duration", text));
  }
  return Millis(static_cast<int64_t>(*ms));
}

Result<uint64_t> parseSize(std::string_view text) {
  const std::string expected = fmt::format("\"{}\" is not a size (examples: 4096, 64KiB, 16MiB, 1GiB)", text);
  auto split = splitNumber(text);
  if (!split) {
    return Error(expected);
  }
  auto [value, unit] = *split;
  uint64_t factor = unit.empty() ? 1 : unit == "KiB" ? 1ull << 10 : unit == "MiB" ? 1ull << 20 : unit == "GiB" ? 1ull << 30 : 0;
  if (factor == 0) {
    return Error(expected);
  }
  auto bytes = scaled(value, factor);
  if (!bytes) {
    return Error(fmt::format("\"{}\" is too large a size", text));
  }
  return *bytes;
}

Result<uint64_t> parseInteger(std::string_view text) {
  auto split = splitNumber(text);
  if (!split || !split->second.empty()) {
    return Error(fmt::format("\"{}\" is not a whole number", text));
  }
  return split->first;
}

Result<ListenAddress> parseListenAddress(std::string_view text) {
  const std::string expected = fmt::format("\"{}\" is not host:port (examples: 0.0.0.0:1935, [::]:1935)", text);
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Error(expected);
  }
  std::string host(text.substr(0, colon));
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') {
      return Error(expected);
    }
    host = host.substr(1, host.size() - 2);
  }
  auto port = parseInteger(text.substr(colon + 1));
  if (!port) {
    return Error(expected);
  }
  if (*port > 65535) {
    return Error(fmt::format("port {} not in 0..65535", *port));
  }
  sockaddr_in6 v6{};
  sockaddr_in v4{};
  bool ipv6 = host.find(':') != std::string::npos;
  if ((ipv6 ? uv_ip6_addr(host.c_str(), 0, &v6) : uv_ip4_addr(host.c_str(), 0, &v4)) != 0) {
    return Error(fmt::format("\"{}\" is not an IP address", host));
  }
  return ListenAddress{host, static_cast<uint16_t>(*port)};
}

std::string formatDuration(Millis duration) {
  auto ms = duration.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

}  // namespace rtsedge
