#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "relay/clock.h"
#include "relay/status.h"

namespace rtsedge::bench {

enum class PlayProtocol { kRtmp, kHttpFlv, kSrt };

// "rtmp", "http-flv", "srt": as rtsedge's metrics name the protocols.
std::string_view protocolName(PlayProtocol protocol);

// What a player connects to.
struct PlayUrl {
  PlayProtocol protocol = PlayProtocol::kRtmp;
  std::string host;  // numeric, as TcpConnector and SRT take it ("localhost" becomes 127.0.0.1)
  uint16_t port = 0;
  std::string authority;   // host[:port] as written: the HTTP Host header
  std::string app;         // rtmp: the connect command's app
  std::string streamName;  // rtmp: the play name, with any "?query"
  std::string target;      // http: the request target, "/app/name.flv?query"
  std::string streamId;    // srt
  std::optional<Millis> srtLatency;
  std::optional<std::string> srtPassphrase;
};

// rtmp://host[:1935]/app/name[?query], http://host[:80]/path (sent as is), or
// srt://host[:10080]?streamid=#!::r=app/name,m=request[&latency=MS][&passphrase=TEXT].
// Hosts are numeric or localhost: nothing is resolved, as in rtsedge's own URLs.
Result<PlayUrl> parsePlayUrl(std::string_view text);

}  // namespace rtsedge::bench
