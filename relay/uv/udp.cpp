#include "relay/uv/udp.h"

#include <fmt/format.h>

#include "relay/uv/address.h"

namespace rtsedge::uv {

UdpSocket::UdpSocket(Loop& loop, Listener& listener) : loop_(loop), listener_(listener), handle_(this) {
  uv_udp_init(loop.raw(), handle_.get());
}

Result<std::unique_ptr<UdpSocket>> UdpSocket::bind(Loop& loop, const std::string& host, uint16_t port,
                                                   Listener& listener) {
  auto address = parseSocketAddress(host, port);
  if (!address) {
    return address.error();
  }
  std::unique_ptr<UdpSocket> socket(new UdpSocket(loop, listener));
  if (int rc = uv_udp_bind(socket->handle_.get(), reinterpret_cast<const sockaddr*>(&*address), 0); rc != 0) {
    return Error(fmt::format("bind udp {}:{}: {}", host, port, uv_strerror(rc)));
  }
  sockaddr_storage bound{};
  int length = sizeof(bound);
  uv_udp_getsockname(socket->handle_.get(), reinterpret_cast<sockaddr*>(&bound), &length);
  socket->port_ = portOf(bound);
  if (int rc = uv_udp_recv_start(socket->handle_.get(), &UdpSocket::onAlloc, &UdpSocket::onReceive); rc != 0) {
    return Error(fmt::format("udp receive: {}", uv_strerror(rc)));
  }
  return socket;
}

bool UdpSocket::send(std::span<const uint8_t> data, const sockaddr* to) {
  if (handle_.closed()) {
    return false;
  }
  uv_buf_t buffer = uv_buf_init(const_cast<char*>(reinterpret_cast<const char*>(data.data())),
                                static_cast<unsigned>(data.size()));
  if (uv_udp_try_send(handle_.get(), &buffer, 1, to) < 0) {
    ++dropped_;
    return false;
  }
  return true;
}

void UdpSocket::setBufferSizes(int bytes) {
  int value = bytes;
  uv_send_buffer_size(reinterpret_cast<uv_handle_t*>(handle_.get()), &value);
  value = bytes;
  uv_recv_buffer_size(reinterpret_cast<uv_handle_t*>(handle_.get()), &value);
}

void UdpSocket::onAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* self = ownerOf<UdpSocket>(handle);
  if (self == nullptr) {
    *buf = uv_buf_init(nullptr, 0);
    return;
  }
  auto span = self->loop_.readBuffer();
  *buf = uv_buf_init(reinterpret_cast<char*>(span.data()), static_cast<unsigned>(span.size()));
}

void UdpSocket::onReceive(uv_udp_t* handle, ssize_t nread, const uv_buf_t* buf, const sockaddr* from, unsigned flags) {
  auto* self = ownerOf<UdpSocket>(handle);
  // nread 0 with no address: nothing more to read now; a truncated datagram (larger than
  // the buffer) is no datagram any protocol here can use.
  if (self == nullptr || nread <= 0 || from == nullptr || (flags & UV_UDP_PARTIAL) != 0) {
    return;
  }
  self->listener_.onDatagram({reinterpret_cast<uint8_t*>(buf->base), static_cast<size_t>(nread)}, from);
}

}  // namespace rtsedge::uv
