#pragma once

#include <srt/srt.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <memory>

#include "protocols/srt/srt_context.h"
#include "protocols/srt/srt_session.h"
#include "relay/status.h"

namespace rtsedge::srt {

// The SRT listener: checks each caller's stream id during the handshake (a bad one
// is rejected with an SRT reject reason before any session exists), accepts on the
// loop thread and owns the sessions.
class SrtServer final : private SrtPoller::Handler, private SrtSession::Listener {
 public:
  static Result<std::unique_ptr<SrtServer>> start(SrtContext& context);
  ~SrtServer();

  uint16_t port() const { return port_; }
  void shutdown();

 private:
  explicit SrtServer(SrtContext& context) : context_(context) {}
  Status listen();
  // On a libsrt thread, during the caller's handshake: only the stream id's syntax
  // and the connection count are checked here, nothing of the loop is touched.
  static int onHandshake(void* self, SRTSOCKET socket, int version, const struct sockaddr* peer, const char* streamId);
  void onSrtEvents(int events) override;
  void accept();
  void onSessionClosed(SrtSession& session) override;

  SrtContext& context_;
  SRTSOCKET listener_ = SRT_INVALID_SOCK;
  uint16_t port_ = 0;
  struct Accepted {
    std::unique_ptr<SrtSession> session;
    std::string address;  // the caller's, without port
  };
  std::map<uint64_t, Accepted> sessions_;
  std::atomic<size_t> sessionCount_{0};  // read by the handshake callback
  // Open sessions by caller address: counted on the loop, read by the handshake callback.
  mutable std::mutex perAddressMutex_;
  std::map<std::string, size_t, std::less<>> perAddress_;
};

// Applies the connection settings every SRT socket of the node gets (live mode,
// latency, encryption, payload size, bandwidth, peer idle timeout). For callers
// too: a tier that pulls over SRT uses the same.
Status applySocketOptions(SRTSOCKET socket, const SrtSettings& settings);

}  // namespace rtsedge::srt
