#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rtsedge::bench {

// Why a player ended before the run did.
enum class FailureKind : uint8_t {
  kConnect,   // no connection, or no answer in time
  kRefused,   // the server said no: an HTTP error status, RTMP _error or StreamNotFound, an SRT rejection
  kClosed,    // the server closed or ended the stream
  kProtocol,  // malformed input
  kCount,
};

inline std::string_view failureKindName(FailureKind kind) {
  switch (kind) {
    case FailureKind::kConnect: return "connect";
    case FailureKind::kRefused: return "refused";
    case FailureKind::kClosed: return "closed";
    case FailureKind::kProtocol: return "protocol";
    case FailureKind::kCount: break;
  }
  return "unknown";
}

// What one player measured over the run.
struct PlayerResult {
  // From the start of connecting to the session established: RTMP Play.Start, the HTTP
  // response head, the SRT connection, WHEP's DTLS handshake done (after POST and ICE).
  std::optional<double> connectMs;
  // From the start of connecting to the first video keyframe.
  std::optional<double> firstFrameMs;
  uint64_t bytes = 0;
  // Video frames; the stamped ones count in latency. Frames stamped before the player
  // started (the GOP cache burst) are in neither: their latency is the cache's age.
  uint64_t videoFrames = 0;
  uint64_t stampedFrames = 0;
  uint64_t unstampedFrames = 0;
  uint64_t stalls = 0;
  double stalledSeconds = 0;
  double watchedSeconds = 0;  // from the player model's playback start
  double activeSeconds = 0;   // from the start of connecting to the run's end or the failure
  std::optional<FailureKind> failure;
  std::string failureDetail;
};

}  // namespace rtsedge::bench
