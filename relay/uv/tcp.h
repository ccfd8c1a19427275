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
#include "relay/uv/tls_stream.h"

namespace rtsedge::uv {

// One accepted TCP connection. At most one write is in flight: the owner batches
// what it has (writev over shared Bytes) and hands the next batch when told the
// previous one is done, so the per-connection state is allocated once.
//
// With enableTls() the connection is the server side of TLS and the listener still
// sees plaintext both ways: what arrives is decrypted (the handshake is driven on the
// way) and each batch goes out encrypted in one write. Records the TLS layer sends on
// its own (handshake, alerts) take turns with the listener's writes; writing() and
// onTcpWriteDone() concern the listener's writes only.
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
  // Makes this accepted connection the server side of TLS with `context`. Before startReading().
  void enableTls(std::shared_ptr<SSL_CTX> context);
  bool tls() const { return tls_ != nullptr; }
  Status startReading();
  void stopReading();
  bool writing() const { return writing_; }
  // Writes the whole batch with one writev and keeps its references until written.
  // Leaves `batch` empty (its capacity is reused). Precondition: !writing().
  void write(std::vector<Bytes>& batch);
  // With TLS, sends close_notify if the socket takes it at once (never waits).
  void close();
  bool closed() const { return tcp_->closed(); }
  const std::string& peer() const { return peer_; }
  // Bytes handed to the socket (with TLS: ciphertext).
  uint64_t bytesWritten() const { return bytesWritten_; }

 private:
  friend class TcpListener;
  friend class TcpConnector;
  // A write still in flight at close time completes (cancelled) after the wrapper
  // is gone: then the state is orphaned (owner null) and its callback frees it.
  struct WriteState {
    uv_write_t request{};
    TcpConnection* owner = nullptr;
    std::vector<Bytes> inFlight;  // with TLS: the listener's batch until it is encrypted
    std::vector<uv_buf_t> buffers;
    std::vector<uint8_t> ciphertext;  // with TLS: what the write in flight sends
  };
  struct TlsState {
    explicit TlsState(SSL_CTX* context) : stream(context) {}
    TlsStream stream;
    size_t encrypted = 0;           // of write_->inFlight, while the handshake holds the batch back
    bool plaintextWaiting = false;  // the listener's batch is (partly) not encrypted yet
    bool listenerQueued = false;    // its ciphertext is in stream.output(), not sent yet
    bool listenerSending = false;   // its ciphertext is in the write in flight
    bool sending = false;           // a write of ciphertext is in flight
  };

  static void onAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void onWrite(uv_write_t* request, int status);
  void fail(std::string_view reason);
  void resolvePeer();
  void readTls(std::span<const uint8_t> ciphertext);
  void writeTls(std::vector<Bytes>& batch);
  void pumpTls();
  void sendTls();
  void onTlsWritten(int status);
  void closeTls();

  Loop& loop_;
  Listener* listener_;
  std::unique_ptr<Handle<uv_tcp_t>> tcp_;
  std::unique_ptr<WriteState> write_;
  bool writing_ = false;
  uint64_t bytesWritten_ = 0;
  std::string peer_;
  std::unique_ptr<TlsState> tls_;  // null: plain TCP
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
