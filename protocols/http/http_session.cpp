#include "protocols/http/http_session.h"

#include <spdlog/spdlog.h>

#include "protocols/flv/flv_mux.h"
#include "protocols/http/api.h"
#include "relay/config_values.h"

namespace rtsedge::http {

namespace {
constexpr Millis kStreamPollInterval{20};  // a pulled stream starts in a few ms: answer soon

// The egress format a play path asks for: /{app}/{name}.flv or .ts.
enum class PlayFormat { kNone, kFlv, kTs };

PlayFormat playFormatOf(const std::string& path) {
  if (path.size() > 4 && path.ends_with(".flv")) {
    return PlayFormat::kFlv;
  }
  if (path.size() > 3 && path.ends_with(".ts")) {
    return PlayFormat::kTs;
  }
  return PlayFormat::kNone;
}

std::string_view contentTypeOf(bool ts) {
  return ts ? "video/mp2t" : "video/x-flv";
}

bool flag(const HttpRequest& request, std::string_view name) {
  auto value = request.queryParam(name);
  return value && (*value == "1" || *value == "true");
}
}  // namespace

HttpSession::HttpSession(HttpContext& context, std::unique_ptr<uv::TcpConnection> connection,
                         TcpSession::Listener& listener)
    : TcpSession(TcpSession::Context::of(context), std::move(connection), listener),
      context_(context),
      parser_(
          HttpLimits{context.settings.maxRequestLine, context.settings.maxHeaderSize, context.settings.maxBodySize}),
      timer_(context.loop, [this] { onTimer(); }),
      access_(context.access) {}

HttpSession::~HttpSession() {
  onClose();
}

void HttpSession::onClose() {
  offer_.reset();  // withdrawn: its answer never comes
  subscriber_.reset();
  access_.ended();
  timer_.close();
}

void HttpSession::start() {
  timer_.start(context_.settings.keepaliveTimeout);
  if (Status status = connection().startReading(); !status) {
    close(CloseReason::kPeerClosed, status.error().message());
  }
}

void HttpSession::onTimer() {
  switch (phase_) {
    case Phase::kReading:
      if (partialRequest_) {
        respond(errorResponse(408, "request not complete in time"), false, CloseReason::kTimeout);
      } else {
        close(CloseReason::kIdle, "idle keep-alive connection");
      }
      break;
    case Phase::kWaitingForStream: checkStream(); break;
    case Phase::kResponding:
    case Phase::kAuthorizing:  // the hook's own timeout bounds the wait
    case Phase::kSignaling:    // so does Signaling's
    case Phase::kStreaming: break;
  }
}

void HttpSession::onTcpData(std::span<const uint8_t> data) {
  countReceived(data.size());
  if (closing() || phase_ == Phase::kStreaming || phase_ == Phase::kWaitingForStream) {
    return;  // a player says nothing more; pipelined requests after a stream are not served
  }
  if (auto failure = parser_.feed(data, parsed_)) {
    parsed_.clear();
    spdlog::warn("{}#{} {}: {} {}", metrics().protocol, id(), connection().peer(), failure->status, failure->reason);
    phase_ = Phase::kReading;
    requests_.clear();
    metrics().protocolErrors.labels({metrics().protocol, "request"}).inc();
    respond(errorResponse(failure->status, failure->reason), false, CloseReason::kProtocolError);
    return;
  }
  for (HttpRequest& request : parsed_) {
    requests_.push_back(std::move(request));
  }
  parsed_.clear();
  if (phase_ != Phase::kReading) {
    return;
  }
  if (requests_.empty()) {
    if (!partialRequest_) {
      partialRequest_ = true;  // from the first byte the whole request has request_timeout to arrive
      timer_.start(context_.settings.requestTimeout);
    }
    return;
  }
  nextRequest();
}

void HttpSession::nextRequest() {
  if (requests_.empty()) {
    partialRequest_ = false;
    timer_.start(context_.settings.keepaliveTimeout);
    return;
  }
  current_ = std::move(requests_.front());
  requests_.pop_front();
  partialRequest_ = false;
  timer_.stop();
  const HttpRequest& request = *current_;
  bool keepAlive = request.keepAlive;
  WebRtcRoute webRtc = context_.routes == HttpRoutes::kApi ? WebRtcRoute::kNone : webRtcRouteOf(request.path);
  if (request.method == "OPTIONS") {
    respond(preflightResponse(webRtc), keepAlive);
  } else if (webRtc != WebRtcRoute::kNone) {
    signal(webRtc);
  } else if (playFormatOf(request.path) != PlayFormat::kNone && (request.method == "GET" || request.method == "HEAD") &&
             context_.routes != HttpRoutes::kApi) {
    play();
  } else if (context_.routes == HttpRoutes::kMedia && request.path != "/healthz" && request.path != "/readyz") {
    respond(errorResponse(404, "nothing at " + request.path + " (the API has a listener of its own)"), keepAlive);
  } else {
    HttpResponse response = context_.api.handle(request);
    if (!closing()) {  // a DELETE of our own client id closes us
      respond(response, keepAlive);
    }
  }
}

void HttpSession::respond(const HttpResponse& response, bool keepAlive, CloseReason closeReason) {
  access_.ended();  // a play answered with anything but the stream is over
  bool head = current_ && current_->method == "HEAD";
  phase_ = Phase::kResponding;
  queue().pushControl(responseHead(
      HeadOptions{response.status, response.contentType, response.body.size(), false, keepAlive, &response.headers}));
  if (!head && !response.body.empty()) {
    queue().pushControl(Bytes::copyOf(response.body));
  }
  if (!keepAlive) {
    closeAfterFlush(closeReason, fmt::format("{} sent, connection: close", response.status));
    return;
  }
  flush();
}

void HttpSession::play() {
  const HttpRequest& request = *current_;
  ts_ = playFormatOf(request.path) == PlayFormat::kTs;
  if (ts_) {
    countAs(context_.tsMetrics);
  }
  std::string_view path = std::string_view(request.path);
  path = path.substr(1, path.rfind('.') - 1);
  size_t slash = path.rfind('/');
  auto key = slash == std::string_view::npos ? Result<StreamKey>(Error("no app in the path"))
                                             : parseStreamKey(path.substr(0, slash), path.substr(slash + 1));
  if (!key) {
    respond(errorResponse(400, key.error().message()), request.keepAlive);
    return;
  }
  key->query = request.query;
  streamKey_ = *key;
  filter_ = TrackFilter{!flag(request, "only-audio"), !flag(request, "only-video"), true};
  phase_ = Phase::kAuthorizing;
  security::AccessRequest access{security::AccessAction::kPlay, *key,
                                 std::string(security::hostOfPeer(connection().peer())), metrics().protocol, id()};
  access_.ask(access, [this](const security::AccessDecision& decision) {
    if (closing()) {
      return;
    }
    if (!decision.allowed()) {
      int status = decision.verdict == security::AccessVerdict::kUnauthorized ? 401 : 403;
      respond(errorResponse(status, decision.detail), current_->keepAlive, CloseReason::kRefused);
      return;
    }
    waitForStream();
  });
}

void HttpSession::signal(WebRtcRoute route) {
  const HttpRequest& request = *current_;
  if (auto refused = refusedWebRtc(request, route, context_.signaling != nullptr)) {
    respond(*refused, request.keepAlive);
    return;
  }
  if (route == WebRtcRoute::kResource) {
    HttpResponse response = resourceResponse(*context_.signaling, request);
    spdlog::info("{}#{} {}: {} {}: {}", metrics().protocol, id(), connection().peer(), request.method, request.path,
                 response.status);
    respond(response, request.keepAlive);
    return;
  }
  auto offer = offerOf(request, route);
  if (auto* refused = std::get_if<HttpResponse>(&offer)) {
    respond(*refused, request.keepAlive);
    return;
  }
  startOffer(std::move(std::get<webrtc::WebRtcOffer>(offer)));
}

void HttpSession::startOffer(webrtc::WebRtcOffer offer) {
  offer.peer = connection().peer();
  offer.protocol = connection().tls() ? "https" : "http";
  phase_ = Phase::kSignaling;
  auto pending = context_.signaling->offer(std::move(offer), [this](const webrtc::OfferOutcome& outcome) {
    if (closing()) {
      return;
    }
    HttpResponse response = offerResponse(outcome);
    spdlog::info("{}#{} {}: POST {}: {}", metrics().protocol, id(), connection().peer(), current_->path,
                 response.status);
    respond(response, current_->keepAlive);
  });
  if (phase_ == Phase::kSignaling) {  // not answered yet: dropping `pending` withdraws the offer
    offer_ = std::move(pending);
  }
}

void HttpSession::waitForStream() {
  if (Status admitted = context_.hub.admit(streamKey_->key(), true); !admitted) {
    respond(errorResponse(503, admitted.error().message()), false, CloseReason::kTooMany);
    return;
  }
  phase_ = Phase::kWaitingForStream;
  waitingSince_ = context_.clock.now();
  queue().startTiming(metrics().egressTimings(context_.viewers.playerBuffer));
  checkStream();
}

void HttpSession::checkStream() {
  if (Status demanded = context_.hub.demand(*streamKey_); !demanded) {  // starts a pull on an edge
    timer_.stop();
    respond(errorResponse(404, demanded.error().message()), current_->keepAlive);
    return;
  }
  Stream* stream = context_.hub.find(streamKey_->key());
  if (stream != nullptr && stream->playable()) {
    timer_.stop();
    startStreaming(*stream);
  } else if (context_.clock.now() - waitingSince_ >= context_.settings.playWait) {
    timer_.stop();
    respond(errorResponse(404, "stream " + streamKey_->key() + " is not live"), current_->keepAlive);
  } else {
    timer_.start(kStreamPollInterval);
  }
}

void HttpSession::startStreaming(Stream& stream) {
  const HttpRequest& request = *current_;
  if (request.method == "HEAD") {  // the head a GET would get, without the stream
    phase_ = Phase::kResponding;
    queue().pushControl(
        responseHead(HeadOptions{200, contentTypeOf(ts_), std::nullopt, !ts_, request.keepAlive, nullptr}));
    if (!request.keepAlive) {
      closeAfterFlush(CloseReason::kPeerClosed, "HEAD answered, connection: close");
      return;
    }
    flush();
    return;
  }
  phase_ = Phase::kStreaming;
  setRole("player");
  spdlog::info("{}#{} {}: playing {}", metrics().protocol, id(), connection().peer(), streamKey_->key());
  if (ts_) {
    // TS has no end marker of its own: the body ends when the connection closes, and
    // the packets cached on each frame go out as they are, shared with SRT viewers.
    chunked_ = false;
    filter_ = TrackFilter{};  // the program's PMT lists every track
    queue().pushControl(responseHead(HeadOptions{200, contentTypeOf(true), std::nullopt, false, false, nullptr}));
    muxer_ = std::make_unique<mpegts::TsMuxer>(stream);
  } else {
    chunked_ = request.versionMajor > 1 || (request.versionMajor == 1 && request.versionMinor >= 1);
    queue().pushControl(
        responseHead(HeadOptions{200, contentTypeOf(false), std::nullopt, chunked_, chunked_, nullptr}));
    auto flv = std::make_unique<FlvMuxer>(chunked_);
    bool audio = filter_.audio && (stream.audioConfig() || !stream.videoConfig());
    bool video = filter_.video && (stream.videoConfig() || !stream.audioConfig());
    queue().pushControl(flv->frameBody(flv::fileHeader(audio, video)));
    muxer_ = std::move(flv);
  }
  subscriber_ = std::make_unique<EgressSubscriber>(stream, queue(), *muxer_, filter_,
                                                   static_cast<EgressSubscriber::Listener&>(*this));
  flush();
}

void HttpSession::onEgressSkipped() {
  metrics().viewerSkips.inc();
}

void HttpSession::onEgressOverflow() {
  close(CloseReason::kSlowViewer,
        fmt::format("a write was stuck for over {}", formatDuration(context_.viewers.queueHardLimit)));
}

void HttpSession::onEgressStreamEnded() {
  if (chunked_) {
    queue().pushControl(lastChunk());
  }
  closeAfterFlush(CloseReason::kStreamEnded, "no source within the grace period");
}

void HttpSession::onQueueDrained() {
  if (phase_ == Phase::kResponding) {
    phase_ = Phase::kReading;  // the response is out: the next keep-alive request
    current_.reset();
    offer_.reset();
    nextRequest();
  }
}

}  // namespace rtsedge::http
