#include "relay/uv/tcp.h"

#include <spdlog/spdlog.h>

#include "relay/uv/address.h"

namespace rtsedge::uv {

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
  if (writing_) {
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
