#include "bench/rtsbench/play_url.h"

#include <fmt/format.h>

#include "relay/config_values.h"
#include "relay/query.h"
#include "relay/quoted.h"

namespace rtsedge::bench {

namespace {

// rtsedge's WHEP route (docs/webrtc.md): POST /whep/{app}/{name}.
constexpr std::string_view kWhepPrefix = "/whep/";

struct Scheme {
  std::string_view prefix;
  PlayProtocol protocol;
  uint16_t defaultPort;
};
constexpr Scheme kSchemes[] = {
    {"rtmp://", PlayProtocol::kRtmp, 1935},
    {"http://", PlayProtocol::kHttpFlv, 80},
    {"srt://", PlayProtocol::kSrt, 10080},
};

// Host and port of "host", "host:port", "[v6]", "[v6]:port", checked as rtsedge checks
// listen addresses.
Status parseAuthority(std::string_view authority, uint16_t defaultPort, PlayUrl& url) {
  auto address = rtsedge::parseAuthority(authority, defaultPort);
  if (!address) {
    return address.error();
  }
  url.host = address->host;
  url.port = address->port;
  url.authority = std::string(authority);
  return Status::ok();
}

Status parseRtmpPath(std::string_view path, PlayUrl& url) {
  size_t slash = path.find('/', 1);
  if (!path.starts_with("/") || slash == std::string_view::npos || slash == 1 || slash + 1 == path.size()) {
    return Error("an rtmp:// URL needs /app/name");
  }
  url.app = std::string(path.substr(1, slash - 1));
  url.streamName = std::string(path.substr(slash + 1));
  return Status::ok();
}

Status parseSrtQuery(std::string_view tail, PlayUrl& url) {
  if (!tail.starts_with("?")) {
    return Error("an srt:// URL needs ?streamid=#!::r=app/name,m=request");
  }
  std::string options;
  forEachQueryParam(tail.substr(1), [&](std::string_view name, std::string_view value) {
    if (name == "streamid") {
      url.streamId = std::string(value);
    } else {
      options += fmt::format("{}{}={}", options.empty() ? "?" : "&", name, value);
    }
  });
  if (url.streamId.empty()) {
    return Error("an srt:// URL needs streamid=#!::r=app/name,m=request");
  }
  // latency and passphrase: read as rtsedge reads its own srt:// upstreams.
  auto upstream = parseUpstreamUrl(fmt::format("srt://{}{}", url.authority, options));
  if (!upstream) {
    return upstream.error();
  }
  url.srtLatency = upstream->srtLatency;
  url.srtPassphrase = upstream->srtPassphrase;
  return Status::ok();
}

}  // namespace

std::string_view protocolName(PlayProtocol protocol) {
  switch (protocol) {
    case PlayProtocol::kRtmp: return "rtmp";
    case PlayProtocol::kHttpFlv: return "http-flv";
    case PlayProtocol::kSrt: return "srt";
    case PlayProtocol::kWhep: return "webrtc";
  }
  return "unknown";
}

Result<PlayUrl> parsePlayUrl(std::string_view text) {
  const Scheme* scheme = nullptr;
  for (const Scheme& candidate : kSchemes) {
    if (text.starts_with(candidate.prefix)) {
      scheme = &candidate;
    }
  }
  if (scheme == nullptr) {
    return Error(fmt::format("{} is not an rtmp://, http:// or srt:// URL", quoted(text)));
  }
  PlayUrl url;
  url.protocol = scheme->protocol;
  std::string_view rest = text.substr(scheme->prefix.size());
  size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  Status parsed = parseAuthority(authority, scheme->defaultPort, url);
  if (parsed) {
    switch (url.protocol) {
      case PlayProtocol::kRtmp: parsed = parseRtmpPath(tail, url); break;
      case PlayProtocol::kHttpFlv:
        url.target = tail.starts_with("/") ? std::string(tail) : "/" + std::string(tail);
        if (url.target.starts_with(kWhepPrefix)) {
          url.protocol = PlayProtocol::kWhep;
        }
        break;
      case PlayProtocol::kSrt: parsed = parseSrtQuery(tail, url); break;
      case PlayProtocol::kWhep: break;  // no scheme of its own
    }
  }
  if (!parsed) {
    return parsed.error().wrap(fmt::format("{}", quoted(text)));
  }
  return url;
}

Status withProtocol(PlayUrl& url, std::string_view name) {
  bool http = url.protocol == PlayProtocol::kHttpFlv || url.protocol == PlayProtocol::kWhep;
  if (http && (name == "whep" || name == protocolName(PlayProtocol::kWhep))) {
    url.protocol = PlayProtocol::kWhep;
  } else if (http && name == protocolName(PlayProtocol::kHttpFlv)) {
    url.protocol = PlayProtocol::kHttpFlv;
  } else if (name != protocolName(url.protocol)) {
    return Error(fmt::format("--protocol {} does not fit the URL: {}", quoted(name),
                             http ? "http:// URLs are whep or http-flv" : "its scheme names its protocol"));
  }
  return Status::ok();
}

}  // namespace rtsedge::bench
