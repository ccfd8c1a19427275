#include "protocols/srt/srt_session.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "protocols/mpegts/ts_types.h"
#include "protocols/srt/srt_receive.h"
#include "relay/config_values.h"

namespace rtsedge::srt {

namespace {
constexpr Millis kTickInterval{1000};
constexpr Millis kStreamPollInterval{20};  // a pulled stream starts in a few ms: answer soon
}  // namespace

SrtSession::SrtSession(SrtContext& context, SRTSOCKET socket, std::string peer, SrtStreamId request, Listener& listener)
    : context_(context),
      socket_(socket),
      peer_(std::move(peer)),
      request_(std::move(request)),
      listener_(listener),
      id_(context.clients.add(*this)),
      since_(context.clock.now()),
      role_(context.metrics),
      timer_(context.loop, [this] { onTick(); }),
      access_(context.access),
      queue_(EgressQueueLimits{context.viewers.queueSoftLimit, context.viewers.queueHardLimit}, context.clock),
      sender_(queue_, context.settings.payloadSize) {}

SrtSession::~SrtSession() {
  // The server closes a session before it destroys it; this is for a session never started.
  if (!closed_) {
    context_.poller.remove(socket_);
    srt_close(socket_);
    context_.clients.remove(id_);
  }
}

ClientInfo SrtSession::clientInfo() const {
  return ClientInfo{.id = id_,
                    .protocol = context_.metrics.protocol,
                    .role = role_.name(),
                    .stream = request_.key.key(),
                    .remote = peer_,
                    .since = since_,
                    .bytesReceived = bytesReceived_,
                    .bytesSent = sender_.bytesSent(),
                    .transport = describe(transport_)};
}

void SrtSession::start() {
  security::AccessAction action =
      request_.mode == SrtMode::kPublish ? security::AccessAction::kPublish : security::AccessAction::kPlay;
  security::AccessRequest access{action, request_.key, std::string(security::hostOfPeer(peer_)), "srt", id_};
  access_.ask(access, [this](const security::AccessDecision& decision) {
    if (closed_) {
      return;
    }
    if (!decision.allowed()) {
      close(CloseReason::kRefused, decision.detail);  // the handshake's rule check passed; a hook said no
      return;
    }
    begin();
  });
}

void SrtSession::begin() {
  if (Status admitted = context_.hub.admit(request_.key.key(), request_.mode != SrtMode::kPublish); !admitted) {
    close(CloseReason::kTooMany, admitted.error().message());
    return;
  }
  int events = request_.mode == SrtMode::kPublish ? SRT_EPOLL_IN | SRT_EPOLL_ERR : SRT_EPOLL_OUT | SRT_EPOLL_ERR;
  if (Status added = context_.poller.add(socket_, events, *this); !added) {
    close(CloseReason::kShutdown, added.error().message());
    return;
  }
  timer_.start(kTickInterval, kTickInterval);
  if (request_.mode == SrtMode::kPublish) {
    startPublishing();
  } else {
    queue_.startTiming(context_.metrics.egressTimings(context_.viewers.playerBuffer));
    waitForStream();
  }
}

void SrtSession::startPublishing() {
  publisher_ = std::make_unique<mpegts::TsPublisher>(context_.clock, context_.metrics.framesReceived,
                                                     static_cast<StreamSource::Listener&>(*this));
  Stream& stream = context_.hub.acquire(request_.key.key());
  Status attached = publisher_->attachTo(stream);
  if (attached) {
    attached = context_.hub.published(stream, request_.key);  // forwarded upstream where the node has one
  }
  if (!attached) {
    close(CloseReason::kRefused, attached.error().message());
    return;
  }
  role_.set("publisher");
  lastMedia_ = context_.clock.now();
  spdlog::info("srt#{} {}: publishing {}", id_, peer_, request_.key.key());
}

void SrtSession::waitForStream() {
  if (closed_) {
    return;
  }
  if (Status demanded = context_.hub.demand(request_.key); !demanded) {  // starts a pull on an edge
    close(CloseReason::kRefused, demanded.error().message());
    return;
  }
  Stream* stream = context_.hub.find(request_.key.key());
  if (stream != nullptr && stream->playable()) {
    startPlaying(*stream);
  } else if (context_.clock.now() - since_ >= context_.settings.playWait) {
    close(CloseReason::kRefused, "stream " + request_.key.key() + " is not live");
  } else {
    timer_.start(kStreamPollInterval, kTickInterval);
  }
}

void SrtSession::startPlaying(Stream& stream) {
  role_.set("player");
  spdlog::info("srt#{} {}: playing {}", id_, peer_, request_.key.key());
  muxer_ = std::make_unique<mpegts::TsMuxer>(stream);
  subscriber_ = std::make_unique<EgressSubscriber>(stream, queue_, *muxer_, TrackFilter{},
                                                   static_cast<EgressSubscriber::Listener&>(*this));
  timer_.start(kTickInterval, kTickInterval);
  send();
}

void SrtSession::onSrtEvents(int events) {
  if (closed_) {
    return;
  }
  if ((events & SRT_EPOLL_IN) != 0 && publisher_) {
    receive();
  }
  if ((events & SRT_EPOLL_OUT) != 0 && subscriber_) {
    send();
  }
  if (!closed_ && (events & SRT_EPOLL_ERR) != 0) {
    SRT_SOCKSTATUS state = srt_getsockstate(socket_);
    if (state == SRTS_BROKEN || state == SRTS_CLOSED || state == SRTS_NONEXIST) {
      close(CloseReason::kPeerClosed, "connection lost");
    }
  }
}

void SrtSession::receive() {
  Received end = receiveMessages(socket_, [this](std::span<const uint8_t> message) {
    bytesReceived_ += message.size();
    context_.metrics.bytesReceived.inc(static_cast<double>(message.size()));
    uint64_t framesBefore = publisher_->stats().framesPublished;
    publisher_->feed(message);
    if (publisher_->stats().framesPublished != framesBefore) {
      lastMedia_ = context_.clock.now();
    }
    return !closed_;
  });
  if (end == Received::kFailed) {
    failed("receive");
  }
}

void SrtSession::send() {
  if (closed_) {
    return;
  }
  uint64_t before = sender_.bytesSent();
  bool ok = sender_.send(socket_);
  context_.metrics.bytesSent.inc(static_cast<double>(sender_.bytesSent() - before));
  if (!ok) {
    failed("send");
  }
}

void SrtSession::onTick() {
  if (closed_) {
    return;
  }
  if (role_.none() && request_.mode == SrtMode::kRequest) {
    waitForStream();
    return;
  }
  recordTransportStats();
  if (publisher_ && context_.clock.now() - lastMedia_ >= context_.settings.idleTimeout) {
    const auto& demux = publisher_->demuxStats();
    close(CloseReason::kTimeout, fmt::format("no media for {} ({} TS packets, {} bytes skipped, program {})",
                                             formatDuration(context_.settings.idleTimeout), demux.packets,
                                             demux.skippedBytes, publisher_->hasProgram() ? "found" : "not found"));
  }
}

void SrtSession::recordTransportStats() {
  if (auto now = readTransportStats(socket_)) {
    context_.srtMetrics.record(transport_, *now);
    transport_ = *now;
  }
  if (publisher_) {
    context_.srtMetrics.recordIngest(recordedDemux_, publisher_->demuxStats(), recordedIngest_, publisher_->stats());
    recordedDemux_ = publisher_->demuxStats();
    recordedIngest_ = publisher_->stats();
  }
}

void SrtSession::failed(std::string_view what) {
  int error = srt_getlasterror(nullptr);
  bool lost = error == SRT_ECONNLOST || error == SRT_ENOCONN || error == SRT_EINVSOCK;
  close(lost ? CloseReason::kPeerClosed : CloseReason::kProtocolError,
        fmt::format("{}: {}", what, srt_getlasterror_str()));
}

void SrtSession::onEgressSkipped() {
  context_.metrics.viewerSkips.inc();
}

void SrtSession::onEgressOverflow() {
  close(CloseReason::kSlowViewer,
        fmt::format("a send was stuck for over {}", formatDuration(context_.viewers.queueHardLimit)));
}

void SrtSession::onEgressStreamEnded() {
  subscriber_.reset();
  close(CloseReason::kStreamEnded, "no source within the grace period");
}

void SrtSession::onPublisherReplaced() {
  close(CloseReason::kReplaced, "another publisher took the stream");
}

void SrtSession::close(CloseReason reason, std::string_view detail) {
  if (closed_) {
    return;
  }
  closed_ = true;
  if (publisher_) {
    publisher_->finish();
    const auto& demux = publisher_->demuxStats();
    const auto& ingest = publisher_->stats();
    if (demux.continuityErrors + demux.brokenPes + demux.syncLosses + ingest.framesDropped > 0) {
      spdlog::info("srt#{} {}: ingest losses: {} continuity errors, {} broken PES, {} resyncs, {} frames dropped", id_,
                   peer_, demux.continuityErrors, demux.brokenPes, demux.syncLosses, ingest.framesDropped);
    }
  }
  recordTransportStats();
  access_.ended();
  context_.metrics.logClose(id_, peer_, request_.key.key(), !role_.none(), reason, detail);
  queue_.finishTiming();
  subscriber_.reset();
  publisher_.reset();
  role_.set("none");
  timer_.close();
  context_.poller.remove(socket_);
  srt_close(socket_);
  context_.clients.remove(id_);
  listener_.onSessionClosed(*this);
}

}  // namespace rtsedge::srt
