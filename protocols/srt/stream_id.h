#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "relay/stream_key.h"

namespace rtsedge::srt {

enum class SrtMode { kPublish, kRequest };

// What an SRT caller asks for, from its stream id.
struct SrtStreamId {
  StreamKey key;  // keys other than the standard ones travel in key.query (tokens, say)
  SrtMode mode = SrtMode::kRequest;
  std::string user;     // u=
  std::string host;     // h=
  std::string session;  // s=
};

// Why a stream id is refused: an SRT reject reason (SRT_REJX_*, sent to the caller
// in the handshake) and a message for the log.
struct StreamIdRejection {
  int reason = 0;
  std::string message;
};

// The SRT Access Control convention ("#!::r=live/cam,m=publish", keys r m h u s t,
// mode defaulting to request), or the plain form "live/cam" (a publish). Callers that
// put the resource in h= (older SRS clients: "#!::h=live/cam") are understood too.
std::variant<SrtStreamId, StreamIdRejection> parseStreamId(std::string_view text);

}  // namespace rtsedge::srt
