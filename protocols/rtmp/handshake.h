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
  // appended to `reply` (once). True when C2 has been read; an Error for a C0
  // version other than 3.
  Result<bool> feed(std::span<const uint8_t> data, size_t& consumed, std::vector<uint8_t>& reply);
  bool complex() const { return complex_; }

 private:
  void answer(std::vector<uint8_t>& reply);

  std::array<uint8_t, 1 + kHandshakeSize> c0c1_{};
  size_t c0c1Received_ = 0;
  size_t c2Received_ = 0;
  bool complex_ = false;
};

// Client side: used by the edge to pull from an upstream, and by tests of the server.
class ClientHandshake {
 public:
  explicit ClientHandshake(bool complex) : complex_(complex) {}

  std::vector<uint8_t> start();  // C0 + C1
  // Consumes S0+S1+S2; appends C2 to `reply` as soon as S1 is in (once). True when
  // done. An Error for an S0 version other than 3 or, when the server answers in
  // the complex form, an S1 digest or S2 signature that does not validate.
  Result<bool> feed(std::span<const uint8_t> data, size_t& consumed, std::vector<uint8_t>& reply);

 private:
  Status answerS1(std::vector<uint8_t>& reply);
  Status checkS2() const;

  bool complex_;
  std::array<uint8_t, kHandshakeSize> c1_{};
  size_t c1DigestOffset_ = 0;
  std::array<uint8_t, 1 + 2 * kHandshakeSize> s0s1s2_{};
  size_t received_ = 0;
  bool serverComplex_ = false;  // S1 announced a version, so it carries a digest
};

}  // namespace rtsedge::rtmp
