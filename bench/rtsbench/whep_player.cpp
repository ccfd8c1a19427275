#include "bench/rtsbench/whep_player.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "bench/rtsbench/whep_ice.h"
#include "protocols/webrtc/ice/packet_kind.h"
#include "protocols/webrtc/rtp/rtcp_packet.h"
#include "protocols/webrtc/rtp/rtp_packet.h"
#include "relay/uv/address.h"

namespace rtsedge::bench {

namespace {

using webrtc::PacketKind;

// Timer period of every stage: ICE retries, DTLS retransmissions, RTCP.
constexpr Millis kTick{20};
constexpr Millis kCheckInterval{50};
constexpr Millis kConsentInterval{2000};
// RFC 7675 and rtsedge: no answer to consent checks for this long and the pair is gone.
constexpr Millis kConsentTimeout{30000};
constexpr Millis kDeleteTimeout{2000};
// A GOP-cache burst arrives at once: room for it in the kernel (capped by net.core.rmem_max).
constexpr int kSocketBufferBytes = 4 << 20;
constexpr size_t kMaxReasonSize = 200;

std::string statusReason(const HttpReply& reply) {
  std::string body = reply.body.substr(0, kMaxReasonSize);
  std::replace_if(
      body.begin(), body.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  while (!body.empty() && body.back() == ' ') {
    body.pop_back();
  }
  return body.empty() ? fmt::format("HTTP {}", reply.status) : fmt::format("HTTP {}: {}", reply.status, body);
}

// The path a Location names: rtsedge's are absolute paths ("/webrtc/ID"); a full URL is
// taken to name this server; a relative one is resolved against the POST's target.
std::string locationPath(const std::string& location, const std::string& target) {
  if (location.starts_with("/")) {
    return location;
  }
  for (std::string_view scheme : {"http://", "https://"}) {
    if (location.starts_with(scheme)) {
      size_t slash = location.find('/', scheme.size());
      return slash == std::string::npos ? "/" : location.substr(slash);
    }
  }
  std::string base = target.substr(0, target.find('?'));
  return base.substr(0, base.rfind('/') + 1) + location;
}

}  // namespace

WhepPlayer::WhepPlayer(PlayerContext& context)
    : Player(context),
      loop_(context.loop),
      clock_(context.clock),
      url_(context.url),
      whep_(context.whep),
      media_(context.clock, context.framesReceived, static_cast<StreamSource::Listener&>(*this)),
      signaling_(context.loop),
      tick_(context.loop, [this] { onTick(); }) {}

void WhepPlayer::start() {
  meter_.onConnecting();
  stageStart_ = clock_.now();
  if (whep_ == nullptr || !whep_->certificate) {
    fail(FailureKind::kProtocol,
         "no DTLS certificate: " + (whep_ != nullptr ? whep_->certificateError : std::string("no WHEP context")));
    return;
  }
  if (Status attached = media_.attachTo(meter_.stream()); !attached) {
    fail(FailureKind::kProtocol, attached.error().message());
    return;
  }
  auto credentials = webrtc::generateIceCredentials();
  if (!credentials) {
    fail(FailureKind::kProtocol, credentials.error().message());
    return;
  }
  local_ = std::move(*credentials);
  tieBreaker_ = randomU64();
  std::string offer = buildWhepOffer({local_, &whep_->certificate->fingerprint(), (randomU64() >> 2) + 1});
  std::string request = fmt::format(
      "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: rtsbench\r\nContent-Type: application/sdp\r\n"
      "Accept: application/sdp\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
      url_.target, url_.authority, offer.size(), offer);
  state_ = State::kPosting;
  signaling_.start(url_.host, url_.port, std::move(request), kConnectTimeout,
                   [this](Result<HttpReply> reply) { onPosted(std::move(reply)); });
}

void WhepPlayer::onPosted(Result<HttpReply> reply) {
  if (!reply) {
    fail(FailureKind::kConnect, "WHEP POST: " + reply.error().message());
    return;
  }
  location_ = reply->location;
  if (reply->status != 201) {
    fail(FailureKind::kRefused, "WHEP POST: " + statusReason(*reply));
    return;
  }
  auto answer = parseWhepAnswer(reply->body);
  if (!answer) {
    fail(FailureKind::kProtocol, answer.error().message());
    return;
  }
  answer_ = std::move(*answer);
  if (Status started = startIce(); !started) {
    fail(FailureKind::kConnect, started.error().message());
  }
}

Status WhepPlayer::startIce() {
  auto server = uv::parseSocketAddress(answer_->candidateHost, answer_->candidatePort);
  if (!server) {
    return server.error().wrap("the answer's candidate");
  }
  server_ = *server;
  serverAddress_ = webrtc::StunAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&server_));
  bool ipv6 = server_.ss_family == AF_INET6;
  auto socket = uv::UdpSocket::bind(loop_, ipv6 ? "::" : "0.0.0.0", 0, *this);
  if (!socket) {
    return socket.error();
  }
  socket_ = std::move(*socket);
  socket_->setBufferSizes(kSocketBufferBytes);
  media_.setTracks(answer_->videoPayloadType, answer_->audioPayloadType);
  state_ = State::kChecking;
  stageStart_ = clock_.now();
  checkId_ = randomTransactionId();  // kept by every retry of the check (RFC 8489 6.2.1)
  sendCheck(true);
  tick_.start(kTick, kTick);
  return Status::ok();
}

