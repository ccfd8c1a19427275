#include "protocols/srt/srt_pull.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>

#include "protocols/srt/srt_server.h"
#include "relay/uv/address.h"

namespace rtsedge::srt {

namespace {

constexpr size_t kReceiveBufferSize = 1500;

// The node's SRT settings with what the upstream URL's query overrides
// (srt://host:port?latency=200&passphrase=...).
Result<SrtSettings> settingsFor(const SrtSettings& node, std::string_view options) {
  SrtSettings settings = node;
  while (!options.empty()) {
    size_t amp = options.find('&');
    std::string_view pair = options.substr(0, amp);
    options = amp == std::string_view::npos ? std::string_view() : options.substr(amp + 1);
    size_t equals = pair.find('=');
    std::string_view name = pair.substr(0, equals);
    std::string_view value = equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
    if (name == "latency") {
      settings.latency = Millis(std::strtol(std::string(value).c_str(), nullptr, 10));
    } else if (name == "passphrase") {
      settings.passphrase = std::string(value);
    } else {
      return Error(fmt::format("unknown SRT option {:?} (latency, passphrase)", name));
    }
  }
  return settings;
}

}  // namespace

std::string pullStreamId(const PullTarget& target) {
  return fmt::format("#!::r={}/{}{}{},m=request", target.app, target.name, target.query.empty() ? "" : "?",
                     target.query);
}

SrtPull::SrtPull(SrtPullContext& context, Stream& stream, UpstreamAttempt::Listener& listener, std::string url)
    : context_(context),
      stream_(stream),
      listener_(listener),
      url_(std::move(url)),
      connectTimer_(context.loop, [this] { fail("connect", "no SRT connection within the connect timeout"); }),
      publisher_(context.clock, context.framesReceived, static_cast<StreamSource::Listener&>(*this)) {
  publisher_.markUpstream();
}

Result<std::unique_ptr<UpstreamAttempt>> SrtPull::start(SrtPullContext& context, const UpstreamSettings& upstream,
                                                        Stream& stream, const PullTarget& target,
                                                        UpstreamAttempt::Listener& listener) {
  auto settings = settingsFor(context.settings, upstream.options);
  if (!settings) {
    return settings.error();
  }
  auto address = uv::parseSocketAddress(upstream.address.host, upstream.address.port);
  if (!address) {
    return address.error();
  }
  std::unique_ptr<SrtPull> self(new SrtPull(context, stream, listener, upstream.url));
  self->socket_ = srt_create_socket();
  if (self->socket_ == SRT_INVALID_SOCK) {
    return Error(std::string("srt_create_socket: ") + srt_getlasterror_str());
  }
  if (Status options = applySocketOptions(self->socket_, *settings); !options) {
    return options.error();
  }
  std::string streamId = pullStreamId(target);
  if (srt_setsockflag(self->socket_, SRTO_STREAMID, streamId.data(), static_cast<int>(streamId.size())) == SRT_ERROR) {
    return Error(fmt::format("stream id: {}", srt_getlasterror_str()));
  }
  if (Status added = context.poller.add(self->socket_, SRT_EPOLL_IN | SRT_EPOLL_OUT | SRT_EPOLL_ERR, *self); !added) {
    return added.error();
  }
  int size = address->ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (srt_connect(self->socket_, reinterpret_cast<const sockaddr*>(&*address), size) == SRT_ERROR) {
    return Error(fmt::format("connect: {}", srt_getlasterror_str()));
  }
  self->connectTimer_.start(context.tier.connectTimeout);
  return std::unique_ptr<UpstreamAttempt>(std::move(self));
}

SrtPull::~SrtPull() {
  stop();
}

void SrtPull::stop() {
  if (socket_ != SRT_INVALID_SOCK) {
    context_.poller.remove(socket_);
    srt_close(socket_);
    socket_ = SRT_INVALID_SOCK;
  }
  connectTimer_.close();
  publisher_.finish();
  publisher_.detach();
  stopped_ = true;
}

void SrtPull::fail(std::string_view kind, std::string_view detail) {
  if (stopped_) {
    return;
  }
  stop();
  listener_.onAttemptFailed(kind, detail);  // the pull may delete us later, never now
}

void SrtPull::onSrtEvents(int events) {
  if (stopped_) {
    return;
  }
  if (!connected_ && (events & SRT_EPOLL_OUT) != 0 && srt_getsockstate(socket_) == SRTS_CONNECTED) {
    connected_ = true;
    connectTimer_.stop();
  }
  if ((events & SRT_EPOLL_IN) != 0) {
    receive();
  }
  if (!stopped_ && (events & SRT_EPOLL_ERR) != 0) {
    int reason = srt_getrejectreason(socket_);
    if (!connected_) {
      fail(reason >= SRT_REJC_PREDEFINED ? "refused" : "connect",
           fmt::format("{} (reject reason {})", srt_rejectreason_str(reason), reason));
    } else {
      fail("closed", "the upstream closed the connection");
    }
  }
}

void SrtPull::receive() {
  std::array<char, kReceiveBufferSize> buffer;
  while (!stopped_) {
    int received = srt_recvmsg(socket_, buffer.data(), static_cast<int>(buffer.size()));
    if (received == SRT_ERROR) {
      if (srt_getlasterror(nullptr) != SRT_EASYNCRCV) {
        fail("closed", srt_getlasterror_str());
      }
      return;
    }
    if (received <= 0) {
      return;
    }
    if (!attached_) {
      if (Status attached = publisher_.attachTo(stream_); !attached) {
        fail("refused", attached.error().message());
        return;
      }
      attached_ = true;
    }
    uint64_t before = publisher_.stats().framesPublished;
    publisher_.feed(std::span(reinterpret_cast<const uint8_t*>(buffer.data()), static_cast<size_t>(received)));
    if (publisher_.stats().framesPublished != before) {
      bool first = !lastMedia_;
      lastMedia_ = context_.clock.now();
      if (first) {
        listener_.onAttemptPlaying();
      }
    }
  }
}

}  // namespace rtsedge::srt
