#include "protocols/webrtc/server/webrtc_session.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "protocols/webrtc/ice/ice_binding.h"
#include "protocols/webrtc/rtp/rtcp_packet.h"
#include "protocols/webrtc/rtp/rtp_timestamp.h"
#include "protocols/webrtc/server/webrtc_answer.h"
#include "relay/config_values.h"
#include "relay/quoted.h"
#include "security/cidr.h"

namespace rtsedge::webrtc {

namespace {
constexpr Millis kStreamPollInterval{20};
constexpr Millis kPublisherTick{20};  // NACKs and congestion feedback want a short period
constexpr Millis kViewerTick{250};
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
      localSsrc_(randomU32()) {
  if (offer_.role == SignalingRole::kPlay) {
    viewer_ = std::make_unique<WebRtcViewer>(context_, static_cast<WebRtcViewer::Output&>(*this));
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

ClientInfo WebRtcSession::clientInfo() const {
  std::vector<std::pair<std::string, double>> transport;
  if (ingest_) {
    transport = {{"packets_received", static_cast<double>(ingest_->stats().packets)},
                 {"packets_lost", static_cast<double>(ingest_->packetsLost())},
                 {"nacks_sent", static_cast<double>(ingest_->nacksSent())},
                 {"plis_sent", static_cast<double>(ingest_->plisSent())}};
  } else if (viewer_) {
    transport = viewer_->transportStats();
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
  if (viewer_) {
    viewer_->startTiming();  // a WHEP viewer's first-frame time counts from its offer: ICE and DTLS are part of it
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
  remoteUfrag_ = description_.media.empty() ? "" : description_.media.front().iceUfrag;
  AnswerInputs inputs{.role = offer_.role,
                      .ice = local_,
                      .fingerprint = sdpFingerprint(context_.certificate->fingerprint()),
                      .candidates = context_.transport.candidates(),
                      .streamName = offer_.key.name};
  if (viewer_) {
    Stream* stream = context_.hub.find(offer_.key.key());
    inputs.streamVideo = stream != nullptr ? stream->videoConfig().get() : nullptr;
    inputs.videoSsrc = viewer_->videoSsrc();
    inputs.audioSsrc = viewer_->audioSsrc();
  }
  auto agreed = answerOffer(description_, inputs);
  if (!agreed) {
    return agreed.error();
  }
  auto expected = DtlsFingerprint::parse(agreed->remoteFingerprint.toString());
  if (!expected) {
    return expected.error();
  }
  auto dtls = DtlsSession::create(*context_.certificate, std::move(*expected));
  if (!dtls) {
    return dtls.error();
  }
  dtls_ = std::move(*dtls);
  if (viewer_) {
    for (auto [kind, payloadType] : agreed->viewerTracks) {
      viewer_->addTrack(kind, payloadType);
    }
  } else {
    ingest_ = std::make_unique<WebRtcIngest>(agreed->ingest, localSsrc_, context_.clock,
                                             static_cast<StreamSource::Listener&>(*this));
  }
  if (!context_.transport.addEndpoint(local_.ufrag, *this)) {
    return Error("ICE ufrag collision");
  }
  etag_ = "\"" + local_.ufrag + "\"";
  return WebRtcAnswer{resourceId_, std::move(agreed->sdp), etag_};
}

namespace {
// The value of the first "a=NAME:" line of an SDP fragment, or "".
std::string_view fragmentAttribute(std::string_view fragment, std::string_view name) {
  std::string prefix = "a=" + std::string(name) + ":";
  for (size_t at = 0; at < fragment.size();) {
    size_t end = fragment.find('\n', at);
    std::string_view line = fragment.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.starts_with(prefix)) {
      return line.substr(prefix.size());
    }
    if (end == std::string_view::npos) {
      break;
    }
    at = end + 1;
  }
  return {};
}
}  // namespace

PatchOutcome WebRtcSession::patch(std::string_view ifMatch, std::string_view fragment) {
  if (!ifMatch.empty() && ifMatch != "*" && ifMatch != etag_) {
    return SignalingFailure{412, "If-Match " + quoted(ifMatch) + " is not the ICE session's ETag " + etag_};
  }
  if (local_.ufrag.empty()) {
    return SignalingFailure{409, "the session has no answer yet"};
  }
  // An ICE-lite server learns the peer's addresses from its checks: trickled candidates
  // need no action. New ice-ufrag/ice-pwd from the peer ask for an ICE restart (RFC 8445
  // 9): we answer with new credentials of our own; DTLS and media go on.
  std::string_view remoteUfrag = fragmentAttribute(fragment, "ice-ufrag");
  if (remoteUfrag.empty() || remoteUfrag == remoteUfrag_) {
    return PatchAnswer{204, "", etag_};
  }
  if (!isValidIceUfrag(remoteUfrag) || !isValidIcePwd(fragmentAttribute(fragment, "ice-pwd"))) {
    return SignalingFailure{400, "an ICE restart needs a valid a=ice-ufrag and a=ice-pwd"};
  }
  auto credentials = generateIceCredentials();
  if (!credentials || !context_.transport.addEndpoint(credentials->ufrag, *this)) {
    return SignalingFailure{503, "no new ICE credentials"};
  }
  context_.transport.removeUfrag(local_.ufrag);
  local_ = std::move(*credentials);
  remoteUfrag_ = std::string(remoteUfrag);
  etag_ = "\"" + local_.ufrag + "\"";
  spdlog::info("webrtc#{} {}: ICE restart", id_, offer_.peer);
  return PatchAnswer{200, fmt::format("a=ice-lite\r\na=ice-ufrag:{}\r\na=ice-pwd:{}\r\n", local_.ufrag, local_.pwd), etag_};
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
  Status playing = stream != nullptr ? viewer_->play(*stream) : Status(Error("the stream ended before the viewer connected"));
  if (!playing) {
    close(CloseReason::kStreamEnded, playing.error().message());
    return;
  }
  role_.set("player");
  spdlog::info("webrtc#{} {}: playing {}", id_, offer_.peer, offer_.key.key());
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

void WebRtcSession::sendMedia(std::span<const uint8_t> packet, bool rtcp) {
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
  for (const rtp::RtcpItem& item : *items) {
    if (viewer_) {
      viewer_->onRtcp(item, context_.hub.find(offer_.key.key()));
    } else if (const auto* report = std::get_if<rtp::SenderReport>(&item.body); report != nullptr && ingest_) {
      ingest_->onSenderReport(report->ssrc, report->info.ntpTimestamp, report->info.rtpTimestamp,
                              context_.clock.now());
    }
  }
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
    Bytes feedback = ingest_->feedback(now, 0);
    sendMedia(feedback.span(), true);
    recordIngestStats();
  } else if (viewer_) {
    viewer_->tick(now);
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
  if (viewer_) {
    viewer_->finish();
  }
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
