#include "security/cidr.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "relay/quoted.h"

namespace rtsedge::security {

namespace {

using Bytes = std::array<uint8_t, 16>;

struct Address {
  Bytes bytes{};
  bool ipv4 = false;
};

// A numeric IPv4 address becomes ::ffff:a.b.c.d; anything with a ':' must be IPv6.
std::optional<Address> parseAddress(std::string_view text) {
  // inet_pton reads a terminated string: a NUL inside would cut the text short.
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN || text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  const std::string terminated(text);
  Address address;
  if (text.find(':') != std::string_view::npos) {
    if (inet_pton(AF_INET6, terminated.c_str(), address.bytes.data()) != 1) {
      return std::nullopt;
    }
    return address;
  }
  address.ipv4 = true;
  address.bytes[10] = 0xff;
  address.bytes[11] = 0xff;
  if (inet_pton(AF_INET, terminated.c_str(), address.bytes.data() + 12) != 1) {
    return std::nullopt;
  }
  return address;
}

// The first `prefix` bits of address, the others cleared.
Bytes networkOf(const Bytes& address, unsigned prefix) {
  Bytes network{};
  for (size_t i = 0; i < network.size(); ++i) {
    unsigned bits = std::min(prefix, 8u);
    prefix -= bits;
    network[i] = static_cast<uint8_t>(address[i] & (0xff00u >> bits));
  }
  return network;
}

std::string formatAddress(const Bytes& bytes, bool ipv4) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (ipv4) {
    inet_ntop(AF_INET, bytes.data() + 12, text, sizeof(text));
  } else {
    inet_ntop(AF_INET6, bytes.data(), text, sizeof(text));
  }
  return text;
}

// "8" -> 8; nullopt for anything but 1 to 3 decimal digits.
std::optional<unsigned> parsePrefix(std::string_view text) {
  if (text.empty() || text.size() > 3 || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  unsigned value = 0;
  for (char c : text) {
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value;
}

}  // namespace

Result<Cidr> Cidr::parse(std::string_view text) {
  if (text.empty()) {
    return Error("empty address range (expected e.g. 10.0.0.0/8, 2001:db8::/32 or 192.0.2.7)");
  }
  const size_t slash = text.find('/');
  const std::string_view host = text.substr(0, slash);
  if (host.empty()) {
    return Error(fmt::format("{} has no address before the /", quoted(text)));
  }
  if (host.find('%') != std::string_view::npos) {
    return Error(fmt::format("{}: zone ids (%eth0) are not allowed in address ranges", quoted(text)));
  }
  const std::optional<Address> address = parseAddress(host);
  if (!address) {
    return Error(
        fmt::format("{} is not a numeric IPv4 or IPv6 address or range (host names are not allowed)", quoted(text)));
  }
  const unsigned maxPrefix = address->ipv4 ? 32 : 128;
  unsigned prefix = maxPrefix;
  if (slash != std::string_view::npos) {
    const std::string_view prefixText = text.substr(slash + 1);
    if (prefixText.empty()) {
      return Error(fmt::format("{} has no prefix length after the /", quoted(text)));
    }
    const std::optional<unsigned> parsed = parsePrefix(prefixText);
    if (!parsed || *parsed > maxPrefix) {
      return Error(fmt::format("{}: the prefix length must be 0 to {} for an {} address", quoted(text), maxPrefix,
                               address->ipv4 ? "IPv4" : "IPv6"));
    }
    prefix = *parsed;
  }
  Cidr cidr;
  cidr.prefix_ = static_cast<uint8_t>(address->ipv4 ? 96 + prefix : prefix);
  cidr.bytes_ = networkOf(address->bytes, cidr.prefix_);
  if (cidr.bytes_ != address->bytes) {
    return Error(fmt::format("{} has host bits set: did you mean {}/{}?", text,
                             formatAddress(cidr.bytes_, address->ipv4), prefix));
  }
  cidr.text_ = std::string(text);
  return cidr;
}

bool Cidr::contains(std::string_view address) const {
  const std::optional<Address> parsed = parseAddress(address);
  return parsed && networkOf(parsed->bytes, prefix_) == bytes_;
}

bool anyContains(std::span<const Cidr> ranges, std::string_view address) {
  return std::any_of(ranges.begin(), ranges.end(), [&](const Cidr& range) { return range.contains(address); });
}

std::string_view hostOfPeer(std::string_view peer) {
  if (peer.starts_with('[')) {
    const size_t close = peer.find(']');
    return close == std::string_view::npos ? peer.substr(1) : peer.substr(1, close - 1);
  }
  const size_t colon = peer.find(':');
  // Two colons or more: a bare IPv6 address, no port.
  if (colon == std::string_view::npos || peer.find(':', colon + 1) != std::string_view::npos) {
    return peer;
  }
  return peer.substr(0, colon);
}

}  // namespace rtsedge::security
