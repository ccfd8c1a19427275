#include "protocols/http/webrtc_routes.h"

#include <algorithm>
#include <cctype>

#include "cache/tier_query.h"
#include "protocols/http/api.h"
#include "relay/query.h"

namespace rtsedge::http {

namespace {
constexpr std::string_view kWhipPrefix = "/whip";
constexpr std::string_view kWhepPrefix = "/whep";
constexpr std::string_view kResourcePrefix = "/webrtc";
constexpr size_t kMaxResourceIdLength = 128;

// `path` is `prefix` itself or something under it.
bool under(std::string_view path, std::string_view prefix) {
  return path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

// What follows "/whip/", "/whep/" or "/webrtc/"; empty for the bare prefix.
std::string_view restOf(std::string_view path) {
  size_t slash = path.find('/', 1);
  return slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// The request's Content-Type is `type`, parameters (`; charset=utf-8`) aside, in any case.
bool hasContentType(const HttpRequest& request, std::string_view type) {
  const std::string* value = request.header("content-type");
  if (value == nullptr) {
    return false;
  }
  std::string_view media = trimmed(std::string_view(*value).substr(0, value->find(';')));
  return std::ranges::equal(media, type, [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
}

// The resource ids Signaling hands out are URL-safe; anything else names no resource.
bool validResourceId(std::string_view id) {
  return !id.empty() && id.size() <= kMaxResourceIdLength && std::ranges::all_of(id, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' || c == '~';
  });
}

HttpResponse unsupportedType(std::string_view method, std::string_view wanted) {
  HttpResponse response = errorResponse(415, std::string(method) + " needs Content-Type: " + std::string(wanted));
  response.headers.emplace_back(method == "PATCH" ? "Accept-Patch" : "Accept-Post", std::string(wanted));
  return response;
}

HttpResponse failureResponse(const webrtc::SignalingFailure& failure) {
  return errorResponse(failure.status, failure.reason);
}

HttpResponse emptyResponse(int status) {
  return HttpResponse{status, "", "", {}};
}

HttpResponse patchResponse(const webrtc::PatchAnswer& answer) {
  HttpResponse response = emptyResponse(answer.status);
  if (!answer.body.empty() && answer.status != 204) {
    response.contentType = std::string(kSdpFragType);
    response.body = answer.body;
  }
  if (!answer.etag.empty()) {
    response.headers.emplace_back("ETag", answer.etag);
  }
  return response;
}

HttpResponse patchResource(webrtc::Signaling& signaling, const HttpRequest& request, std::string_view id) {
  if (!hasContentType(request, kSdpFragType)) {
    return unsupportedType("PATCH", kSdpFragType);
  }
  const std::string* ifMatch = request.header("if-match");
  webrtc::PatchOutcome outcome =
      signaling.patch(id, ifMatch == nullptr ? std::string_view() : trimmed(*ifMatch), request.body);
  if (const auto* failure = std::get_if<webrtc::SignalingFailure>(&outcome)) {
    return failureResponse(*failure);
  }
  return patchResponse(std::get<webrtc::PatchAnswer>(outcome));
}
}  // namespace

WebRtcRoute webRtcRouteOf(std::string_view path) {
  if (under(path, kWhipPrefix)) {
    return WebRtcRoute::kWhip;
  }
  if (under(path, kWhepPrefix)) {
    return WebRtcRoute::kWhep;
  }
  if (under(path, kResourcePrefix)) {
    return WebRtcRoute::kResource;
  }
  return WebRtcRoute::kNone;
}

HttpResponse preflightResponse(WebRtcRoute route) {
  HttpResponse preflight = emptyResponse(204);
  preflight.headers = {{"Access-Control-Allow-Methods", "GET, HEAD, POST, PATCH, DELETE, OPTIONS"},
                       // "*" alone leaves Authorization out, and covers nothing for a credentialed request
                       {"Access-Control-Allow-Headers", "*, Authorization, Content-Type, If-Match"},
                       {"Access-Control-Max-Age", "86400"}};
  if (route == WebRtcRoute::kWhip || route == WebRtcRoute::kWhep) {
    preflight.headers.emplace_back("Accept-Post", std::string(kSdpType));
  }
  return preflight;
}

std::optional<HttpResponse> refusedWebRtc(const HttpRequest& request, WebRtcRoute route, bool enabled) {
  bool resource = route == WebRtcRoute::kResource;
  bool allowed = resource ? request.method == "PATCH" || request.method == "DELETE" : request.method == "POST";
  if (!allowed) {
    HttpResponse response = errorResponse(405, request.method + " is not a method of " + request.path);
    response.headers.emplace_back("Allow", resource ? "PATCH, DELETE, OPTIONS" : "POST, OPTIONS");
    return response;
  }
  if (!enabled) {
    return errorResponse(503, "WebRTC is not enabled");
  }
  return std::nullopt;
}

std::variant<webrtc::WebRtcOffer, HttpResponse> offerOf(const HttpRequest& request, WebRtcRoute route) {
  std::string_view path = restOf(request.path);
  size_t slash = path.rfind('/');
  auto key = slash == std::string_view::npos ? Result<StreamKey>(Error("no app in the path"))
                                             : parseStreamKey(path.substr(0, slash), path.substr(slash + 1));
  if (!key) {
    return errorResponse(400, key.error().message());
  }
  if (!hasContentType(request, kSdpType)) {
    return unsupportedType("POST", kSdpType);
  }
  if (request.body.empty()) {
    return errorResponse(400, "no SDP offer in the body");
  }
  key->query = request.query;
  // WHIP clients (OBS among them) send their credential as a Bearer token (RFC 9725 4.5):
  // it joins the query as `token`, where hooks and every other protocol's rules see it.
  if (const std::string* authorization = request.header("authorization");
      authorization != nullptr && authorization->size() > 7 && authorization->starts_with("Bearer ") &&
      !request.queryParam("token")) {
    key->query = joinQuery(key->query, "token=" + percentEncode(std::string_view(*authorization).substr(7)));
  }
  webrtc::SignalingRole role =
      route == WebRtcRoute::kWhip ? webrtc::SignalingRole::kPublish : webrtc::SignalingRole::kPlay;
  return webrtc::WebRtcOffer{role, std::move(*key), request.body, "", ""};
}

HttpResponse offerResponse(const webrtc::OfferOutcome& outcome) {
  if (const auto* failure = std::get_if<webrtc::SignalingFailure>(&outcome)) {
    return failureResponse(*failure);
  }
  const auto& answer = std::get<webrtc::WebRtcAnswer>(outcome);
  HttpResponse response{201, std::string(kSdpType), answer.sdp, {{"Location", "/webrtc/" + answer.resourceId}}};
  if (!answer.etag.empty()) {
    response.headers.emplace_back("ETag", answer.etag);
  }
  return response;
}

HttpResponse resourceResponse(webrtc::Signaling& signaling, const HttpRequest& request) {
  std::string_view id = restOf(request.path);
  if (!validResourceId(id)) {
    return errorResponse(404, "no such WebRTC resource");
  }
  if (request.method == "PATCH") {
    return patchResource(signaling, request, id);
  }
  if (auto failure = signaling.end(id)) {
    return failureResponse(*failure);
  }
  return emptyResponse(200);
}

}  // namespace rtsedge::http
