#include "relay/uv/tcp.h"

#include <spdlog/spdlog.h>

#include "relay/uv/address.h"

namespace rtsedge::uv {

namespace {
// With TLS the loop's read buffer is shared: ciphertext is read into the front, and
// decrypted into the back, one record (at most 16 KB) at a time.
constexpr size_t kTlsPlaintextArea = 16 * 1024;
}  // namespace

TcpConnection::TcpConnection(Loop& loop, Listener* listener)
    : loop_(loop),
      listener_(listener),
      tcp_(std::make_unique<Handle<uv_tcp_t>>(this)),
      write_(std::make_unique<WriteState>()) {
  uv_tcp_init(loop.raw(), tcp_->get());
  write_->owner = this;
  write_->request.data = write_.get();
}

Status TcpConnection::startReading() {
  int rc = uv_read_start(stream(), &TcpConnection::onAlloc, &TcpConnection::onRead);
  if (rc != 0) {
    return Error(std::string("read start: ") + uv_strerror(rc));
  }
  return Status::ok();
}

void TcpConnection::enableTls(std::shared_ptr<SSL_CTX> context) {
  tls_ = std::make_unique<TlsState>(context.get());  // the SSL holds its own reference
}

void TcpConnection::stopReading() {
  if (!closed()) {
    uv_read_stop(stream());
  }
}

void TcpConnection::write(std::vector<Bytes>& batch) {
  if (closed() || writing_ || batch.empty()) {
    batch.clear();
    return;
  }
  if (tls_ != nullptr) {
    writeTls(batch);
    return;
  }
  WriteState& state = *write_;
  state.inFlight.swap(batch);
  batch.clear();
  state.buffers.clear();
  for (const Bytes& bytes : state.inFlight) {
    state.buffers.push_back(uv_buf_init(const_cast<char*>(reinterpret_cast<const char*>(bytes.data())),
                                        static_cast<unsigned>(bytes.size())));
    bytesWritten_ += bytes.size();
  }
  int rc = uv_write(&state.request, stream(), state.buffers.data(), static_cast<unsigned>(state.buffers.size()),
                    &TcpConnection::onWrite);
  if (rc != 0) {
    state.inFlight.clear();
    fail(std::string("write: ") + uv_strerror(rc));
    return;
  }
  writing_ = true;
}

void TcpConnection::close() {
  if (closed()) {
    return;
  }
  bool inFlight = writing_;
  if (tls_ != nullptr) {
    closeTls();
    inFlight = tls_->sending;  // the listener's batch may be waiting for the handshake, not in flight
  }
  if (inFlight) {
    write_->owner = nullptr;
    write_.release();  // freed by onWrite, which libuv calls (cancelled) before the close callback
  }
  tcp_->close();
}

void TcpConnection::fail(std::string_view reason) {
  close();
  if (listener_ != nullptr) {
    listener_->onTcpClosed(reason);
  }
}

void TcpConnection::onAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* self = ownerOf<TcpConnection>(handle);
  if (self == nullptr) {
    *buf = uv_buf_init(nullptr, 0);
    return;
  }
  auto span = self->loop_.readBuffer();
  if (self->tls_ != nullptr) {
    span = span.first(span.size() - kTlsPlaintextArea);
  }
  *buf = uv_buf_init(reinterpret_cast<char*>(span.data()), static_cast<unsigned>(span.size()));
}

void TcpConnection::onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = ownerOf<TcpConnection>(stream);
  if (self == nullptr || nread == 0) {
    return;
  }
  if (nread < 0) {
    self->fail(nread == UV_EOF ? "peer closed" : uv_strerror(static_cast<int>(nread)));
    return;
  }
  if (self->tls_ != nullptr) {
    self->readTls({reinterpret_cast<const uint8_t*>(buf->base), static_cast<size_t>(nread)});
    return;
  }
  if (self->listener_ != nullptr) {
    self->listener_->onTcpData({reinterpret_cast<const uint8_t*>(buf->base), static_cast<size_t>(nread)});
  }
}

void TcpConnection::onWrite(uv_write_t* request, int status) {
  auto* state = static_cast<WriteState*>(request->data);
  TcpConnection* self = state->owner;
  if (self == nullptr) {
    delete state;
    return;
  }
  if (self->tls_ != nullptr) {
    self->onTlsWritten(status);
    return;
  }
  state->inFlight.clear();
  self->writing_ = false;
  if (status != 0) {
    self->fail(std::string("write: ") + uv_strerror(status));
    return;
  }
  if (self->listener_ != nullptr) {
    self->listener_->onTcpWriteDone();
  }
}

