#pragma once

#include <cstdint>
#include <string_view>

namespace rtsedge {

// Why a session ended; the label of rtsedge_session_closed_total{reason}.
enum class CloseReason : uint8_t {
  kPeerClosed,     // the peer closed or reset the connection
  kProtocolError,  // malformed input
  kTimeout,        // a client too slow to say what it wants, or a publisher gone silent
  kIdle,           // an idle keep-alive connection
  kRefused,        // a request we refused (bad name, stream busy)
  kReplaced,       // a new publisher took the stream over
  kSlowViewer,     // the viewer fell past the hard queue bound
  kStreamEnded,    // the source did not come back within the grace period
  kKicked,         // closed through the API
  kTooMany,        // over a connection limit
  kShutdown,       // the process is stopping
};

std::string_view closeReasonName(CloseReason reason);

}  // namespace rtsedge
