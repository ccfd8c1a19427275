#include "protocols/http/webrtc_routes.h"

#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace rtsedge::http {
namespace {

using webrtc::SignalingFailure;

HttpRequest request(std::string method, std::string path, std::string contentType = "", std::string body = "") {
  HttpRequest out;
  out.method = std::move(method);
  out.path = std::move(path);
  out.target = out.path;
  if (!contentType.empty()) {
    out.headers.emplace_back("content-type", std::move(contentType));
  }
  out.body = std::move(body);
  return out;
}

const std::string* headerOf(const HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) {
      return &value;
    }
  }
  return nullptr;
}

// A Signaling that answers PATCH and DELETE from its members; offers are not its business here.
class ResourceSignaling final : public webrtc::Signaling {
 public:
  std::unique_ptr<Pending> offer(webrtc::WebRtcOffer, std::function<void(webrtc::OfferOutcome)>) override {
    FAIL("no offer expected");
    return nullptr;
  }
  std::optional<SignalingFailure> end(std::string_view resourceId) override {
    ended.emplace_back(resourceId);
    return endFailure;
  }
  webrtc::PatchOutcome patch(std::string_view resourceId, std::string_view ifMatch,
                             std::string_view fragment) override {
    patched.emplace_back(std::string(resourceId), std::string(ifMatch), std::string(fragment));
    return patchOutcome;
  }

  std::optional<SignalingFailure> endFailure;
  webrtc::PatchOutcome patchOutcome = webrtc::PatchAnswer{};
  std::vector<std::string> ended;
  std::vector<std::tuple<std::string, std::string, std::string>> patched;
};

TEST_CASE("webRtcRouteOf: /whip, /whep and /webrtc and what is under them, nothing else") {
  CHECK(webRtcRouteOf("/whip/live/cam") == WebRtcRoute::kWhip);
  CHECK(webRtcRouteOf("/whip") == WebRtcRoute::kWhip);
  CHECK(webRtcRouteOf("/whep/a/b/cam") == WebRtcRoute::kWhep);
  CHECK(webRtcRouteOf("/webrtc/abc") == WebRtcRoute::kResource);
  CHECK(webRtcRouteOf("/webrtc/") == WebRtcRoute::kResource);
  CHECK(webRtcRouteOf("/whipped/cam.flv") == WebRtcRoute::kNone);
  CHECK(webRtcRouteOf("/webrtcx") == WebRtcRoute::kNone);
  CHECK(webRtcRouteOf("/live/whip.flv") == WebRtcRoute::kNone);
  CHECK(webRtcRouteOf("/") == WebRtcRoute::kNone);
}

TEST_CASE("offerOf: key, query and role from the path, SDP from the body") {
  HttpRequest post = request("POST", "/whep/a/b/cam", "Application/SDP ; charset=utf-8", "v=0\r\n");
  post.query = "token=x&sign=y";
  auto offer = offerOf(post, WebRtcRoute::kWhep);
  REQUIRE(std::holds_alternative<webrtc::WebRtcOffer>(offer));
  const auto& made = std::get<webrtc::WebRtcOffer>(offer);
  CHECK(made.role == webrtc::SignalingRole::kPlay);
  CHECK(made.key.app == "a/b");
  CHECK(made.key.name == "cam");
  CHECK(made.key.query == "token=x&sign=y");
  CHECK(made.sdp == "v=0\r\n");

  auto whip = offerOf(request("POST", "/whip/live/cam", "application/sdp", "v=0"), WebRtcRoute::kWhip);
  REQUIRE(std::holds_alternative<webrtc::WebRtcOffer>(whip));
  CHECK(std::get<webrtc::WebRtcOffer>(whip).role == webrtc::SignalingRole::kPublish);
}