void TcpConnection::readTls(std::span<const uint8_t> ciphertext) {
  TlsState& tls = *tls_;
  Status status = tls.stream.feed(ciphertext, loop_.readBuffer().last(kTlsPlaintextArea),
                                  [this](std::span<const uint8_t> plaintext) {
                                    if (listener_ != nullptr) {
                                      listener_->onTcpData(plaintext);
                                    }
                                    return !closed();
                                  });
  if (closed()) {
    return;
  }
  if (!status) {
    fail("tls: " + status.error().message());  // the alert, if any, goes out as it closes
    return;
  }
  if (tls.stream.peerClosed()) {
    fail("peer closed");
    return;
  }
  pumpTls();  // the handshake's answer, and the listener's batch if the handshake just completed
}

void TcpConnection::writeTls(std::vector<Bytes>& batch) {
  write_->inFlight.swap(batch);
  batch.clear();
  writing_ = true;
  tls_->plaintextWaiting = true;
  tls_->encrypted = 0;
  pumpTls();
}

// Encrypts the listener's batch once the handshake allows, and starts a write of what
// the SSL has output unless one is in flight (then its completion comes back here).
void TcpConnection::pumpTls() {
  TlsState& tls = *tls_;
  if (tls.plaintextWaiting && tls.stream.handshakeDone()) {
    std::vector<Bytes>& batch = write_->inFlight;
    if (tls.encrypted == 0) {
      size_t total = 0;
      for (const Bytes& bytes : batch) {
        total += bytes.size();
      }
      tls.stream.reserve(total, batch.size());
    }
    for (; tls.encrypted < batch.size(); ++tls.encrypted) {
      auto encrypted = tls.stream.encrypt(batch[tls.encrypted].span());
      if (!encrypted) {
        fail("tls: " + encrypted.error().message());
        return;
      }
      if (!*encrypted) {
        break;  // not done after all (a renegotiation is refused, so this is not expected)
      }
    }
    if (tls.encrypted == batch.size()) {
      batch.clear();
      tls.plaintextWaiting = false;
      tls.listenerQueued = true;
    }
  }
  if (!tls.sending && tls.stream.hasOutput()) {
    sendTls();
  }
}

void TcpConnection::sendTls() {
  TlsState& tls = *tls_;
  WriteState& state = *write_;
  state.ciphertext = tls.stream.takeOutput();
  state.buffers.assign(
      1, uv_buf_init(reinterpret_cast<char*>(state.ciphertext.data()), static_cast<unsigned>(state.ciphertext.size())));
  bytesWritten_ += state.ciphertext.size();
  tls.listenerSending = tls.listenerQueued;
  tls.listenerQueued = false;
  int rc = uv_write(&state.request, stream(), state.buffers.data(), 1, &TcpConnection::onWrite);
  if (rc != 0) {
    state.ciphertext = {};
    fail(std::string("write: ") + uv_strerror(rc));
    return;
  }
  tls.sending = true;
}

void TcpConnection::onTlsWritten(int status) {
  TlsState& tls = *tls_;
  write_->ciphertext = {};  // an idle connection keeps no buffer
  tls.sending = false;
  if (status != 0) {
    fail(std::string("write: ") + uv_strerror(status));
    return;
  }
  bool listenerDone = tls.listenerSending;
  tls.listenerSending = false;
  pumpTls();  // what the SSL output meanwhile (handshake records, the listener's next batch)
  if (closed() || !listenerDone) {
    return;
  }
  writing_ = false;
  if (listener_ != nullptr) {
    listener_->onTcpWriteDone();
  }
}

// Best effort and never waiting: close_notify (and whatever is still queued, an alert
// say) goes out only if no write is in flight and the socket takes it at once.
void TcpConnection::closeTls() {
  TlsState& tls = *tls_;
  if (tls.sending) {
    return;
  }
  tls.stream.shutdown();
  if (tls.stream.hasOutput()) {
    auto output = tls.stream.output();
    uv_buf_t buffer = uv_buf_init(const_cast<char*>(reinterpret_cast<const char*>(output.data())),
                                  static_cast<unsigned>(output.size()));
    int written = uv_try_write(stream(), &buffer, 1);
    if (written > 0) {
      bytesWritten_ += static_cast<uint64_t>(written);
    }
    tls.stream.takeOutput();
  }
}

