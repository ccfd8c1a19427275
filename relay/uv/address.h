#pragma once

#include <uv.h>

#include <string>

#include "relay/status.h"

namespace rtsedge::uv {

// "1.2.3.4:5" or "[::1]:5".
std::string formatSocketAddress(const sockaddr* address);
// A numeric IPv4 or IPv6 host and a port.
Result<sockaddr_storage> parseSocketAddress(const std::string& host, uint16_t port);
uint16_t portOf(const sockaddr_storage& address);

}  // namespace rtsedge::uv
