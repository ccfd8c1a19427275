#include "bench/rtsbench/play_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>

#include "relay/config_values.h"
#include "relay/quoted.h"

namespace rtsedge::bench {

const char* const kPlayUsage = R"(usage: rtsbench play --url URL [options]

Plays one stream with N players in this process and measures what they get.

  --url URL          rtmp://host:port/app/name, http://host:port/app/name.flv,
                     srt://host:port?streamid=#!::r=app/name,m=request[&latency=MS][&passphrase=TEXT],
                     or http://host:port/whep/app/name (WebRTC: WHEP offer, ICE, DTLS-SRTP)
                     (numeric hosts or localhost)
  --protocol NAME    whep or http-flv: how to play an http:// URL whatever its path
                     (default: WHEP under /whep/, else HTTP-FLV)
  --players N        players (default 1)
  --duration SECONDS length of the run from its start, ramp included (default 10; 0: until Ctrl-C)
  --ramp RATE        players started per second (default 0: all at once)
  --buffer MS        start buffer of the player model behind the stall figures (default 200)
  --json FILE        write the summary as JSON
  --csv FILE         write one row per second: players receiving, frames/s, Mbit/s, latency p50/p99
  --label TEXT       names the run in the report
  -h, --help         print this help
)";

namespace {

constexpr std::string_view kOptions[] = {"--url",    "--protocol", "--players", "--duration", "--ramp",
                                         "--buffer", "--json",     "--csv",     "--label"};

Result<double> parseSeconds(std::string_view name, std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < 0) {
    return Error(fmt::format("{} {} is not a non-negative number", name, quoted(text)));
  }
  return value;
}

Result<uint64_t> parseCount(std::string_view name, std::string_view text, uint64_t min, uint64_t max) {
  auto value = parseInteger(text);
  if (!value || *value < min || *value > max) {
    return Error(fmt::format("{} {} is not an integer in {}..{}", name, quoted(text), min, max));
  }
  return *value;
}

}  // namespace

Result<PlayOptions> parsePlayArgs(std::span<char*> args) {
  PlayOptions options;
  bool hasUrl = false;
  std::optional<std::string_view> protocol;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view name = args[i];
    if (std::find(std::begin(kOptions), std::end(kOptions), name) == std::end(kOptions)) {
      return Error(fmt::format("unknown option {}", name));
    }
    if (i + 1 >= args.size()) {
      return Error(fmt::format("{} needs a value", name));
    }
    std::string_view value = args[++i];
    if (name == "--url") {
      auto url = parsePlayUrl(value);
      if (!url) {
        return url.error();
      }
      options.url = std::move(*url);
      options.urlText = std::string(value);
      hasUrl = true;
    } else if (name == "--protocol") {
      protocol = value;
    } else if (name == "--players") {
      auto players = parseCount(name, value, 1, 1'000'000);
      if (!players) {
        return players.error();
      }
      options.players = static_cast<size_t>(*players);
    } else if (name == "--duration" || name == "--ramp") {
      auto seconds = parseSeconds(name, value);
      if (!seconds) {
        return seconds.error();
      }
      (name == "--duration" ? options.seconds : options.rampPerSecond) = *seconds;
    } else if (name == "--buffer") {
      auto ms = parseCount(name, value, 0, 10'000);
      if (!ms) {
        return ms.error();
      }
      options.startBuffer = Millis(*ms);
    } else if (name == "--json") {
      options.jsonFile = std::string(value);
    } else if (name == "--csv") {
      options.csvFile = std::string(value);
    } else {
      options.label = std::string(value);
    }
  }
  if (!hasUrl) {
    return Error("--url is required");
  }
  if (protocol) {
    if (Status fits = withProtocol(options.url, *protocol); !fits) {
      return fits.error();
    }
  }
  return options;
}

}  // namespace rtsedge::bench