void TcpConnection::resolvePeer() {
  sockaddr_storage address{};
  int length = sizeof(address);
  peer_ = uv_tcp_getpeername(tcp_->get(), reinterpret_cast<sockaddr*>(&address), &length) == 0
              ? formatSocketAddress(reinterpret_cast<const sockaddr*>(&address))
              : "?";
}

TcpListener::TcpListener(Loop& loop, Listener& listener) : loop_(loop), listener_(listener), tcp_(this) {
  uv_tcp_init(loop.raw(), tcp_.get());
}

Result<std::unique_ptr<TcpListener>> TcpListener::listen(Loop& loop, const std::string& host, uint16_t port,
                                                         Listener& listener) {
  auto address = parseSocketAddress(host, port);
  if (!address) {
    return address.error();
  }
  std::unique_ptr<TcpListener> self(new TcpListener(loop, listener));
  int rc = uv_tcp_bind(self->tcp_.get(), reinterpret_cast<const sockaddr*>(&*address), 0);
  if (rc == 0) {
    rc = uv_listen(reinterpret_cast<uv_stream_t*>(self->tcp_.get()), 511, &TcpListener::onConnection);
  }
  if (rc != 0) {
    return Error("listen on " + host + ":" + std::to_string(port) + ": " + uv_strerror(rc));
  }
  sockaddr_storage bound{};
  int length = sizeof(bound);
  uv_tcp_getsockname(self->tcp_.get(), reinterpret_cast<sockaddr*>(&bound), &length);
  self->port_ = portOf(bound);
  return self;
}

void TcpListener::onConnection(uv_stream_t* server, int status) {
  auto* self = ownerOf<TcpListener>(server);
  if (self == nullptr) {
    return;
  }
  if (status != 0) {
    spdlog::warn("accept failed: {}", uv_strerror(status));
    return;
  }
  auto connection = std::make_unique<TcpConnection>(self->loop_, nullptr);
  if (uv_accept(server, connection->stream()) != 0) {
    return;
  }
  uv_tcp_nodelay(connection->tcp_->get(), 1);
  connection->resolvePeer();
  self->listener_.onTcpAccepted(std::move(connection));
}

TcpConnector::TcpConnector(Loop& loop, Done done)
    : connection_(std::make_unique<TcpConnection>(loop, nullptr)), done_(std::move(done)) {}

Result<std::unique_ptr<TcpConnector>> TcpConnector::start(Loop& loop, const std::string& host, uint16_t port,
                                                          Done done) {
  auto address = parseSocketAddress(host == "localhost" ? "127.0.0.1" : host, port);
  if (!address) {
    return address.error();
  }
  std::unique_ptr<TcpConnector> self(new TcpConnector(loop, std::move(done)));
  auto request = std::make_unique<Request>();
  request->owner = self.get();
  request->connect.data = request.get();
  int rc = uv_tcp_connect(&request->connect, self->connection_->tcp_->get(),
                          reinterpret_cast<const sockaddr*>(&*address), &TcpConnector::onConnect);
  if (rc != 0) {
    return Error(std::string("connect: ") + uv_strerror(rc));
  }
  self->request_ = request.release();
  return self;
}

TcpConnector::~TcpConnector() {
  if (request_ != nullptr) {
    request_->owner = nullptr;  // onConnect frees it, cancelled by the close below
  }
  connection_.reset();
}

void TcpConnector::onConnect(uv_connect_t* connect, int status) {
  auto* request = static_cast<Request*>(connect->data);
  TcpConnector* self = request->owner;
  delete request;
  if (self == nullptr) {
    return;
  }
  self->request_ = nullptr;
  if (status != 0) {
    self->finish(Error(std::string("connect: ") + uv_strerror(status)));
    return;
  }
  uv_tcp_nodelay(self->connection_->tcp_->get(), 1);
  self->connection_->resolvePeer();
  self->finish(std::move(self->connection_));
}

void TcpConnector::finish(Result<std::unique_ptr<TcpConnection>> result) {
  Done done = std::move(done_);
  done(std::move(result));
}

}  // namespace rtsedge::uv
