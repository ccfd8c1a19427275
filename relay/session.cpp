#include "relay/session.h"

namespace rtsedge {

std::string_view closeReasonName(CloseReason reason) {
  switch (reason) {
    case CloseReason::kPeerClosed: return "peer_closed";
    case CloseReason::kProtocolError: return "protocol_error";
    case CloseReason::kTimeout: return "timeout";
    case CloseReason::kIdle: return "idle";
    case CloseReason::kRefused: return "refused";
    case CloseReason::kReplaced: return "replaced";
    case CloseReason::kSlowViewer: return "slow_viewer";
    case CloseReason::kStreamEnded: return "stream_ended";
    case CloseReason::kKicked: return "kicked";
    case CloseReason::kTooMany: return "too_many";
    case CloseReason::kShutdown: return "shutdown";
  }
  return "unknown";
}

}  // namespace rtsedge
