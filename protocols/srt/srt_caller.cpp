#include "protocols/srt/srt_caller.h"

#include <fmt/format.h>

#include "protocols/srt/srt_server.h"
#include "relay/uv/address.h"

namespace rtsedge::srt {

std::string callerStreamId(std::string_view app, std::string_view name, std::string_view query, bool publish) {
  return fmt::format("#!::r={}/{}{}{},m={}", app, name, query.empty() ? "" : "?", query,
                     publish ? "publish" : "request");
}

SrtCaller::SrtCaller(SrtUpstreamContext& context, Listener& listener)
    : context_(context),
      listener_(listener),
      connectTimer_(context.loop, [this] { fail("connect", "no SRT connection within tier.connect_timeout"); }) {}

Status SrtCaller::connect(const UpstreamSettings& upstream, const std::string& streamId) {
  SrtSettings settings = context_.settings;
  settings.latency = upstream.srtLatency.value_or(settings.latency);
  settings.passphrase = upstream.srtPassphrase.value_or(settings.passphrase);
  auto address = uv::parseSocketAddress(upstream.address.host, upstream.address.port);
  if (!address) {
    return address.error();
  }
  socket_ = srt_create_socket();
  if (socket_ == SRT_INVALID_SOCK) {
    return Error(std::string("srt_create_socket: ") + srt_getlasterror_str());
  }
  if (Status options = applySocketOptions(socket_, settings); !options) {
    return options;
  }
  if (srt_setsockflag(socket_, SRTO_STREAMID, streamId.data(), static_cast<int>(streamId.size())) == SRT_ERROR) {
    return Error(fmt::format("stream id: {}", srt_getlasterror_str()));
  }
  if (Status added = context_.poller.add(socket_, SRT_EPOLL_IN | SRT_EPOLL_OUT | SRT_EPOLL_ERR, *this); !added) {
    return added;
  }
  int size = address->ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (srt_connect(socket_, reinterpret_cast<const sockaddr*>(&*address), size) == SRT_ERROR) {
    return Error(fmt::format("connect: {}", srt_getlasterror_str()));
  }
  connectTimer_.start(context_.tier.connectTimeout);
  return Status::ok();
}

void SrtCaller::close() {
  if (socket_ != SRT_INVALID_SOCK) {
    context_.poller.remove(socket_);
    srt_close(socket_);
    socket_ = SRT_INVALID_SOCK;
  }
  connectTimer_.close();
}

void SrtCaller::fail(std::string_view kind, std::string_view detail) {
  if (socket_ == SRT_INVALID_SOCK) {
    return;
  }
  close();
  listener_.onCallerFailed(kind, detail);
}

void SrtCaller::onSrtEvents(int events) {
  if (socket_ == SRT_INVALID_SOCK) {
    return;
  }
  if (!connected_ && (events & SRT_EPOLL_OUT) != 0 && srt_getsockstate(socket_) == SRTS_CONNECTED) {
    connected_ = true;
    connectTimer_.stop();
    listener_.onCallerConnected();
  }
  if (socket_ != SRT_INVALID_SOCK && connected_ && (events & SRT_EPOLL_IN) != 0) {
    listener_.onCallerReadable();
  }
  if (socket_ != SRT_INVALID_SOCK && connected_ && (events & SRT_EPOLL_OUT) != 0) {
    listener_.onCallerWritable();
  }
  if (socket_ != SRT_INVALID_SOCK && (events & SRT_EPOLL_ERR) != 0) {
    int reason = srt_getrejectreason(socket_);
    if (connected_) {
      fail("closed", "the upstream closed the connection");
    } else {
      fail(reason >= SRT_REJC_PREDEFINED ? "refused" : "connect",
           fmt::format("{} (reject reason {})", srt_rejectreason_str(reason), reason));
    }
  }
}

}  // namespace rtsedge::srt
