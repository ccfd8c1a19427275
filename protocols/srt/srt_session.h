#pragma once

#include <srt/srt.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocols/mpegts/ts_muxer.h"
#include "protocols/mpegts/ts_publisher.h"
#include "protocols/srt/srt_context.h"
#include "protocols/srt/srt_sender.h"
#include "protocols/srt/srt_stats.h"
#include "protocols/srt/stream_id.h"
#include "relay/clients.h"
#include "relay/egress_queue.h"
#include "relay/egress_subscriber.h"
#include "relay/session.h"
#include "relay/uv/loop.h"
#include "relay/uv/timer.h"
#include "security/session_access.h"

namespace rtsedge::srt {

// One accepted SRT connection: a publisher (m=publish) whose MPEG-TS feeds a
// Stream, or a player (m=request) that gets the stream as MPEG-TS. Reads and
// writes happen on the loop thread when the poller reports the socket ready;
// a player's queue is sent in payload-size messages, the rest waiting for SRT's
// send buffer to drain.
class SrtSession final : public uv::DeferredDeletable,
                         public Client,
                         private SrtPoller::Handler,
                         private EgressSubscriber::Listener,
                         private StreamSource::Listener {
 public:
  class Listener {
   public:
    virtual void onSessionClosed(SrtSession& session) = 0;

   protected:
    ~Listener() = default;
  };

  // Takes ownership of the socket.
  SrtSession(SrtContext& context, SRTSOCKET socket, std::string peer, SrtStreamId request, Listener& listener);
  ~SrtSession() override;

  uint64_t id() const { return id_; }
  void start();
  void close(CloseReason reason, std::string_view detail);

  ClientInfo clientInfo() const override;
  void kick() override { close(CloseReason::kKicked, "kicked through the API"); }

 private:
  void onSrtEvents(int events) override;
  void onEgressOutput() override { send(); }
  void onEgressSkipped() override;
  void onEgressOverflow() override;
  void onEgressStreamEnded() override;
  void onPublisherReplaced() override;

  // Registers with the poller and takes the role asked for; until then what the peer
  // sends waits in SRT's receive buffer.
  void begin();
  void startPublishing();
  void waitForStream();
  void startPlaying(Stream& stream);
  void receive();
  void send();
  // Once a second: a silent publisher, a player still waiting, SRT's counters.
  void onTick();
  void recordTransportStats();
  void failed(std::string_view what);

  SrtContext& context_;
  SRTSOCKET socket_;
  std::string peer_;
  SrtStreamId request_;
  Listener& listener_;
  uint64_t id_;
  SteadyTime since_;
  SessionRole role_;
  bool closed_ = false;
  uv::Timer timer_;
  uint64_t bytesReceived_ = 0;
  SrtTransportStats transport_;
  security::SessionAccess access_;

  // Publisher.
  std::unique_ptr<mpegts::TsPublisher> publisher_;
  SteadyTime lastMedia_{};
  mpegts::TsDemuxStats recordedDemux_;  // what recordTransportStats() counted already
  mpegts::TsIngestStats recordedIngest_;

  // Player.
  EgressQueue queue_;
  std::unique_ptr<mpegts::TsMuxer> muxer_;
  std::unique_ptr<EgressSubscriber> subscriber_;
  SrtSender sender_;
};

}  // namespace rtsedge::srt
