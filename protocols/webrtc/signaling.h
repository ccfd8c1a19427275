#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "relay/stream_key.h"

namespace rtsedge::webrtc {

// Which side of a WebRTC session a client takes.
enum class SignalingRole : uint8_t {
  kPublish,  // WHIP (RFC 9725): the client sends media
  kPlay,     // WHEP: the client receives media
};

// An SDP offer a client POSTed to /whip/{app}/{name} or /whep/{app}/{name}.
struct WebRtcOffer {
  SignalingRole role = SignalingRole::kPlay;
  StreamKey key;      // app, name and the request's query (tokens, signatures)
  std::string sdp;    // the request body, untrusted
  std::string peer;   // the HTTP client's "address:port", for access rules and logs
  std::string protocol;  // the HTTP listener's protocol label ("http" or "https"), for logs
};

// The created session: the resource a client DELETEs or PATCHes, and the SDP answer.
struct WebRtcAnswer {
  std::string resourceId;  // URL-safe; the resource is /webrtc/{resourceId}
  std::string sdp;
  std::string etag;  // the ICE session's tag: "\"<ufrag>\"" style, changes on ICE restart
};

// Why signalling failed, as the HTTP status to answer with and a reason for the body and log:
// 400 bad SDP, 401/403 access refused, 404 no such stream or resource, 409 stream busy
// (WHIP on a live key), 412 If-Match mismatch, 422 an ICE restart that cannot be done,
// 503 over a limit or WebRTC not running.
struct SignalingFailure {
  int status = 400;
  std::string reason;
};

using OfferOutcome = std::variant<WebRtcAnswer, SignalingFailure>;

// A PATCH answered: 204 with no body (trickled candidates taken), or 200 with an
// application/trickle-ice-sdpfrag body (an ICE restart: our new credentials) and the new ETag.
struct PatchAnswer {
  int status = 204;
  std::string body;
  std::string etag;
};

using PatchOutcome = std::variant<PatchAnswer, SignalingFailure>;

// What the HTTP server asks of the WebRTC side (WHIP/WHEP signalling). Loop-confined.
class Signaling {
 public:
  // A pending offer; destroying it withdraws the offer (the HTTP client went away):
  // `done` then never runs, and a session being set up is closed.
  class Pending {
   public:
    virtual ~Pending() = default;
  };

  virtual ~Signaling() = default;

  // Access control (a hook may take a while), then the session and its answer. `done`
  // runs once, possibly before offer() returns, unless the Pending is destroyed first.
  virtual std::unique_ptr<Pending> offer(WebRtcOffer offer, std::function<void(OfferOutcome)> done) = 0;
  // DELETE /webrtc/{resourceId}: ends the session. Failure: 404 for an unknown resource.
  virtual std::optional<SignalingFailure> end(std::string_view resourceId) = 0;
  // PATCH /webrtc/{resourceId} with an application/trickle-ice-sdpfrag body. ifMatch is the
  // If-Match header's value, empty when absent ("*" matches any).
  virtual PatchOutcome patch(std::string_view resourceId, std::string_view ifMatch, std::string_view fragment) = 0;
};

}  // namespace rtsedge::webrtc
