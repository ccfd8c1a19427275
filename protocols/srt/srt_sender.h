#pragma once

#include <srt/srt.h>

#include <cstdint>
#include <vector>

#include "relay/bytes.h"
#include "relay/egress_queue.h"

namespace rtsedge::srt {

// Drains an EgressQueue of MPEG-TS into an SRT socket as live-mode messages of whole
// TS packets (at most the payload size). What SRT's send buffer cannot take now stays
// where it is until the socket reports SRT_EPOLL_OUT and send() is called again.
class SrtSender {
 public:
  SrtSender(EgressQueue& queue, uint32_t payloadSize);

  // Sends what it can. False when the socket failed (not merely full): srt_getlasterror says why.
  bool send(SRTSOCKET socket);
  uint64_t bytesSent() const { return bytesSent_; }

 private:
  EgressQueue& queue_;
  size_t chunk_;
  std::vector<Bytes> batch_;
  size_t index_ = 0;   // the buffer of batch_ being sent
  size_t offset_ = 0;  // bytes of it already handed to SRT
  uint64_t bytesSent_ = 0;
};

}  // namespace rtsedge::srt
