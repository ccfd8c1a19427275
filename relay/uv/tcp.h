#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "relay/bytes.h"
#include "relay/status.h"
#include "relay/uv/handle.h"
#include "relay/uv/loop.h"

namespace rtsedge::uv {

// One accepted TCP connection. At most one write is in flight: the owner batches
// what it has (writev over shared Bytes) and hands the next batch when told the
// previous one is done, so the per-connection state is allocated once.
class TcpConnection {
 public:
  class Listener {
   public:
    virtual void onTcpData(std::span<const uint8_t> data) = 0;
    virtual void onTcpWriteDone() = 0;
    // The peer closed or the socket failed; the connection is closed already.
    virtual void onTcpClosed(std::string_view reason) = 0;

   protected:
    ~Listener() = default;
  };

  TcpConnection(Loop& loop, Listener* listener);
  ~TcpConnection() { close(); }

  uv_stream_t* stream() const { return reinterpret_cast<uv_stream_t*>(tcp_->get()); }
  void setListener(Listener* listener) { listener_ = listener; }
  Status startReading();
  void stopReading();
  bool writing() const { return writing_; }
  // Writes the whole batch with one writev and keeps its references until written.
  // Leaves `batch` empty (its capacity is reused). Precondition: !writing().
  void write(std::vector<Bytes>& batch);
  void close();
  bool closed() const { return tcp_->closed(); }
  const std::string& peer() const { return peer_; }
  uint64_t bytesWritten() const { return bytesWritten_; }

 private:
  friend class TcpListener;
  friend class TcpConnector;
  // A write still in flight at close time completes (cancelled) after the wrapper
  // is gone: then the state is orphaned (owner null) and its callback frees it.
  struct WriteState {
    uv_write_t request{};
    TcpConnection* owner = nullptr;
    std::vector<Bytes> inFlight;
    std::vector<uv_buf_t> buffers;
  };

  static void onAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void onWrite(uv_write_t* request, int status);
  void fail(std::string_view reason);
  void resolvePeer();

  Loop& loop_;
  Listener* listener_;
  std::unique_ptr<Handle<uv_tcp_t>> tcp_;
  std::unique_ptr<WriteState> write_;
  bool writing_ = false;
  uint64_t bytesWritten_ = 0;
  std::string peer_;
};

// An outgoing connection in progress (a pull or push to an upstream). `done` runs
// once, from the loop, with the connected TcpConnection or why it failed; destroying
// the connector first abandons the attempt and `done` never runs. An attempt that
// cannot even start (a bad address) fails at once from start().
class TcpConnector {
 public:
  using Done = std::function<void(Result<std::unique_ptr<TcpConnection>>)>;

  // host: a numeric IPv4/IPv6 address or "localhost".
  static Result<std::unique_ptr<TcpConnector>> start(Loop& loop, const std::string& host, uint16_t port, Done done);
  ~TcpConnector();
  TcpConnector(const TcpConnector&) = delete;
  TcpConnector& operator=(const TcpConnector&) = delete;

 private:
  // Outlives the connector when the attempt is abandoned: libuv still calls back.
  struct Request {
    uv_connect_t connect{};
    TcpConnector* owner = nullptr;
  };

  TcpConnector(Loop& loop, Done done);
  static void onConnect(uv_connect_t* connect, int status);
  void finish(Result<std::unique_ptr<TcpConnection>> result);

  std::unique_ptr<TcpConnection> connection_;
  Request* request_ = nullptr;
  Done done_;
};

class TcpListener {
 public:
  class Listener {
   public:
    virtual void onTcpAccepted(std::unique_ptr<TcpConnection> connection) = 0;

   protected:
    ~Listener() = default;
  };

  static Result<std::unique_ptr<TcpListener>> listen(Loop& loop, const std::string& host, uint16_t port,
                                                     Listener& listener);
  ~TcpListener() { close(); }
  uint16_t port() const { return port_; }
  void close() { tcp_.close(); }

 private:
  TcpListener(Loop& loop, Listener& listener);
  static void onConnection(uv_stream_t* server, int status);

  Loop& loop_;
  Listener& listener_;
  Handle<uv_tcp_t> tcp_;
  uint16_t port_ = 0;
};

}  // namespace rtsedge::uv
