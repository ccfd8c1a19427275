#include "relay/config_values.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "relay/query.h"
#include "relay/quoted.h"

namespace rtsedge {

namespace {

struct Unit {
  std::string_view name;
  uint64_t factor;
};

// Largest first: the formatters pick the first unit that divides the value exactly.
constexpr std::array<Unit, 4> kDurationUnits{{{"h", 3'600'000}, {"m", 60'000}, {"s", 1000}, {"ms", 1}}};
constexpr std::array<Unit, 4> kSizeUnits{{{"GiB", 1ull << 30}, {"MiB", 1ull << 20}, {"KiB", 1ull << 10}, {"", 1}}};

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

char upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

// "16MiB" -> {"16", "MiB"}.
std::pair<std::string_view, std::string_view> splitDigits(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && isDigit(text[digits])) {
    ++digits;
  }
  return {text.substr(0, digits), text.substr(digits)};
}

const Unit* findUnit(std::string_view name, std::span<const Unit> units) {
  for (const Unit& unit : units) {
    if (unit.name == name) {
      return &unit;
    }
  }
  return nullptr;
}

// digits (non-empty, all decimal) times factor; nullopt past 2^64-1.
std::optional<uint64_t> scale(std::string_view digits, uint64_t factor) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || value > std::numeric_limits<uint64_t>::max() / factor) {
    return std::nullopt;
  }
  return value * factor;
}

// "16MB", "16M", "16kb": a decimal-looking unit, for which we suggest the binary one.
bool isDecimalSizeUnit(std::string_view unit) {
  if (unit.empty() || unit.size() > 2 || std::string_view("KMG").find(upper(unit[0])) == std::string_view::npos) {
    return false;
  }
  return unit.size() == 1 || upper(unit[1]) == 'B';
}

std::string formatIn(uint64_t value, std::span<const Unit> units) {
  for (const Unit& unit : units) {
    if (value % unit.factor == 0) {
      return fmt::format("{}{}", value / unit.factor, unit.name);
    }
  }
  return std::to_string(value);  // unreachable while the last unit's factor is 1
}

struct HostPort {
  std::string_view host;
  std::string_view port;
  bool ipv6;
};

// "[::1]:80" -> {"::1", "80", true}; "1.2.3.4:80" -> {"1.2.3.4", "80", false}.
Result<HostPort> splitHostPort(std::string_view text) {
  const std::string noPort =
      fmt::format("{} has no port (expected host:port, e.g. 0.0.0.0:1935 or [::]:1935)", quoted(text));
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return Error(fmt::format("{} has no closing ] after the IPv6 address", quoted(text)));
    }
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      return Error(noPort);
    }
    return HostPort{text.substr(1, close - 1), text.substr(close + 2), true};
  }
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return Error(noPort);
  }
  if (text.find(':', colon + 1) != std::string_view::npos) {
    return Error(fmt::format("{}: an IPv6 address goes in brackets, e.g. [::1]:1935", quoted(text)));
  }
  return HostPort{text.substr(0, colon), text.substr(colon + 1), false};
}

}  // namespace

Result<Millis> parseDuration(std::string_view text) {
  auto [digits, unitName] = splitDigits(text);
  if (!digits.empty() && unitName.empty()) {
    return Error(fmt::format("{} is not a duration: it needs a unit ({}ms, {}s, {}m or {}h)", quoted(text), digits,
                             digits, digits, digits));
  }
  const Unit* unit = findUnit(unitName, kDurationUnits);
  if (digits.empty() || unit == nullptr) {
    return Error(fmt::format("{} is not a duration (examples: 500ms, 10s, 2m, 1h)", quoted(text)));
  }
  auto ms = scale(digits, unit->factor);
  if (!ms || *ms > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Error(fmt::format("{} is too long a duration", quoted(text)));
  }
  return Millis(static_cast<int64_t>(*ms));
}

Result<uint64_t> parseSize(std::string_view text) {
  auto [digits, unitName] = splitDigits(text);
  const Unit* unit = findUnit(unitName, kSizeUnits);
  if (!digits.empty() && unit == nullptr && isDecimalSizeUnit(unitName)) {
    return Error(fmt::format("{} is ambiguous: write {}{}iB (sizes use the 1024-based KiB, MiB and GiB)", quoted(text),
                             digits, upper(unitName[0])));
  }
  if (digits.empty() || unit == nullptr) {
    return Error(fmt::format("{} is not a size (examples: 4096, 64KiB, 16MiB, 1GiB)", quoted(text)));
  }
  auto bytes = scale(digits, unit->factor);
  if (!bytes) {
    return Error(fmt::format("{} is too large a size", quoted(text)));
  }
  return *bytes;
}

Result<uint64_t> parseInteger(std::string_view text) {
  auto [digits, rest] = splitDigits(text);
  if (digits.empty() || !rest.empty()) {
    return Error(fmt::format("{} is not a whole number (digits only: no sign, fraction or exponent)", quoted(text)));
  }
  auto value = scale(digits, 1);
  if (!value) {
    return Error(fmt::format("{} is too large", quoted(text)));
  }
  return *value;
}

Result<bool> parseBool(std::string_view text) {
  if (text == "true" || text == "false") {
    return text == "true";
  }
  return Error(fmt::format("{} is not true or false", quoted(text)));
}

