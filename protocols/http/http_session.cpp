#include "protocols/http/http_session.h"

#include <spdlog/spdlog.h>

#include "protocols/flv/flv_mux.h"
#include "protocols/http/api.h"

namespace rtsedge::http {

namespace {
constexpr Millis kCloseFlushTimeout{2000};
constexpr Millis kStreamPollInterval{100};

bool isFlvPath(const std::string& path) { return path.size() > 4 && path.ends_with(".flv"); }

bool flag(const HttpRequest& request, std::string_view name) {
  auto value = request.queryParam(name);
  return value && (*value == "1" || *value == "true");
}
}  // namespace

HttpSession::HttpSession(HttpContext& context, std::unique_ptr<uv::TcpConnection> connection, Listener& listener)
    : context_(context),
      connection_(std::move(connection)),
      listener_(listener),
      id_(context.clients.add(*this)),
      since_(context.clock.now()),
      parser_(HttpLimits{context.settings.maxRequestLine, context.settings.maxHeaderSize,
                         context.settings.maxBodySize}),
      queue_(EgressQueueLimits{context.viewers.queueSoftLimit, context.viewers.queueHardLimit}, context.clock),
      timer_(context.loop, [this] { onTimer(); }) {
  connection_->setListener(this);
}

HttpSession::~HttpSession() {
  context_.clients.remove(id_);
  subscriber_.reset();
  timer_.close();
  connection_->close();
}

void HttpSession::start() {
  armTimer(context_.settings.keepaliveTimeout);
  if (Status status = connection_->startReading(); !status) {
    close(CloseReason::kPeerClosed, status.error().message());
  }
}

ClientInfo HttpSession::clientInfo() const {
  return ClientInfo{.id = id_,
                    .protocol = "http-flv",
                    .role = role_,
                    .stream = streamKey_ ? streamKey_->key() : std::string(),
                    .remote = connection_->peer(),
                    .since = since_,
                    .bytesReceived = bytesReceived_,
                    .bytesSent = connection_->bytesWritten()};
}

void HttpSession::armTimer(Millis timeout, Millis repeat) { timer_.start(timeout, repeat); }

void HttpSession::onTimer() {
  switch (phase_) {
    case Phase::kReading:
      if (partialRequest_) {
        respond(errorResponse(408, "request not complete in time"), false, CloseReason::kTimeout);
      } else {
        close(CloseReason::kTimeout, "idle keep-alive connection");
      }
      break;
    case Phase::kWaitingForStream:
      checkStream();
      break;
    case Phase::kClosing: {
      auto [reason, detail] = *pendingClose_;
      close(reason, detail + " (not flushed in time)");
      break;
    }
    case Phase::kResponding:
    case Phase::kStreaming:
    case Phase::kClosed:
      break;
  }
}

void HttpSession::onTcpData(std::span<const uint8_t> data) {
  bytesReceived_ += data.size();
  context_.metrics.bytesReceived.inc(data.size());
  if (done() || phase_ == Phase::kStreaming || phase_ == Phase::kWaitingForStream) {
    return;  // a player says nothing more; pipelined requests after a stream are not served
  }
  if (auto failure = parser_.feed(data, parsed_)) {
    parsed_.clear();
    spdlog::warn("http#{} {}: {} {}", id_, connection_->peer(), failure->status, failure->reason);
    phase_ = Phase::kReading;
    requests_.clear();
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
      armTimer(context_.settings.requestTimeout);
    }
    return;
  }
  nextRequest();
}

void HttpSession::nextRequest() {
  if (requests_.empty()) {
    partialRequest_ = false;
    armTimer(context_.settings.keepaliveTimeout);
    return;
  }
  current_ = std::move(requests_.front());
  requests_.pop_front();
  partialRequest_ = false;
  timer_.stop();
  const HttpRequest& request = *current_;
  bool keepAlive = request.keepAlive;
  if (request.method == "OPTIONS") {
    HttpResponse preflight{204, "", "", {{"Access-Control-Allow-Methods", "GET, HEAD, POST, DELETE, OPTIONS"},
                                         {"Access-Control-Allow-Headers", "*"},
                                         {"Access-Control-Max-Age", "86400"}}};
    respond(preflight, keepAlive);
  } else if (isFlvPath(request.path) && (request.method == "GET" || request.method == "HEAD")) {
    play();
  } else {
    HttpResponse response = context_.api.handle(request);
    if (!done()) {  // a DELETE of our own client id closes us
      respond(response, keepAlive);
    }
  }
}

void HttpSession::respond(const HttpResponse& response, bool keepAlive, CloseReason closeReason) {
  bool head = current_ && current_->method == "HEAD";
  phase_ = Phase::kResponding;
  queue_.pushControl(responseHead(HeadOptions{response.status, response.contentType, response.body.size(), false,
                                              keepAlive, &response.headers}));
  if (!head && !response.body.empty()) {
    queue_.pushControl(Bytes::copyOf(response.body));
  }
  if (!keepAlive) {
    closeAfterFlush(closeReason, fmt::format("{} sent, connection: close", response.status));
    return;
  }
  flush();
}

