#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include "protocols/http/request_parser.h"
#include "protocols/http/response.h"
#include "protocols/webrtc/signaling.h"

namespace rtsedge::http {

// The WebRTC signalling routes: WHIP (RFC 9725) and WHEP. What a request asks of
// webrtc::Signaling, checked, and the HTTP answer to each outcome (docs/webrtc.md).
// Knows no socket; the session dispatches and holds a pending offer.
enum class WebRtcRoute : uint8_t {
  kNone,      // not a WebRTC path
  kWhip,      // /whip/{app}/{name}: POST an offer to publish
  kWhep,      // /whep/{app}/{name}: POST an offer to play
  kResource,  // /webrtc/{resourceId}: PATCH (trickle ICE, ICE restart) or DELETE
};

inline constexpr std::string_view kSdpType = "application/sdp";
inline constexpr std::string_view kSdpFragType = "application/trickle-ice-sdpfrag";

// Which route `path` (no query) names: /whip, /whep and /webrtc and everything under them.
WebRtcRoute webRtcRouteOf(std::string_view path);

// The preflight (OPTIONS) answer: methods and headers a cross-origin page may use, and
// on /whip and /whep the Accept-Post of RFC 9725.
HttpResponse preflightResponse(WebRtcRoute route);

// A request the route refuses before any look at its content: 405 with Allow for a
// method it does not serve, 503 when WebRTC is off. nullopt: go on.
std::optional<HttpResponse> refusedWebRtc(const HttpRequest& request, WebRtcRoute route, bool enabled);

// POST /whip|whep/{app}/{name}: the offer (key, query, SDP; peer and protocol left to the
// caller), or 400 for a bad path or an empty body, 415 for a body that is not SDP.
std::variant<webrtc::WebRtcOffer, HttpResponse> offerOf(const HttpRequest& request, WebRtcRoute route);

// The answer to an offer: 201 with the SDP, Location and ETag; or the failure.
HttpResponse offerResponse(const webrtc::OfferOutcome& outcome);

// DELETE or PATCH /webrtc/{resourceId}, handed to `signaling` and answered.
HttpResponse resourceResponse(webrtc::Signaling& signaling, const HttpRequest& request);

}  // namespace rtsedge::http