Result<ListenAddress> parseListenAddress(std::string_view text) {
  auto split = splitHostPort(text);
  if (!split) {
    return split.error();
  }
  auto [host, portText, ipv6] = *split;
  if (host.empty()) {
    return Error(fmt::format("{} has no host (0.0.0.0: every IPv4 address, [::]: every IPv6 address)", quoted(text)));
  }
  auto port = parseInteger(portText);
  if (!port) {
    return Error(fmt::format("port {} is not a number", quoted(portText)));
  }
  if (*port > 65535) {
    return Error(fmt::format("port {} not in 0..65535", *port));
  }
  std::string hostText(host);
  unsigned char address[16];
  if (inet_pton(ipv6 ? AF_INET6 : AF_INET, hostText.c_str(), address) != 1) {
    return Error(
        fmt::format("{} is not an {} address (host names are not resolved)", quoted(host), ipv6 ? "IPv6" : "IPv4"));
  }
  return ListenAddress{std::move(hostText), static_cast<uint16_t>(*port)};
}

Result<ListenAddress> parseAuthority(std::string_view authority, uint16_t defaultPort) {
  bool hasPort = authority.find(':') != std::string_view::npos &&
                 (!authority.starts_with("[") || authority.find("]:") != std::string_view::npos);
  std::string withPort = hasPort ? std::string(authority) : fmt::format("{}:{}", authority, defaultPort);
  if (withPort.starts_with("localhost:")) {
    withPort = "127.0.0.1" + withPort.substr(9);
  }
  auto address = parseListenAddress(withPort);
  if (!address) {
    return address.error();
  }
  if (address->port == 0) {
    return Error("port 0");
  }
  return *address;
}

Result<UpstreamSettings> parseUpstreamUrl(std::string_view text) {
  UpstreamSettings upstream;
  upstream.url = std::string(text);
  std::string_view rest = text;
  uint16_t defaultPort = 0;
  if (rest.starts_with("rtmp://")) {
    upstream.protocol = UpstreamProtocol::kRtmp;
    defaultPort = 1935;
    rest.remove_prefix(7);
  } else if (rest.starts_with("srt://")) {
    upstream.protocol = UpstreamProtocol::kSrt;
    defaultPort = 10080;
    rest.remove_prefix(6);
  } else {
    return Error(fmt::format("{} is not an rtmp:// or srt:// URL", quoted(text)));
  }
  size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (tail.starts_with("/")) {
    size_t query = tail.find('?');
    upstream.app = std::string(tail.substr(1, query == std::string_view::npos ? query : query - 1));
    tail = query == std::string_view::npos ? std::string_view() : tail.substr(query);
    if (upstream.protocol == UpstreamProtocol::kSrt && !upstream.app.empty()) {
      return Error(
          fmt::format("{}: an srt:// upstream has no path (streams are named in the stream id)", quoted(text)));
    }
  }
  if (tail.starts_with("?")) {
    if (upstream.protocol == UpstreamProtocol::kRtmp) {
      return Error(fmt::format("{}: an rtmp:// upstream takes no query", quoted(text)));
    }
    Status options = Status::ok();
    forEachQueryParam(tail.substr(1), [&](std::string_view name, std::string_view value) {
      if (!options) {
        return;
      }
      if (name == "latency") {  // milliseconds, as srt-live-transmit takes it
        auto ms = parseInteger(value);
        if (!ms || *ms < 20 || *ms > 10'000) {
          options = Error(fmt::format("{}: latency={} is not 20..10000 (milliseconds)", quoted(text), value));
          return;
        }
        upstream.srtLatency = Millis(*ms);
      } else if (name == "passphrase") {
        if (value.size() < 10 || value.size() > 80) {
          options = Error(
              fmt::format("{}: the passphrase has {} characters, SRT needs 10 to 80", quoted(text), value.size()));
          return;
        }
        upstream.srtPassphrase = std::string(value);
      } else {
        options = Error(fmt::format("{}: unknown SRT option {} (latency, passphrase)", quoted(text), quoted(name)));
      }
    });
    if (!options) {
      return options.error();
    }
  }
  auto address = parseAuthority(authority, defaultPort);
  if (!address) {
    return address.error().wrap(fmt::format("{}", quoted(text)));
  }
  upstream.address = *address;
  return upstream;
}

Result<size_t> parseChoice(std::string_view text, std::span<const std::string_view> names) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == text) {
      return i;
    }
  }
  return Error(fmt::format("{} is not one of: {}", quoted(text), fmt::join(names, ", ")));
}

Result<std::string> parseLogLevel(std::string_view text) {
  auto index = parseChoice(text, kLogLevels);
  if (!index) {
    return index.error();
  }
  return std::string(kLogLevels[*index]);
}

std::string formatDuration(Millis duration) {
  if (duration.count() == 0) {
    return "0s";
  }
  if (duration.count() < 0) {
    return fmt::format("{}ms", duration.count());
  }
  return formatIn(static_cast<uint64_t>(duration.count()), kDurationUnits);
}

std::string formatSize(uint64_t bytes) {
  return bytes == 0 ? "0" : formatIn(bytes, kSizeUnits);
}

std::string formatListenAddress(const ListenAddress& address) {
  if (address.host.find(':') != std::string::npos) {
    return fmt::format("[{}]:{}", address.host, address.port);
  }
  return fmt::format("{}:{}", address.host, address.port);
}

}  // namespace rtsedge