void HttpSession::play() {
  const HttpRequest& request = *current_;
  std::string_view path = std::string_view(request.path).substr(1, request.path.size() - 5);
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
  phase_ = Phase::kWaitingForStream;
  waitingSince_ = context_.clock.now();
  checkStream();
}

void HttpSession::checkStream() {
  Stream* stream = context_.hub.find(streamKey_->key());
  if (stream != nullptr && stream->hasSource()) {
    timer_.stop();
    startStreaming(*stream);
  } else if (context_.clock.now() - waitingSince_ >= context_.settings.playWait) {
    timer_.stop();
    respond(errorResponse(404, "stream " + streamKey_->key() + " is not live"), current_->keepAlive);
  } else {
    armTimer(kStreamPollInterval);
  }
}

void HttpSession::startStreaming(Stream& stream) {
  const HttpRequest& request = *current_;
  if (request.method == "HEAD") {  // the head a GET would get, without the stream
    phase_ = Phase::kResponding;
    queue_.pushControl(responseHead(HeadOptions{200, "video/x-flv", std::nullopt, true, request.keepAlive, nullptr}));
    if (!request.keepAlive) {
      closeAfterFlush(CloseReason::kPeerClosed, "HEAD answered, connection: close");
      return;
    }
    flush();
    return;
  }
  chunked_ = request.versionMajor > 1 || (request.versionMajor == 1 && request.versionMinor >= 1);
  phase_ = Phase::kStreaming;
  role_ = "player";
  context_.metrics.sessionsIn(role_).add(1);
  spdlog::info("http#{} {}: playing {}.flv", id_, connection_->peer(), streamKey_->key());
  queue_.pushControl(responseHead(HeadOptions{200, "video/x-flv", std::nullopt, chunked_, chunked_, nullptr}));
  muxer_ = std::make_unique<FlvMuxer>(chunked_);
  bool audio = filter_.audio && (stream.audioConfig() || !stream.videoConfig());
  bool video = filter_.video && (stream.videoConfig() || !stream.audioConfig());
  queue_.pushControl(muxer_->frameBody(flv::fileHeader(audio, video)));
  subscriber_ = std::make_unique<EgressSubscriber>(stream, queue_, *muxer_, filter_,
                                                   static_cast<EgressSubscriber::Listener&>(*this));
  flush();
}

void HttpSession::onEgressSkipped() { context_.metrics.viewerSkips.inc(); }

void HttpSession::onEgressOverflow() {
  close(CloseReason::kSlowViewer, fmt::format("a write was stuck for over {} ms",
                                              context_.viewers.queueHardLimit.count()));
}

void HttpSession::onEgressStreamEnded() {
  if (chunked_) {
    queue_.pushControl(lastChunk());
  }
  closeAfterFlush(CloseReason::kStreamEnded, "no source within the grace period");
}

void HttpSession::flush() {
  if (phase_ == Phase::kClosed || connection_->writing()) {
    return;
  }
  queue_.takeBatch(batch_);
  if (!batch_.empty()) {
    for (const Bytes& bytes : batch_) {
      context_.metrics.bytesSent.inc(bytes.size());
    }
    connection_->write(batch_);
  } else if (pendingClose_) {
    auto [reason, detail] = *pendingClose_;
    close(reason, detail);
  } else if (phase_ == Phase::kResponding) {
    phase_ = Phase::kReading;  // the response is out: the next keep-alive request
    current_.reset();
    nextRequest();
  }
}

void HttpSession::onTcpWriteDone() {
  queue_.onBatchWritten();
  flush();
}

void HttpSession::onTcpClosed(std::string_view reason) { close(CloseReason::kPeerClosed, reason); }

void HttpSession::closeAfterFlush(CloseReason reason, std::string detail) {
  if (done()) {
    return;
  }
  phase_ = Phase::kClosing;
  pendingClose_.emplace(reason, std::move(detail));
  connection_->stopReading();
  armTimer(kCloseFlushTimeout);
  flush();
}

void HttpSession::close(CloseReason reason, std::string_view detail) {
  if (phase_ == Phase::kClosed) {
    return;
  }
  bool quiet = reason == CloseReason::kPeerClosed || reason == CloseReason::kTimeout;
  spdlog::log(quiet && role_ == "none" ? spdlog::level::debug : spdlog::level::info, "http#{} {} {}: closed ({}): {}",
              id_, connection_->peer(), streamKey_ ? streamKey_->key() : "-", closeReasonName(reason), detail);
  context_.metrics.closed(reason);
  if (subscriber_) {
    context_.metrics.sessionsIn(role_).add(-1);
    subscriber_.reset();
  }
  phase_ = Phase::kClosed;
  timer_.close();
  connection_->close();
  context_.clients.remove(id_);
  listener_.onHttpSessionClosed(*this);
}

}  // namespace rtsedge::http
