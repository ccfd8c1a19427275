#include "protocols/srt/srt_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <srt/access_control.h>

#include <array>
#include <vector>

#include "relay/config_values.h"
#include "relay/uv/address.h"

namespace rtsedge::srt {

namespace {

constexpr int kListenBacklog = 128;
// SRT caps stream ids at 512 bytes.
constexpr size_t kMaxStreamIdSize = 512;

template <class T>
Status setOption(SRTSOCKET socket, SRT_SOCKOPT option, T value, std::string_view name) {
  if (srt_setsockflag(socket, option, &value, sizeof(value)) == SRT_ERROR) {
    return Error(fmt::format("{}: {}", name, srt_getlasterror_str()));
  }
  return Status::ok();
}

}  // namespace

Status applySocketOptions(SRTSOCKET socket, const SrtSettings& settings) {
  for (Status status : {
           setOption(socket, SRTO_TRANSTYPE, SRTT_LIVE, "live mode"),
           setOption(socket, SRTO_RCVSYN, false, "non-blocking receive"),
           setOption(socket, SRTO_SNDSYN, false, "non-blocking send"),
           setOption(socket, SRTO_TLPKTDROP, settings.tooLateDrop, "too_late_drop"),
           setOption(socket, SRTO_LATENCY, static_cast<int>(settings.latency.count()), "latency"),
           setOption(socket, SRTO_PAYLOADSIZE, static_cast<int>(settings.payloadSize), "payload_size"),
           setOption(socket, SRTO_PEERIDLETIMEO, static_cast<int>(settings.peerIdleTimeout.count()),
                     "peer_idle_timeout"),
       }) {
    if (!status) {
      return status;
    }
  }
  if (settings.maxBandwidth > 0) {
    if (Status status = setOption(socket, SRTO_MAXBW, static_cast<int64_t>(settings.maxBandwidth), "max_bandwidth");
        !status) {
      return status;
    }
  }
  if (!settings.passphrase.empty()) {
    if (srt_setsockflag(socket, SRTO_PASSPHRASE, settings.passphrase.data(),
                        static_cast<int>(settings.passphrase.size())) == SRT_ERROR) {
      return Error(fmt::format("passphrase: {}", srt_getlasterror_str()));
    }
    if (Status status = setOption(socket, SRTO_PBKEYLEN, static_cast<int>(settings.keyLength), "key_length"); !status) {
      return status;
    }
  }
  return Status::ok();
}

Result<std::unique_ptr<SrtServer>> SrtServer::start(SrtContext& context) {
  std::unique_ptr<SrtServer> server(new SrtServer(context));
  if (Status listening = server->listen(); !listening) {
    return listening.error().wrap("srt");
  }
  spdlog::info("srt listening on {} (udp)", formatListenAddress({context.settings.listen.host, server->port_}));
  return server;
}

Status SrtServer::listen() {
  const ListenAddress& at = context_.settings.listen;
  auto address = uv::parseSocketAddress(at.host, at.port);
  if (!address) {
    return address.error();
  }
  listener_ = srt_create_socket();
  if (listener_ == SRT_INVALID_SOCK) {
    return Error(std::string("srt_create_socket: ") + srt_getlasterror_str());
  }
  if (Status options = applySocketOptions(listener_, context_.settings); !options) {
    return options;
  }
  int addressSize = address->ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (srt_bind(listener_, reinterpret_cast<const sockaddr*>(&*address), addressSize) == SRT_ERROR) {
    return Error(fmt::format("bind {}:{}: {}", at.host, at.port, srt_getlasterror_str()));
  }
  if (srt_listen_callback(listener_, &SrtServer::onHandshake, this) == SRT_ERROR ||
      srt_listen(listener_, kListenBacklog) == SRT_ERROR) {
    return Error(fmt::format("listen: {}", srt_getlasterror_str()));
  }
  sockaddr_storage bound{};
  int length = sizeof(bound);
  srt_getsockname(listener_, reinterpret_cast<sockaddr*>(&bound), &length);
  port_ = uv::portOf(bound);
  return context_.poller.add(listener_, SRT_EPOLL_IN | SRT_EPOLL_ERR, *this);
}

SrtServer::~SrtServer() {
  shutdown();
}

void SrtServer::shutdown() {
  if (listener_ != SRT_INVALID_SOCK) {
    context_.poller.remove(listener_);
    srt_close(listener_);
    listener_ = SRT_INVALID_SOCK;
  }
  std::vector<SrtSession*> open;
  for (auto& [id, accepted] : sessions_) {
    open.push_back(accepted.session.get());
  }
  for (SrtSession* session : open) {
    session->close(CloseReason::kShutdown, "server stopping");
  }
}

int SrtServer::onHandshake(void* opaque, SRTSOCKET socket, int, const struct sockaddr* peer, const char* streamId) {
  auto* self = static_cast<SrtServer*>(opaque);
  std::string from = uv::formatSocketAddress(peer);
  if (self->sessionCount_.load() >= self->context_.settings.maxConnections) {
    srt_setrejectreason(socket, SRT_REJX_OVERLOAD);
    self->context_.srtMetrics.rejected.inc();
    self->context_.metrics.closed(CloseReason::kTooMany);
    spdlog::warn("srt: {} refused: {} connections open", from, self->sessionCount_.load());
    return -1;
  }
  std::string_view address = security::hostOfPeer(from);
  {
    std::lock_guard lock(self->perAddressMutex_);
    auto open = self->perAddress_.find(address);
    if (open != self->perAddress_.end() && open->second >= self->context_.settings.maxConnectionsPerAddress) {
      srt_setrejectreason(socket, SRT_REJX_OVERLOAD);
      self->context_.srtMetrics.rejected.inc();
      self->context_.metrics.closed(CloseReason::kTooMany);
      spdlog::warn("srt: {} refused: {} connections open from this address", from, open->second);
      return -1;
    }
  }
  auto parsed = parseStreamId(streamId == nullptr ? "" : streamId);
  if (auto* refused = std::get_if<StreamIdRejection>(&parsed)) {
    srt_setrejectreason(socket, refused->reason);
    self->context_.srtMetrics.rejected.inc();
    self->context_.metrics.protocolErrors.labels({self->context_.metrics.protocol, "handshake"}).inc();
    spdlog::warn("srt: {} refused at handshake (reject reason {}): {}", from, refused->reason, refused->message);
    return -1;
  }
  // Signature and address rules answer here, with a reason the caller sees; a hook,
  // which waits for a backend, is asked once the session exists.
  const auto& id = std::get<SrtStreamId>(parsed);
  security::AccessRequest request{
      id.mode == SrtMode::kPublish ? security::AccessAction::kPublish : security::AccessAction::kPlay, id.key,
      std::string(address), "srt", 0};
  security::AccessDecision decision = self->context_.access.checkRules(request);
  if (!decision.allowed()) {
    srt_setrejectreason(socket, decision.verdict == security::AccessVerdict::kUnauthorized ? SRT_REJX_UNAUTHORIZED
                                                                                           : SRT_REJX_FORBIDDEN);
    self->context_.srtMetrics.rejected.inc();
    self->context_.access.refused(request, decision);
    return -1;
  }
  return 0;
}

void SrtServer::onSrtEvents(int) {
  accept();
}

void SrtServer::accept() {
  while (listener_ != SRT_INVALID_SOCK) {
    sockaddr_storage peer{};
    int length = sizeof(peer);
    SRTSOCKET socket = srt_accept(listener_, reinterpret_cast<sockaddr*>(&peer), &length);
    if (socket == SRT_INVALID_SOCK) {
      if (srt_getlasterror(nullptr) != SRT_EASYNCRCV) {
        spdlog::warn("srt: accept failed: {}", srt_getlasterror_str());
      }
      return;
    }
    std::array<char, kMaxStreamIdSize + 1> streamId{};
    int streamIdLength = static_cast<int>(kMaxStreamIdSize);
    srt_getsockflag(socket, SRTO_STREAMID, streamId.data(), &streamIdLength);
    auto parsed = parseStreamId(std::string_view(streamId.data(), static_cast<size_t>(std::max(streamIdLength, 0))));
    if (!std::holds_alternative<SrtStreamId>(parsed)) {
      srt_close(socket);  // checked at handshake already; only a changed id gets here
      continue;
    }
    context_.metrics.connectionsAccepted.inc();
    std::string from = uv::formatSocketAddress(reinterpret_cast<sockaddr*>(&peer));
    std::string address(security::hostOfPeer(from));
    auto session = std::make_unique<SrtSession>(context_, socket, from, std::get<SrtStreamId>(std::move(parsed)),
                                                static_cast<SrtSession::Listener&>(*this));
    SrtSession& started = *session;
    {
      std::lock_guard lock(perAddressMutex_);
      ++perAddress_[address];
    }
    sessions_.emplace(started.id(), Accepted{std::move(session), std::move(address)});
    sessionCount_ = sessions_.size();
    started.start();
  }
}

void SrtServer::onSessionClosed(SrtSession& session) {
  auto it = sessions_.find(session.id());
  if (it != sessions_.end()) {
    {
      std::lock_guard lock(perAddressMutex_);
      auto open = perAddress_.find(it->second.address);
      if (open != perAddress_.end() && --open->second == 0) {
        perAddress_.erase(open);
      }
    }
    context_.loop.deferDelete(std::move(it->second.session));
    sessions_.erase(it);
    sessionCount_ = sessions_.size();
  }
}

}  // namespace rtsedge::srt
