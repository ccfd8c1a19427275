#include "relay/uv/address.h"

namespace rtsedge::uv {

std::string formatSocketAddress(const sockaddr* address) {
  char host[INET6_ADDRSTRLEN] = {0};
  if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    uv_ip6_name(in6, host, sizeof(host));
    return std::string("[") + host + "]:" + std::to_string(ntohs(in6->sin6_port));
  }
  if (address->sa_family == AF_INET) {
    const auto* in4 = reinterpret_cast<const sockaddr_in*>(address);
    uv_ip4_name(in4, host, sizeof(host));
    return std::string(host) + ":" + std::to_string(ntohs(in4->sin_port));
  }
  return "?";
}

Result<sockaddr_storage> parseSocketAddress(const std::string& host, uint16_t port) {
  sockaddr_storage address{};
  bool ipv6 = host.find(':') != std::string::npos;
  int rc = ipv6 ? uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&address))
                : uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&address));
  if (rc != 0) {
    return Error("bad address " + host + ": " + uv_strerror(rc));
  }
  return address;
}

uint16_t portOf(const sockaddr_storage& address) {
  return address.ss_family == AF_INET6 ? ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port)
                                       : ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
}

}  // namespace rtsedge::uv