void WhepPlayer::sendCheck(bool nominate) {
  lastCheck_ = clock_.now();
  Bytes check = buildIceCheck({checkId_, answer_->ice.ufrag, local_.ufrag, answer_->ice.pwd, tieBreaker_, nominate});
  send(check.span());
}

void WhepPlayer::send(std::span<const uint8_t> datagram) {
  if (socket_) {
    socket_->send(datagram, reinterpret_cast<const sockaddr*>(&server_));
  }
}

void WhepPlayer::startDtls() {
  auto dtls = webrtc::DtlsSession::createClient(*whep_->certificate, *answer_->fingerprint);
  if (!dtls) {
    fail(FailureKind::kProtocol, dtls.error().message());
    return;
  }
  dtls_ = std::move(*dtls);
  state_ = State::kHandshaking;
  stageStart_ = clock_.now();
  sendDtlsOutput();
}

void WhepPlayer::sendDtlsOutput() {
  for (const std::vector<uint8_t>& datagram : dtls_->takeDatagrams()) {
    send(datagram);
  }
}

void WhepPlayer::onDatagram(std::span<uint8_t> data, const sockaddr* from) {
  if (state_ == State::kClosed || webrtc::StunAddress::fromSockaddr(from) != serverAddress_) {
    return;  // closed in this loop turn, or not the server's candidate
  }
  bytes_ += data.size();
  switch (webrtc::classifyPacket(data)) {
    case PacketKind::kStun: onStun(data); break;
    case PacketKind::kDtls: onDtls(data); break;
    case PacketKind::kRtp: onRtp(data); break;
    case PacketKind::kRtcp: onRtcp(data); break;
    case PacketKind::kUnknown: break;
  }
}

void WhepPlayer::onStun(std::span<const uint8_t> data) {
  auto message = webrtc::StunMessage::parse(data);
  if (!message) {
    return;
  }
  uint16_t code = 0;
  switch (checkIceAnswer(*message, checkId_, answer_->ice.pwd, &code)) {
    case IceAnswer::kSuccess:
      lastConsent_ = clock_.now();
      if (state_ == State::kChecking) {
        startDtls();
      }
      return;
    case IceAnswer::kError:
      fail(state_ == State::kChecking ? FailureKind::kRefused : FailureKind::kClosed,
           fmt::format("ICE: the server answered {} to our check", code));
      return;
    case IceAnswer::kIgnored: return;
  }
}

void WhepPlayer::onDtls(std::span<const uint8_t> data) {
  if (!dtls_) {
    return;
  }
  auto event = dtls_->feed(data);
  sendDtlsOutput();
  if (!event) {
    fail(FailureKind::kProtocol, event.error().message());
    return;
  }
  if (*event == webrtc::DtlsEvent::kClosed) {
    fail(FailureKind::kClosed, "the server closed DTLS (close_notify)");
    return;
  }
  if (*event != webrtc::DtlsEvent::kConnected || state_ != State::kHandshaking) {
    return;
  }
  auto srtp = webrtc::SrtpSession::create(*dtls_->srtpKeys());
  if (!srtp) {
    fail(FailureKind::kProtocol, "SRTP: " + srtp.error().message());
    return;
  }
  srtp_ = std::move(*srtp);
  state_ = State::kConnected;
  meter_.onConnected();
}