TEST_CASE("offerOf: a WHIP client's Bearer token joins the query as token, unless the query has one") {
  HttpRequest post = request("POST", "/whip/live/cam", "application/sdp", "v=0\r\n");
  post.query = "a=1";
  post.headers.emplace_back("authorization", "Bearer s3cr/t key");
  auto offer = offerOf(post, WebRtcRoute::kWhip);
  REQUIRE(std::holds_alternative<webrtc::WebRtcOffer>(offer));
  CHECK(std::get<webrtc::WebRtcOffer>(offer).key.query == "a=1&token=s3cr%2Ft%20key");

  post.query = "token=fromurl";
  offer = offerOf(post, WebRtcRoute::kWhip);
  CHECK(std::get<webrtc::WebRtcOffer>(offer).key.query == "token=fromurl");

  post.query = "";
  post.headers.back().second = "Basic dXNlcjpwdw==";
  offer = offerOf(post, WebRtcRoute::kWhip);
  CHECK(std::get<webrtc::WebRtcOffer>(offer).key.query.empty());
}

TEST_CASE("offerOf refuses: 400 for a bad path or no body, 415 for a body that is not SDP") {
  auto statusOf = [](const HttpRequest& post) {
    auto offer = offerOf(post, WebRtcRoute::kWhip);
    return std::holds_alternative<HttpResponse>(offer) ? std::get<HttpResponse>(offer).status : 0;
  };
  CHECK(statusOf(request("POST", "/whip/onlyname", "application/sdp", "v=0")) == 400);
  CHECK(statusOf(request("POST", "/whip", "application/sdp", "v=0")) == 400);
  CHECK(statusOf(request("POST", "/whip/a/b%00", "application/sdp", "v=0")) == 400);
  CHECK(statusOf(request("POST", "/whip/live/cam/", "application/sdp", "v=0")) == 400);
  CHECK(statusOf(request("POST", "/whip/live/../cam", "application/sdp", "v=0")) == 400);
  CHECK(statusOf(request("POST", "/whip/live/cam", "application/sdp", "")) == 400);
  CHECK(statusOf(request("POST", "/whip/live/cam", "text/plain", "v=0")) == 415);
  CHECK(statusOf(request("POST", "/whip/live/cam", "", "v=0")) == 415);
  CHECK(statusOf(request("POST", "/whip/live/cam", "application/sdpx", "v=0")) == 415);
  auto refused = offerOf(request("POST", "/whip/live/cam", "text/plain", "v=0"), WebRtcRoute::kWhip);
  const HttpResponse& response = std::get<HttpResponse>(refused);
  REQUIRE(headerOf(response, "Accept-Post"));
  CHECK(*headerOf(response, "Accept-Post") == "application/sdp");
  CHECK(response.body.find("\"code\":415") != std::string::npos);
}

TEST_CASE("refusedWebRtc: 405 with Allow for other methods, then 503 while WebRTC is off") {
  auto whipGet = refusedWebRtc(request("GET", "/whip/live/cam"), WebRtcRoute::kWhip, true);
  REQUIRE(whipGet);
  CHECK(whipGet->status == 405);
  CHECK(*headerOf(*whipGet, "Allow") == "POST, OPTIONS");
  auto resourcePost = refusedWebRtc(request("POST", "/webrtc/abc"), WebRtcRoute::kResource, false);
  REQUIRE(resourcePost);
  CHECK(resourcePost->status == 405);
  CHECK(*headerOf(*resourcePost, "Allow") == "PATCH, DELETE, OPTIONS");
  auto off = refusedWebRtc(request("POST", "/whep/live/cam"), WebRtcRoute::kWhep, false);
  REQUIRE(off);
  CHECK(off->status == 503);
  CHECK(off->body.find("WebRTC is not enabled") != std::string::npos);
  CHECK_FALSE(refusedWebRtc(request("POST", "/whep/live/cam"), WebRtcRoute::kWhep, true));
  CHECK_FALSE(refusedWebRtc(request("DELETE", "/webrtc/abc"), WebRtcRoute::kResource, true));
  CHECK_FALSE(refusedWebRtc(request("PATCH", "/webrtc/abc"), WebRtcRoute::kResource, true));
}

TEST_CASE("offerResponse: 201 with the answer, Location and ETag; a failure with its status") {
  HttpResponse created = offerResponse(webrtc::WebRtcAnswer{"r1", "v=0 answer", "\"u1\""});
  CHECK(created.status == 201);
  CHECK(created.contentType == "application/sdp");
  CHECK(created.body == "v=0 answer");
  CHECK(*headerOf(created, "Location") == "/webrtc/r1");
  CHECK(*headerOf(created, "ETag") == "\"u1\"");
  for (int status : {400, 401, 403, 404, 409, 503}) {
    HttpResponse failed = offerResponse(SignalingFailure{status, "because"});
    CHECK(failed.status == status);
    CHECK(failed.body.find("because") != std::string::npos);
    CHECK_FALSE(headerOf(failed, "Location"));
  }
}

