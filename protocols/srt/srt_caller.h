#pragma once

#include <srt/srt.h>

#include <string>
#include <string_view>

#include "metrics/registry.h"
#include "protocols/srt/srt_poller.h"
#include "relay/clock.h"
#include "relay/config.h"
#include "relay/status.h"
#include "relay/uv/timer.h"

namespace rtsedge::srt {

// What SRT pulls and pushes of a loop share.
struct SrtUpstreamContext {
  uv::Loop& loop;
  const Clock& clock;
  SrtPoller& poller;
  const SrtSettings& settings;  // latency, passphrase, payload size: the node's, unless the URL says otherwise
  const TierSettings& tier;
  const ViewerSettings& viewers;
  metrics::Counter& framesReceived;
};

// An outgoing SRT connection (caller) to an upstream, for a pull (m=request) or a
// push (m=publish): the node's SRT settings with the URL's overrides
// (srt://host:port?latency=200&passphrase=...), the stream id, the connect timeout,
// and the socket's events from the poller.
class SrtCaller final : private SrtPoller::Handler {
 public:
  class Listener {
   public:
    virtual void onCallerConnected() {}
    virtual void onCallerReadable() {}
    virtual void onCallerWritable() {}
    // The connection failed or ended; it is closed already. kind: connect, refused, closed.
    virtual void onCallerFailed(std::string_view kind, std::string_view detail) = 0;

   protected:
    ~Listener() = default;
  };

  SrtCaller(SrtUpstreamContext& context, Listener& listener);
  ~SrtCaller() { close(); }
  SrtCaller(const SrtCaller&) = delete;
  SrtCaller& operator=(const SrtCaller&) = delete;

  // An Error when the attempt cannot even start; later failures come through the listener.
  Status connect(const UpstreamSettings& upstream, const std::string& streamId);
  // No callback afterwards.
  void close();
  SRTSOCKET socket() const { return socket_; }
  // Ends the connection from our side, reporting it like any other failure.
  void fail(std::string_view kind, std::string_view detail);

 private:
  void onSrtEvents(int events) override;

  SrtUpstreamContext& context_;
  Listener& listener_;
  SRTSOCKET socket_ = SRT_INVALID_SOCK;
  bool connected_ = false;
  uv::Timer connectTimer_;
};

// "#!::r=app/name?query,m=request" (or m=publish).
std::string callerStreamId(std::string_view app, std::string_view name, std::string_view query, bool publish);

}  // namespace rtsedge::srt