void WhepPlayer::onRtp(std::span<uint8_t> data) {
  if (!srtp_) {
    return;
  }
  auto length = srtp_->unprotect(data);
  if (!length) {
    return;  // a replay or a bad tag: dropped, as a browser does
  }
  auto packet = webrtc::rtp::parseRtpPacket(data.first(*length));
  if (packet) {
    media_.onRtp(*packet, clock_.now());
  }
}

void WhepPlayer::onRtcp(std::span<uint8_t> data) {
  if (!srtp_) {
    return;
  }
  auto length = srtp_->unprotectRtcp(data);
  if (!length) {
    return;
  }
  auto items = webrtc::rtp::parseRtcp(data.first(*length));
  if (!items) {
    return;
  }
  for (const webrtc::rtp::RtcpItem& item : *items) {
    if (const auto* report = std::get_if<webrtc::rtp::SenderReport>(&item.body)) {
      media_.onSenderReport(report->ssrc, report->info.ntpTimestamp, clock_.now());
    } else if (std::holds_alternative<webrtc::rtp::Bye>(item.body)) {
      fail(FailureKind::kClosed, "the server sent RTCP BYE");
      return;
    }
  }
}

void WhepPlayer::onTick() {
  SteadyTime now = clock_.now();
  bool late = now - stageStart_ >= kConnectTimeout;
  switch (state_) {
    case State::kChecking:
      if (late) {
        fail(FailureKind::kConnect, "ICE: no success response to our checks within 5 s");
      } else if (now - lastCheck_ >= kCheckInterval) {
        sendCheck(true);
      }
      return;
    case State::kHandshaking:
      if (late) {
        fail(FailureKind::kConnect, "DTLS: the handshake did not complete within 5 s");
        return;
      }
      if (auto due = dtls_->nextTimeout(); due && due->count() <= 0) {
        if (Status retransmitted = dtls_->onTimeout(); !retransmitted) {
          fail(FailureKind::kConnect, retransmitted.error().message());
          return;
        }
        sendDtlsOutput();
      }
      return;
    case State::kConnected: break;
    case State::kIdle:
    case State::kPosting:
    case State::kClosed: return;
  }
  if (now - lastConsent_ >= kConsentTimeout) {
    fail(FailureKind::kClosed, "ICE: no answer to consent checks for 30 s");
    return;
  }
  if (now - lastCheck_ >= kConsentInterval) {
    checkId_ = randomTransactionId();
    sendCheck(false);
  }
  sendRtcp(media_.feedback(now));
}

void WhepPlayer::sendRtcp(const Bytes& packet) {
  if (packet.size() == 0 || !srtp_) {
    return;
  }
  scratch_.resize(packet.size() + webrtc::SrtpSession::kMaxTrailer);
  std::memcpy(scratch_.data(), packet.data(), packet.size());
  if (auto length = srtp_->protectRtcp(scratch_, packet.size())) {
    send(std::span<const uint8_t>(scratch_.data(), *length));
  }
}

void WhepPlayer::close() {
  if (state_ == State::kClosed) {
    return;
  }
  state_ = State::kClosed;
  tick_.close();
  if (socket_) {
    socket_->close();  // no close_notify: the DELETE ends the server's session, which sends its own
  }
  media_.detach();
  if (location_.empty()) {
    signaling_.close();  // a POST still out is abandoned
  } else {
    deleteSession();
  }
}

void WhepPlayer::deleteSession() {
  std::string request = fmt::format(
      "DELETE {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: rtsbench\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
      locationPath(location_, url_.target), url_.authority);
  location_.clear();
  // Nothing waits for the answer but the loop, which runs until it came or timed out.
  signaling_.start(url_.host, url_.port, std::move(request), kDeleteTimeout, [](Result<HttpReply>) {});
}

}  // namespace rtsedge::bench
