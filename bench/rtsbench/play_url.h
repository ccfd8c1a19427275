#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "relay/clock.h"
#include "relay/status.h"

namespace rtsedge::bench {

enum class PlayProtocol { kRtmp, kHttpFlv, kSrt, kWhep };

// "rtmp", "http-flv", "srt", "webrtc": as rtsedge's metrics name the protocols.
std::string_view protocolName(PlayProtocol protocol);

// What a player connects to.
struct PlayUrl {
  PlayProtocol protocol = PlayProtocol::kRtmp;
  std::string host;  // numeric, as TcpConnector and SRT take it ("localhost" becomes 127.0.0.1)
  uint16_t port = 0;
  std::string authority;   // host[:port] as written: the HTTP Host header
  std::string app;         // rtmp: the connect command's app
  std::string streamName;  // rtmp: the play name, with any "?query"
  std::string target;      // http: the request target, "/app/name.flv?query" (WHEP: the POST's, "/whep/app/name")
  std::string streamId;    // srt
  std::optional<Millis> srtLatency;
  std::optional<std::string> srtPassphrase;
};

// rtmp://host[:1935]/app/name[?query], http://host[:80]/path (sent as is), or
// srt://host[:10080]?streamid=#!::r=app/name,m=request[&latency=MS][&passphrase=TEXT].
// An http:// path under /whep/ is rtsedge's WHEP endpoint (POST an offer); any other
// is HTTP-FLV (GET), unless withProtocol() says otherwise. Hosts are numeric or
// localhost: nothing is resolved, as in rtsedge's own URLs.
Result<PlayUrl> parsePlayUrl(std::string_view text);

// `--protocol NAME` (a protocolName(), or "whep"): makes an http:// URL WHEP or HTTP-FLV
// whatever its path; for rtmp:// and srt:// URLs only their own protocol is accepted.
Status withProtocol(PlayUrl& url, std::string_view name);

}  // namespace rtsedge::bench