TEST_CASE("resourceResponse: DELETE ends, PATCH passes If-Match and the fragment") {
  ResourceSignaling signaling;
  CHECK(resourceResponse(signaling, request("DELETE", "/webrtc/r1")).status == 200);
  signaling.endFailure = SignalingFailure{404, "no such session"};
  CHECK(resourceResponse(signaling, request("DELETE", "/webrtc/r2")).status == 404);
  CHECK(signaling.ended == std::vector<std::string>{"r1", "r2"});
  CHECK(resourceResponse(signaling, request("DELETE", "/webrtc/")).status == 404);
  CHECK(resourceResponse(signaling, request("DELETE", "/webrtc/a/b")).status == 404);
  CHECK(resourceResponse(signaling, request("DELETE", "/webrtc/a%2Fb")).status == 404);
  CHECK(resourceResponse(signaling, request("DELETE", "/webrtc/" + std::string(200, 'a'))).status == 404);
  CHECK(signaling.ended.size() == 2);  // ids that cannot exist are not asked about

  HttpRequest patch = request("PATCH", "/webrtc/r1", "application/trickle-ice-sdpfrag", "a=candidate:1");
  patch.headers.emplace_back("if-match", "\"u1\"");
  HttpResponse trickled = resourceResponse(signaling, patch);
  CHECK(trickled.status == 204);
  CHECK(trickled.body.empty());
  REQUIRE(signaling.patched.size() == 1);
  CHECK(signaling.patched[0] ==
        std::make_tuple(std::string("r1"), std::string("\"u1\""), std::string("a=candidate:1")));

  signaling.patchOutcome = webrtc::PatchAnswer{200, "a=ice-ufrag:new", "\"u2\""};
  HttpResponse restarted =
      resourceResponse(signaling, request("PATCH", "/webrtc/r1", "application/trickle-ice-sdpfrag"));
  CHECK(restarted.status == 200);
  CHECK(restarted.contentType == "application/trickle-ice-sdpfrag");
  CHECK(restarted.body == "a=ice-ufrag:new");
  CHECK(*headerOf(restarted, "ETag") == "\"u2\"");
  CHECK(std::get<1>(signaling.patched[1]).empty());  // no If-Match: empty

  signaling.patchOutcome = SignalingFailure{412, "ETag mismatch"};
  CHECK(resourceResponse(signaling, patch).status == 412);
  HttpResponse wrongType = resourceResponse(signaling, request("PATCH", "/webrtc/r1", "application/sdp", "x"));
  CHECK(wrongType.status == 415);
  CHECK(*headerOf(wrongType, "Accept-Patch") == "application/trickle-ice-sdpfrag");
  CHECK(signaling.patched.size() == 3);
}

TEST_CASE("preflightResponse: WHIP/WHEP methods and headers; Accept-Post on /whip and /whep") {
  HttpResponse whip = preflightResponse(WebRtcRoute::kWhip);
  CHECK(whip.status == 204);
  const std::string& methods = *headerOf(whip, "Access-Control-Allow-Methods");
  for (std::string_view method : {"GET", "POST", "PATCH", "DELETE", "OPTIONS"}) {
    CHECK(methods.find(method) != std::string::npos);
  }
  const std::string& headers = *headerOf(whip, "Access-Control-Allow-Headers");
  for (std::string_view header : {"Content-Type", "If-Match", "Authorization"}) {
    CHECK(headers.find(header) != std::string::npos);
  }
  CHECK(*headerOf(whip, "Accept-Post") == "application/sdp");
  CHECK(*headerOf(preflightResponse(WebRtcRoute::kWhep), "Accept-Post") == "application/sdp");
  CHECK_FALSE(headerOf(preflightResponse(WebRtcRoute::kResource), "Accept-Post"));
  CHECK_FALSE(headerOf(preflightResponse(WebRtcRoute::kNone), "Accept-Post"));
}

}  // namespace
}  // namespace rtsedge::http
