#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "relay/status.h"

namespace rtsedge::rtmp {

inline constexpr size_t kHandshakeSize = 1536;

// Server side of the RTMP handshake, in both forms: the simple one (S2 echoes C1)
// and the complex one Flash players, ffmpeg and OBS use, where C1 carries an
// HMAC-SHA256 digest at one of two schema offsets and the server proves itself
// with digests of its own. The form follows what C1 validates as.
class ServerHandshake {
 public:
  // Consumes handshake bytes from `data`; `consumed` says how many belonged to
  // the handshake (the rest are the first chunks). Once C0+C1 are in, S0+S1+S2 are
  // appended to `reply`. True when C2 has been read.
  Result<bool> feed(std::span<const uint8_t> data, size_t& consumed, std::vector<uint8_t>& reply);
  bool complex() const { return complex_; }

 private:
  void answer(std::vector<uint8_t>& reply);

  std::vector<uint8_t> c0c1_;
  size_t c2Received_ = 0;
  bool answered_ = false;
  bool complex_ = false;
};

// Client side: used by tests here and by the edge to pull from an upstream.
class ClientHandshake {
 public:
  explicit ClientHandshake(bool complex) : complex_(complex) {}

  std::vector<uint8_t> start();  // C0 + C1
  // Consumes S0+S1+S2; appends C2 to `reply` once S1 is in. True when done. In the
  // complex form the server's digests must validate.
  Result<bool> feed(std::span<const uint8_t> data, size_t& consumed, std::vector<uint8_t>& reply);

 private:
  bool complex_;
  std::array<uint8_t, kHandshakeSize> c1_{};
  size_t c1DigestOffset_ = 0;
  std::vector<uint8_t> s0s1s2_;
};

}  // namespace rtsedge::rtmp
