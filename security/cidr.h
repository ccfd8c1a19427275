#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "relay/status.h"

namespace rtsedge::security {

// An address range, "10.0.0.0/8", "2001:db8::/32", or one address ("192.0.2.7",
// "::1": /32 or /128). IPv4 ranges also match IPv4-mapped IPv6 addresses
// (::ffff:10.1.2.3), which dual-stack sockets report for IPv4 peers.
class Cidr {
 public:
  // Refuses host bits set beyond the prefix ("10.0.0.1/8": a typo more often than not),
  // prefixes out of range, host names.
  static Result<Cidr> parse(std::string_view text);

  // address: numeric IPv4 or IPv6, without port or brackets. False for anything unparsable.
  bool contains(std::string_view address) const;
  const std::string& text() const { return text_; }

 private:
  std::array<uint8_t, 16> bytes_{};  // IPv4 stored as IPv4-mapped IPv6
  uint8_t prefix_ = 0;               // in bits of the 128-bit form
  std::string text_;
};

// True if any range contains the address.
bool anyContains(std::span<const Cidr> ranges, std::string_view address);

// "1.2.3.4:5678" -> "1.2.3.4", "[::1]:5678" -> "::1", "1.2.3.4" -> "1.2.3.4": the address
// of a peer string as sessions log it.
std::string_view hostOfPeer(std::string_view peer);

}  // namespace rtsedge::security
