#pragma once

#include <srt/srt.h>

#include <array>
#include <cstdint>
#include <span>

namespace rtsedge::srt {

// Live-mode messages are at most this big: SRT caps them at the payload size.
inline constexpr size_t kMaxMessageSize = 1500;

enum class Received { kDrained, kStopped, kFailed };

// Reads every message waiting on a non-blocking SRT socket, handing each to
// onMessage(std::span<const uint8_t>), which returns false to stop (it closed the
// socket, say). kFailed: the connection failed; srt_getlasterror_str() says why.
template <class OnMessage>
Received receiveMessages(SRTSOCKET socket, OnMessage&& onMessage) {
  std::array<char, kMaxMessageSize> buffer;
  while (true) {
    int received = srt_recvmsg(socket, buffer.data(), static_cast<int>(buffer.size()));
    if (received == SRT_ERROR) {
      return srt_getlasterror(nullptr) == SRT_EASYNCRCV ? Received::kDrained : Received::kFailed;
    }
    if (received == 0) {
      return Received::kDrained;  // not seen in live mode; never spin on it
    }
    if (!onMessage(std::span(reinterpret_cast<const uint8_t*>(buffer.data()), static_cast<size_t>(received)))) {
      return Received::kStopped;
    }
  }
}

}  // namespace rtsedge::srt
