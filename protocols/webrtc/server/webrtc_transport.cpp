#include "protocols/webrtc/server/webrtc_transport.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "protocols/webrtc/ice/ice_binding.h"
#include "protocols/webrtc/server/webrtc_metrics.h"

namespace rtsedge::webrtc {

namespace {
// A keyframe burst to a few hundred viewers leaves in one loop turn.
constexpr int kSocketBufferBytes = 8 << 20;

bool unspecified(const std::string& host) {
  return host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]";
}

std::string addressText(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text, sizeof(text));
  } else if (address->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text, sizeof(text));
  }
  return text;
}
}  // namespace

size_t WebRtcTransport::AddressHash::operator()(const StunAddress& address) const {
  size_t hash = address.port * 131 + (address.ipv6 ? 1 : 0);
  for (uint8_t byte : address.ip) {
    hash = hash * 31 + byte;
  }
  return hash;
}

Result<std::unique_ptr<WebRtcTransport>> WebRtcTransport::start(uv::Loop& loop, const WebRtcSettings& settings,
                                                                WebRtcMetrics& metrics) {
  std::unique_ptr<WebRtcTransport> transport(new WebRtcTransport(settings, metrics));
  std::string host = settings.listen.host == "[::]" ? "::" : settings.listen.host;
  auto socket = uv::UdpSocket::bind(loop, host, settings.listen.port, *transport);
  if (!socket) {
    return Error("webrtc: " + socket.error().message());
  }
  transport->socket_ = std::move(*socket);
  transport->socket_->setBufferSizes(kSocketBufferBytes);
  transport->findCandidates();
  if (transport->candidates_.empty()) {
    return Error("webrtc: no address to advertise as a candidate: set webrtc.candidates");
  }
  return transport;
}

WebRtcTransport::~WebRtcTransport() = default;

void WebRtcTransport::findCandidates() {
  uint16_t port = socket_->port();
  if (!settings_.candidates.empty()) {
    for (const std::string& address : settings_.candidates) {
      candidates_.push_back({address, port});
    }
    return;
  }
  if (!unspecified(settings_.listen.host)) {
    candidates_.push_back({settings_.listen.host, port});
    return;
  }
  ifaddrs* interfaces = nullptr;
  if (getifaddrs(&interfaces) != 0) {
    return;
  }
  std::vector<sdp::HostCandidate> loopback;
  bool ipv6 = settings_.listen.host != "0.0.0.0";
  for (ifaddrs* entry = interfaces; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || (entry->ifa_flags & IFF_UP) == 0) {
      continue;
    }
    int family = entry->ifa_addr->sa_family;
    if (family != AF_INET && !(ipv6 && family == AF_INET6)) {
      continue;
    }
    if (family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&reinterpret_cast<sockaddr_in6*>(entry->ifa_addr)->sin6_addr)) {
      continue;  // needs a scope id no SDP candidate carries
    }
    sdp::HostCandidate candidate{addressText(entry->ifa_addr), port};
    ((entry->ifa_flags & IFF_LOOPBACK) != 0 ? loopback : candidates_).push_back(std::move(candidate));
  }
  freeifaddrs(interfaces);
  candidates_.insert(candidates_.end(), loopback.begin(), loopback.end());
}

bool WebRtcTransport::addEndpoint(const std::string& ufrag, Endpoint& endpoint) {
  return byUfrag_.emplace(ufrag, &endpoint).second;
}

void WebRtcTransport::removeUfrag(const std::string& ufrag) {
  byUfrag_.erase(ufrag);
}

void WebRtcTransport::removeEndpoint(Endpoint& endpoint) {
  std::erase_if(byUfrag_, [&](const auto& entry) { return entry.second == &endpoint; });
  std::erase_if(byAddress_, [&](const auto& entry) { return entry.second == &endpoint; });
}

void WebRtcTransport::bindAddress(const StunAddress& address, Endpoint& endpoint) {
  byAddress_[address] = &endpoint;
}

bool WebRtcTransport::send(std::span<const uint8_t> datagram, const StunAddress& to) {
  sockaddr_storage address = to.toSockaddr();
  bool sent = socket_->send(datagram, reinterpret_cast<const sockaddr*>(&address));
  if (sent) {
    metrics_.bytesSent.inc(static_cast<double>(datagram.size()));
  } else {
    metrics_.dropped("send_buffer_full").inc();
  }
  return sent;
}

void WebRtcTransport::onDatagram(std::span<uint8_t> data, const sockaddr* fromAddress) {
  auto from = StunAddress::fromSockaddr(fromAddress);
  if (!from) {
    return;
  }
  metrics_.bytesReceived.inc(static_cast<double>(data.size()));
  PacketKind kind = classifyPacket(data);
  if (kind == PacketKind::kUnknown) {
    metrics_.dropped("unknown_kind").inc();
    return;
  }
  if (kind == PacketKind::kStun) {
    auto message = StunMessage::parse(data);
    if (!message) {
      metrics_.dropped("malformed_stun").inc();
      spdlog::debug("webrtc: malformed STUN from {}: {}", formatStunAddress(*from), message.error().message());
      return;
    }
    auto ufrag = iceLocalUfragOf(*message);
    auto found = ufrag ? byUfrag_.find(std::string(*ufrag)) : byUfrag_.end();
    if (found == byUfrag_.end()) {
      // A check for a session that ended, or no session at all: a browser retrying an
      // old pair, or a scan. Not answered: an ICE-lite agent answers only its own checks.
      metrics_.dropped("unknown_ufrag").inc();
      return;
    }
    found->second->onStun(*message, *from);
    return;
  }
  auto found = byAddress_.find(*from);
  if (found == byAddress_.end()) {
    metrics_.dropped("unknown_address").inc();
    return;
  }
  found->second->onMedia(kind, data, *from);
}

std::string formatStunAddress(const StunAddress& address) {
  sockaddr_storage storage = address.toSockaddr();
  std::string ip = addressText(reinterpret_cast<const sockaddr*>(&storage));
  return address.ipv6 ? fmt::format("[{}]:{}", ip, address.port) : fmt::format("{}:{}", ip, address.port);
}

}  // namespace rtsedge::webrtc
