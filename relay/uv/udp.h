#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "relay/status.h"
#include "relay/uv/handle.h"
#include "relay/uv/loop.h"

struct sockaddr;

namespace rtsedge::uv {

// One bound UDP socket on the loop: datagrams arrive through the listener (read into
// the loop's shared buffer, so the data is valid during the call only) and leave with
// uv_udp_try_send: a datagram the kernel cannot take at once is dropped and counted,
// as a lost packet is on any network; nothing queues behind a slow peer.
class UdpSocket {
 public:
  class Listener {
   public:
    // `data` is the loop's read buffer: the listener may work on it in place (SRTP
    // decrypts in place) until it returns.
    virtual void onDatagram(std::span<uint8_t> data, const sockaddr* from) = 0;

   protected:
    ~Listener() = default;
  };

  static Result<std::unique_ptr<UdpSocket>> bind(Loop& loop, const std::string& host, uint16_t port,
                                                 Listener& listener);
  ~UdpSocket() { close(); }
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  uint16_t port() const { return port_; }
  // The kernel's send and receive buffers (SO_SNDBUF, SO_RCVBUF): a keyframe burst to many
  // viewers leaves at once; what does not fit is dropped. Best effort (the kernel caps it).
  void setBufferSizes(int bytes);
  // False when the datagram was dropped (the kernel's buffer is full, or the socket is closed).
  bool send(std::span<const uint8_t> data, const sockaddr* to);
  void close() { handle_.close(); }
  uint64_t dropped() const { return dropped_; }

 private:
  UdpSocket(Loop& loop, Listener& listener);
  static void onAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void onReceive(uv_udp_t* handle, ssize_t nread, const uv_buf_t* buf, const sockaddr* from, unsigned flags);

  Loop& loop_;
  Listener& listener_;
  Handle<uv_udp_t> handle_;
  uint16_t port_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace rtsedge::uv
