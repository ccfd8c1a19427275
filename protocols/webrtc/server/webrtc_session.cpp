#include "protocols/webrtc/server/webrtc_session.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "protocols/webrtc/ice/ice_binding.h"
#include "protocols/webrtc/rtp/rtcp_packet.h"
#include "protocols/webrtc/rtp/rtp_timestamp.h"
#include "protocols/webrtc/server/rtp_frame_blob.h"
#include "relay/config_values.h"
#include "relay/quoted.h"
#include "security/cidr.h"

namespace rtsedge::webrtc {

namespace {
constexpr Millis kStreamPollInterval{20};
constexpr Millis kPublisherTick{20};  // NACKs and congestion feedback want a short period
constexpr Millis kViewerTick{250};
constexpr Millis kSenderReportInterval{1000};
constexpr int64_t kMinResendIntervalUs = 10'000;
constexpr uint64_t kNtpUnixOffset = 2'208'988'800ULL;

uint64_t ntpNow() {
  auto since = std::chrono::system_clock::now().time_since_epoch();
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(since).count();
  uint64_t seconds = static_cast<uint64_t>(micros / 1'000'000) + kNtpUnixOffset;
  uint64_t fraction = (static_cast<uint64_t>(micros % 1'000'000) << 32) / 1'000'000;
  return (seconds << 32) | fraction;
}

sdp::Fingerprint sdpFingerprint(const DtlsFingerprint& fingerprint) {
  sdp::Fingerprint out;
  std::copy_n(fingerprint.digest().begin(), std::min(out.sha256.size(), fingerprint.digest().size()),
              out.sha256.begin());
  return out;
}

std::string roleName(SignalingRole role) {
  return role == SignalingRole::kPublish ? "whip" : "whep";
}
}  // namespace

WebRtcSession::WebRtcSession(WebRtcContext& context, WebRtcOffer offer, sdp::SessionDescription description,
                             std::string resourceId, Owner& owner)
    : context_(context),
      offer_(std::move(offer)),
      description_(std::move(description)),
      resourceId_(std::move(resourceId)),
      owner_(owner),
      id_(context.clients.add(*this)),
      since_(context.clock.now()),
      role_(context.metrics),
      access_(context.access),
      timer_(context.loop, [this] { onTick(); }),
      dtlsTimer_(context.loop, [this] {
        if (dtls_ && state_ == State::kConnecting) {
          if (Status status = dtls_->onTimeout(); !status) {
            context_.webrtcMetrics.handshakes.labels({"dtls_failed"}).inc();
            close(CloseReason::kTimeout, "dtls: " + status.error().message());
            return;
          }
          if (selected_) {
            sendDtlsOutput(*selected_);
          }
          armDtlsTimer();
        }
      }),
      localSsrc_(randomU32()),
      queue_(EgressQueueLimits{context.viewers.queueSoftLimit, context.viewers.queueHardLimit}, context.clock),
      muxer_(rtp::kDefaultRtpPayloadSize),
      videoTimestampBase_(randomU32()),
      audioTimestampBase_(randomU32()),
      videoSsrc_(randomU32()),
      audioSsrc_(randomU32() | 1) {
  if (audioSsrc_ == videoSsrc_) {
    audioSsrc_ ^= 2;
  }
  context_.webrtcMetrics.sessions.add(1);
}

WebRtcSession::~WebRtcSession() {
  // The service closes a session before it lets go of it; this is for one never started.
  if (state_ != State::kClosed) {
    context_.transport.removeEndpoint(*this);
    context_.clients.remove(id_);
    context_.webrtcMetrics.sessions.add(-1);
  }
}

int64_t WebRtcSession::nowUs() const {
  return std::chrono::duration_cast<Micros>(context_.clock.now().time_since_epoch()).count();
}

ClientInfo WebRtcSession::clientInfo() const {
  std::vector<std::pair<std::string, double>> transport{{"rtt_ms", static_cast<double>(rttUs_) / 1000.0}};
  if (ingest_) {
    transport.emplace_back("packets_received", static_cast<double>(ingest_->stats().packets));
    transport.emplace_back("packets_lost", static_cast<double>(ingest_->packetsLost()));
    transport.emplace_back("nacks_sent", static_cast<double>(ingest_->nacksSent()));
    transport.emplace_back("plis_sent", static_cast<double>(ingest_->plisSent()));
  } else {
    transport.emplace_back("packets_sent", static_cast<double>((video_ ? video_->packets() : 0) +
                                                               (audio_ ? audio_->packets() : 0)));
    transport.emplace_back("nacks_received", static_cast<double>(nacksReceived_));
    transport.emplace_back("packets_retransmitted", static_cast<double>(retransmitted_));
    transport.emplace_back("plis_received", static_cast<double>(plisReceived_));
  }
  return ClientInfo{.id = id_,
                    .protocol = context_.metrics.protocol,
                    .role = role_.name(),
                    .stream = offer_.key.key(),
                    .remote = selected_ ? formatStunAddress(*selected_) : offer_.peer,
                    .since = since_,
                    .bytesReceived = bytesReceived_,
                    .bytesSent = bytesSent_,
                    .transport = std::move(transport)};
}

void WebRtcSession::start(std::function<void(OfferOutcome)> done) {
  done_ = std::move(done);
  if (offer_.role == SignalingRole::kPlay) {
    // A WHEP viewer's first-frame time counts from its offer: ICE and DTLS are part of it.
    queue_.startTiming(context_.metrics.egressTimings(context_.viewers.playerBuffer));
  }
  security::AccessAction action =
      offer_.role == SignalingRole::kPublish ? security::AccessAction::kPublish : security::AccessAction::kPlay;
  security::AccessRequest request{action, offer_.key, std::string(security::hostOfPeer(offer_.peer)),
                                  context_.metrics.protocol, id_};
  access_.ask(request, [this](const security::AccessDecision& decision) {
    if (state_ == State::kClosed) {
      return;
    }
    if (!decision.allowed()) {
      int status = decision.verdict == security::AccessVerdict::kUnauthorized ? 401 : 403;
      fail(status, decision.detail, CloseReason::kRefused);
      return;
    }
    authorized();
  });
}

void WebRtcSession::withdraw() {
  done_ = nullptr;
  if (state_ == State::kAuthorizing || state_ == State::kWaitingForStream) {
    close(CloseReason::kPeerClosed, "the HTTP client left before its answer");
  }
}

void WebRtcSession::fail(int status, std::string reason, CloseReason closeReason) {
  auto done = std::exchange(done_, nullptr);
  close(closeReason, reason);
  if (done) {
    done(SignalingFailure{status, std::move(reason)});
  }
}

void WebRtcSession::authorized() {
  bool viewer = offer_.role == SignalingRole::kPlay;
  if (Status admitted = context_.hub.admit(offer_.key.key(), viewer); !admitted) {
    fail(503, admitted.error().message(), CloseReason::kTooMany);
    return;
  }
  if (!viewer) {
    if (Stream* stream = context_.hub.find(offer_.key.key()); stream != nullptr && stream->hasSource()) {
      fail(409, "stream " + offer_.key.key() + " is already being published", CloseReason::kRefused);
      return;
    }
    answer();
    return;
  }
  state_ = State::kWaitingForStream;
  waitForStream();
}

void WebRtcSession::waitForStream() {
  if (Status demanded = context_.hub.demand(offer_.key); !demanded) {  // starts a pull on an edge
    fail(404, demanded.error().message(), CloseReason::kRefused);
    return;
  }
  Stream* stream = context_.hub.find(offer_.key.key());
  if (stream != nullptr && stream->playable()) {
    answer();
  } else if (context_.clock.now() - since_ >= context_.playWait) {
    fail(404, "stream " + offer_.key.key() + " is not live", CloseReason::kRefused);
  } else {
    timer_.start(kStreamPollInterval);
  }
}

void WebRtcSession::answer() {
  auto answer = negotiate();
  if (!answer) {
    fail(400, answer.error().message(), CloseReason::kProtocolError);
    return;
  }
  state_ = State::kConnecting;
  timer_.start(offer_.role == SignalingRole::kPublish ? kPublisherTick : kViewerTick,
               offer_.role == SignalingRole::kPublish ? kPublisherTick : kViewerTick);
  spdlog::info("webrtc#{} {}: {} {} answered, waiting for ICE", id_, offer_.peer, roleName(offer_.role),
               offer_.key.key());
  if (auto done = std::exchange(done_, nullptr)) {
    done(std::move(*answer));
  }
}

Result<WebRtcAnswer> WebRtcSession::negotiate() {
  auto credentials = generateIceCredentials();
  if (!credentials) {
    return credentials.error();
  }
  local_ = std::move(*credentials);
  sdp::AnswerOptions options;
  options.iceUfrag = local_.ufrag;
  options.icePwd = local_.pwd;
  options.fingerprint = sdpFingerprint(context_.certificate->fingerprint());
  options.candidates = context_.transport.candidates();
  options.sessionId = (static_cast<uint64_t>(randomU32()) << 31) | randomU32();
  options.cname = "rtsedge";
  options.msidStream = offer_.key.name;
  if (offer_.role == SignalingRole::kPlay) {
    options.role = sdp::Role::kPlay;
    Stream* stream = context_.hub.find(offer_.key.key());
    const TrackConfigPtr& video = stream != nullptr ? stream->videoConfig() : nullptr;
    if (!video) {
      options.videoCodecs = {};
    } else if (video->codec == Codec::kH264) {
      options.videoCodecs = {sdp::VideoCodec::kH264};
    } else {
      return Error(fmt::format("stream {} has {} video, which WebRTC viewers here do not get yet",
                               offer_.key.key(), codecName(video->codec)));
    }
    options.videoSsrc = videoSsrc_;
    options.audioSsrc = audioSsrc_;
  } else {
    options.role = sdp::Role::kPublish;
    options.videoCodecs = {sdp::VideoCodec::kH264};
  }
  auto answer = sdp::buildAnswer(description_, options);
  if (!answer) {
    return answer.error();
  }
  if (answer->remoteFingerprints.empty()) {
    return Error("the offer has no sha-256 fingerprint");
  }
  auto expected = DtlsFingerprint::parse(answer->remoteFingerprints.front().toString());
  if (!expected) {
    return expected.error();
  }
  auto dtls = DtlsSession::create(*context_.certificate, std::move(*expected));
  if (!dtls) {
    return dtls.error();
  }
  dtls_ = std::move(*dtls);

  IngestTracks tracks;
  for (const sdp::NegotiatedMedia& media : answer->media) {
    if (!media.accepted) {
      continue;
    }
    bool video = media.kind == sdp::MediaKind::kVideo;
    if (offer_.role == SignalingRole::kPlay) {
      RtpTrackSenderSettings settings{.ssrc = video ? videoSsrc_ : audioSsrc_,
                                      .payloadType = media.codec.payloadType,
                                      .clockRate = video ? rtp::kVideoClockRate : rtp::kOpusClockRate,
                                      .historyUs = context_.settings.nackHistory.count() * 1000};
      (video ? video_ : audio_) = std::make_unique<RtpTrackSender>(settings);
    } else if (video) {
      tracks.videoPayloadType = media.codec.payloadType;
      tracks.videoRtxPayloadType = media.rtxPayloadType;
    } else {
      tracks.audioPayloadType = media.codec.payloadType;
      tracks.audioChannels = media.codec.channels == 0 ? 2 : media.codec.channels;
    }
    for (const sdp::Extmap& extension : media.extensions) {
      if (extension.uri == sdp::kExtensionTransportCc) {
        tracks.transportCcId = static_cast<uint8_t>(extension.id);
      }
    }
  }
  if (offer_.role == SignalingRole::kPublish) {
    ingest_ = std::make_unique<WebRtcIngest>(tracks, localSsrc_, context_.clock,
                                             static_cast<StreamSource::Listener&>(*this));
  }
  if (!context_.transport.addEndpoint(local_.ufrag, *this)) {
    return Error("ICE ufrag collision");
  }
  etag_ = "\"" + local_.ufrag + "\"";
  return WebRtcAnswer{resourceId_, std::move(answer->sdp), etag_};
}

PatchOutcome WebRtcSession::patch(std::string_view ifMatch, std::string_view fragment) {
  if (!ifMatch.empty() && ifMatch != "*" && ifMatch != etag_) {
    return SignalingFailure{412, "If-Match " + quoted(ifMatch) + " is not the ICE session's ETag " + etag_};
  }
  // An ICE-lite server learns the peer's addresses from its checks: trickled candidates
  // need no action. A fragment with new ice-ufrag/ice-pwd asks for an ICE restart.
  if (fragment.find("a=ice-ufrag:") != std::string_view::npos) {
    return SignalingFailure{422, "ICE restart is not supported: create a new session"};
  }
  return PatchAnswer{204, "", etag_};
}

void WebRtcSession::onStun(const StunMessage& message, const StunAddress& from) {
  if (state_ != State::kConnecting && state_ != State::kConnected) {
    return;
  }
  IceBindingCheck check = checkIceBindingRequest(message, local_.ufrag, local_.pwd);
  if (auto reply = answerIceBindingRequest(message, check, from, local_.pwd)) {
    context_.transport.send(reply->span(), from);
  }
  if (!check.accepted()) {
    context_.webrtcMetrics.dropped("stun_refused").inc();
    spdlog::debug("webrtc#{} {}: ICE check refused: {}", id_, formatStunAddress(from), check.reason);
    return;
  }
  lastConsent_ = context_.clock.now();
  context_.transport.bindAddress(from, *this);
  if (!selected_ || (check.request.useCandidate && *selected_ != from)) {
    if (!selected_) {
      spdlog::info("webrtc#{} {}: ICE connected from {}", id_, offer_.peer, formatStunAddress(from));
    }
    selected_ = from;
  }
}

void WebRtcSession::onMedia(PacketKind kind, std::span<uint8_t> data, const StunAddress& from) {
  bytesReceived_ += data.size();
  context_.metrics.bytesReceived.inc(static_cast<double>(data.size()));
  switch (kind) {
    case PacketKind::kDtls: onDtls(data, from); break;
    case PacketKind::kRtp: onRtp(data); break;
    case PacketKind::kRtcp: onRtcp(data); break;
    case PacketKind::kStun:
    case PacketKind::kUnknown: break;
  }
}

void WebRtcSession::onDtls(std::span<const uint8_t> data, const StunAddress& from) {
  if (!dtls_ || state_ == State::kClosed) {
    return;
  }
  auto event = dtls_->feed(data);
  sendDtlsOutput(from);
  if (!event) {
    context_.webrtcMetrics.handshakes.labels({"dtls_failed"}).inc();
    close(CloseReason::kProtocolError, "dtls: " + event.error().message());
    return;
  }
  if (*event == DtlsEvent::kConnected && state_ == State::kConnecting) {
    connected();
  } else if (*event == DtlsEvent::kClosed) {
    close(CloseReason::kPeerClosed, "the peer closed DTLS");
    return;
  }
  armDtlsTimer();
}

void WebRtcSession::sendDtlsOutput(const StunAddress& to) {
  for (const std::vector<uint8_t>& datagram : dtls_->takeDatagrams()) {
    bytesSent_ += datagram.size();
    context_.transport.send(datagram, to);
  }
}

void WebRtcSession::armDtlsTimer() {
  auto next = dtls_ && state_ == State::kConnecting ? dtls_->nextTimeout() : std::nullopt;
  if (!next) {
    dtlsTimer_.stop();
    return;
  }
  dtlsTimer_.start(std::chrono::ceil<Millis>(*next));
}

void WebRtcSession::connected() {
  auto srtp = SrtpSession::create(*dtls_->srtpKeys());
  if (!srtp) {
    context_.webrtcMetrics.handshakes.labels({"dtls_failed"}).inc();
    close(CloseReason::kProtocolError, "srtp: " + srtp.error().message());
    return;
  }
  srtp_ = std::move(*srtp);
  state_ = State::kConnected;
  dtlsTimer_.stop();
  context_.webrtcMetrics.handshakes.labels({"connected"}).inc();
  auto elapsed = std::chrono::duration_cast<Millis>(context_.clock.now() - since_);
  spdlog::info("webrtc#{} {}: DTLS connected ({}) {} after the offer", id_, offer_.peer,
               nameOf(dtls_->srtpKeys()->profile), formatDuration(elapsed));
  if (offer_.role == SignalingRole::kPlay) {
    startPlaying();
  } else {
    startPublishing();
  }
}

void WebRtcSession::startPlaying() {
  Stream* stream = context_.hub.find(offer_.key.key());
  if (stream == nullptr || !stream->hasSource()) {
    close(CloseReason::kStreamEnded, "the stream ended before the viewer connected");
    return;
  }
  if (!stream->gopCache().frames().empty()) {
    joinPtsUs_ = stream->gopCache().frames().back()->ptsUs;
  }
  role_.set("player");
  spdlog::info("webrtc#{} {}: playing {}", id_, offer_.peer, offer_.key.key());
  subscriber_ = std::make_unique<EgressSubscriber>(*stream, queue_, muxer_, TrackFilter{},
                                                   static_cast<EgressSubscriber::Listener&>(*this));
  sendQueued();
}

void WebRtcSession::startPublishing() {
  Stream& stream = context_.hub.acquire(offer_.key.key());
  Status attached = ingest_->attachTo(stream);
  if (attached) {
    attached = context_.hub.published(stream, offer_.key);  // forwarded upstream where the node has one
  }
  if (!attached) {
    close(CloseReason::kRefused, attached.error().message());
    return;
  }
  role_.set("publisher");
  spdlog::info("webrtc#{} {}: publishing {}", id_, offer_.peer, offer_.key.key());
}

void WebRtcSession::sendQueued() {
  if (state_ != State::kConnected || !selected_) {
    return;
  }
  queue_.takeBatch(batch_);
  if (batch_.empty()) {
    return;
  }
  int64_t now = nowUs();
  for (const Bytes& blob : batch_) {
    sendFrame(blob, now);
  }
  batch_.clear();
  queue_.onBatchWritten();
}

void WebRtcSession::sendFrame(const Bytes& blob, int64_t now) {
  auto frame = RtpFrameBlob::read(blob);
  if (!frame) {
    return;
  }
  bool video = frame->kind == TrackKind::kVideo;
  RtpTrackSender* sender = video ? video_.get() : audio_.get();
  if (sender == nullptr) {
    return;  // a track the browser did not take
  }
  if (video) {
    if (frame->disposable && frame->ptsUs < maxVideoPtsUs_ && context_.settings.bFrames == BFramePolicy::kDrop) {
      context_.webrtcMetrics.bFramesDropped.inc();
      return;
    }
    maxVideoPtsUs_ = std::max(maxVideoPtsUs_, frame->ptsUs);
  } else if (joinPtsUs_ && frame->ptsUs < *joinPtsUs_) {
    return;  // the cached GOP's audio is past: the browser would play it late
  }
  // The cached GOP goes out at once with its own timestamps: Chromium decodes and shows
  // frames that arrive late at once, so playout is at the live point within a second
  // (measured: docs/webrtc.md, "Instant start"); squeezing the cached frames' timestamps
  // made it worse (lip sync then delays the audio).
  int64_t mediaUs = frame->ptsUs;
  uint32_t timestamp =
      rtp::rtpTimestamp(mediaUs, sender->clockRate(), video ? videoTimestampBase_ : audioTimestampBase_);
  frame->forEachPayload([&](const rtp::RtpPayload& payload) {
    Bytes packet = sender->packet(payload, timestamp, mediaUs, now);
    protectAndSend(packet.span(), false);
  });
}

void WebRtcSession::protectAndSend(std::span<const uint8_t> packet, bool rtcp) {
  if (!srtp_ || !selected_ || packet.empty()) {
    return;
  }
  scratch_.resize(packet.size() + SrtpSession::kMaxTrailer);
  std::memcpy(scratch_.data(), packet.data(), packet.size());
  auto length = rtcp ? srtp_->protectRtcp(scratch_, packet.size()) : srtp_->protect(scratch_, packet.size());
  if (!length) {
    context_.webrtcMetrics.dropped("srtp_protect").inc();
    return;
  }
  std::span<const uint8_t> datagram(scratch_.data(), *length);
  if (context_.transport.send(datagram, *selected_)) {
    bytesSent_ += datagram.size();
    context_.metrics.bytesSent.inc(static_cast<double>(datagram.size()));
  }
}

void WebRtcSession::onRtp(std::span<uint8_t> data) {
  if (!srtp_) {
    return;
  }
  auto length = srtp_->unprotect(data);
  if (!length) {
    context_.webrtcMetrics.dropped("srtp").inc();
    return;
  }
  if (!ingest_) {
    return;  // a viewer's own RTP (a sendrecv offer's silence): nothing to do with it
  }
  auto packet = rtp::parseRtpPacket(data.first(*length));
  if (!packet) {
    context_.metrics.protocolErrors.labels({context_.metrics.protocol, "rtp"}).inc();
    return;
  }
  ingest_->onRtp(*packet, context_.clock.now());
}

void WebRtcSession::onRtcp(std::span<uint8_t> data) {
  if (!srtp_) {
    return;
  }
  auto length = srtp_->unprotectRtcp(data);
  if (!length) {
    context_.webrtcMetrics.dropped("srtcp").inc();
    return;
  }
  auto items = rtp::parseRtcp(data.first(*length));
  if (!items) {
    context_.metrics.protocolErrors.labels({context_.metrics.protocol, "rtcp"}).inc();
    return;
  }
  int64_t now = nowUs();
  for (const rtp::RtcpItem& item : *items) {
    if (const auto* nack = std::get_if<rtp::Nack>(&item.body)) {
      RtpTrackSender* sender = video_ && nack->mediaSsrc == video_->ssrc()   ? video_.get()
                               : audio_ && nack->mediaSsrc == audio_->ssrc() ? audio_.get()
                                                                              : nullptr;
      nacksReceived_ += nack->lost.size();
      context_.webrtcMetrics.nacksReceived.inc(static_cast<double>(nack->lost.size()));
      for (uint16_t sequence : nack->lost) {
        if (sender == nullptr) {
          break;
        }
        if (auto packet = sender->resend(sequence, now, std::max(kMinResendIntervalUs, rttUs_ / 2))) {
          ++retransmitted_;
          context_.webrtcMetrics.retransmitted.inc();
          protectAndSend(packet->span(), false);
        }
      }
    } else if (std::holds_alternative<rtp::Pli>(item.body) || std::holds_alternative<rtp::Fir>(item.body)) {
      // A WHIP source asks its browser for a keyframe; other sources' next keyframe answers it.
      ++plisReceived_;
      context_.webrtcMetrics.plisReceived.inc();
      if (Stream* stream = context_.hub.find(offer_.key.key()); stream != nullptr && subscriber_) {
        stream->requestKeyframe();
      }
    } else if (const auto* report = std::get_if<rtp::ReceiverReport>(&item.body)) {
      for (const rtp::ReportBlock& block : report->reports) {
        onReceiverReport(block);
      }
    } else if (const auto* sr = std::get_if<rtp::SenderReport>(&item.body)) {
      for (const rtp::ReportBlock& block : sr->reports) {
        onReceiverReport(block);
      }
      if (ingest_) {
        ingest_->onSenderReport(sr->ssrc, sr->info.ntpTimestamp, sr->info.rtpTimestamp, context_.clock.now());
      }
    }
  }
}

void WebRtcSession::onReceiverReport(const rtp::ReportBlock& block) {
  if ((video_ && block.ssrc == video_->ssrc()) || (audio_ && block.ssrc == audio_->ssrc())) {
    auto [previous, added] = viewerLost_.try_emplace(block.ssrc, 0);
    if (block.cumulativeLost > previous->second) {
      context_.webrtcMetrics.lostSent.inc(block.cumulativeLost - previous->second);
    }
    previous->second = std::max(previous->second, block.cumulativeLost);
  }
  if (block.lastSr == 0) {
    return;
  }
  // RFC 3550 6.4.1: RTT = now - LSR - DLSR, in 1/65536 s of the compact NTP clock.
  uint32_t now = rtp::compactNtp(ntpNow());
  uint32_t rtt = now - block.lastSr - block.delaySinceLastSr;
  if (rtt > 65536U * 10) {
    return;  // a report about an SR we did not send, or clocks off: no sample
  }
  rttUs_ = static_cast<int64_t>(rtt) * 1'000'000 / 65536;
  context_.webrtcMetrics.rtt.observe(static_cast<double>(rttUs_) / 1e6);
}

void WebRtcSession::onTick() {
  SteadyTime now = context_.clock.now();
  switch (state_) {
    case State::kWaitingForStream: waitForStream(); return;
    case State::kConnecting:
      if (now - since_ >= context_.settings.connectTimeout) {
        bool checked = selected_.has_value();
        context_.webrtcMetrics.handshakes.labels({checked ? "dtls_timeout" : "ice_timeout"}).inc();
        close(CloseReason::kTimeout,
              checked ? fmt::format("DTLS did not connect within {}", formatDuration(context_.settings.connectTimeout))
                      : fmt::format("no ICE check arrived within {}", formatDuration(context_.settings.connectTimeout)));
      }
      return;
    case State::kConnected: break;
    case State::kAuthorizing:
    case State::kClosed: return;
  }
  if (now - lastConsent_ >= context_.settings.consentTimeout) {
    close(CloseReason::kTimeout,
          fmt::format("no ICE consent for {}", formatDuration(context_.settings.consentTimeout)));
    return;
  }
  if (ingest_) {
    Bytes feedback = ingest_->feedback(now, rttUs_);
    protectAndSend(feedback.span(), true);
    recordIngestStats();
    return;
  }
  if (now - lastSenderReport_ >= kSenderReportInterval) {
    lastSenderReport_ = now;
    sendSenderReports(nowUs());
  }
}

void WebRtcSession::recordIngestStats() {
  auto add = [](metrics::Counter& counter, uint64_t& recorded, uint64_t now) {
    if (now > recorded) {
      counter.inc(static_cast<double>(now - recorded));
      recorded = now;
    }
  };
  add(context_.webrtcMetrics.nacksSent, recordedNacks_, ingest_->nacksSent());
  add(context_.webrtcMetrics.plisSent, recordedPlis_, ingest_->plisSent());
  add(context_.webrtcMetrics.lostReceived, recordedLost_, ingest_->packetsLost());
}

void WebRtcSession::sendSenderReports(int64_t now) {
  BytesBuilder out;
  uint64_t ntp = ntpNow();
  for (RtpTrackSender* sender : {video_.get(), audio_.get()}) {
    if (sender == nullptr || !sender->started()) {
      continue;
    }
    sender->expire(now);
    // The media time now: the last packet's, moved on by the time since it was sent.
    int64_t mediaNow = sender->lastMediaUs() + (now - sender->lastSentUs());
    uint32_t base = sender == video_.get() ? videoTimestampBase_ : audioTimestampBase_;
    if (auto report = sender->senderReport(ntp, rtp::rtpTimestamp(mediaNow, sender->clockRate(), base))) {
      rtp::appendSenderReport(out, *report);
      rtp::appendSdesCname(out, sender->ssrc(), "rtsedge");
    }
  }
  if (out.size() > 0) {
    Bytes compound = out.freeze();
    protectAndSend(compound.span(), true);
  }
}

void WebRtcSession::onEgressSkipped() {
  context_.metrics.viewerSkips.inc();
}

void WebRtcSession::onEgressOverflow() {
  close(CloseReason::kSlowViewer, "the viewer fell behind the queue's hard bound");
}

void WebRtcSession::onEgressStreamEnded() {
  subscriber_.reset();
  close(CloseReason::kStreamEnded, "no source within the grace period");
}

void WebRtcSession::onPublisherReplaced() {
  close(CloseReason::kReplaced, "another publisher took the stream");
}

void WebRtcSession::close(CloseReason reason, std::string_view detail) {
  if (state_ == State::kClosed) {
    return;
  }
  bool hadRole = !role_.none();
  state_ = State::kClosed;
  if (dtls_ && dtls_->connected() && selected_) {
    dtls_->shutdown();  // close_notify: the browser sees the session end at once
    sendDtlsOutput(*selected_);
  }
  access_.ended();
  context_.metrics.logClose(id_, selected_ ? formatStunAddress(*selected_) : offer_.peer, offer_.key.key(), hadRole,
                            reason, detail);
  queue_.finishTiming();
  subscriber_.reset();
  if (ingest_) {
    ingest_->detach();
  }
  role_.set("none");
  timer_.close();
  dtlsTimer_.close();
  context_.transport.removeEndpoint(*this);
  context_.clients.remove(id_);
  context_.webrtcMetrics.sessions.add(-1);
  owner_.onSessionClosed(*this);
}

}  // namespace rtsedge::webrtc
