#include "relay/uv/tls_stream.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "metrics/registry.h"
#include "relay/tcp_server.h"
#include "relay/tls/tls_context.h"
#include "relay/uv/timer.h"
#include "tests/unit/fixtures/run_loop.h"

namespace rtsedge {
namespace {

using uv::TlsStream;

std::span<const uint8_t> bytesOf(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

std::string textOf(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::string pattern(size_t size) {
  std::string text(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    text[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  }
  return text;
}

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using CertificatePtr = std::unique_ptr<X509, X509Free>;

KeyPtr newKey() {
  KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  REQUIRE(key);
  return key;
}

// A self-signed ECDSA P-256 certificate for `commonName` (also its DNS name).
CertificatePtr selfSigned(EVP_PKEY* key, const std::string& commonName) {
  static long serial = 1;
  CertificatePtr certificate(X509_new());
  REQUIRE(certificate);
  X509* x = certificate.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(commonName.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(x, name);
  std::string altName = "DNS:" + commonName;
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, altName.c_str());
  REQUIRE(extension != nullptr);
  X509_add_ext(x, extension, -1);
  X509_EXTENSION_free(extension);
  REQUIRE(X509_sign(x, key, EVP_sha256()) > 0);
  return certificate;
}

void writeText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// A certificate and its key as PEM files in a directory of their own, removed at the end.
struct CertificateFiles {
  CertificateFiles() {
    static int counter = 0;
    directory = std::filesystem::temp_directory_path() /
                ("rtsedge-tls-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::create_directories(directory);
    certificateFile = (directory / "cert.pem").string();
    keyFile = (directory / "key.pem").string();
    replace("localhost");
  }
  ~CertificateFiles() {
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
  }

  // New key and certificate in the same files.
  void replace(const std::string& commonName) {
    key = newKey();
    certificate = selfSigned(key.get(), commonName);
    writeCertificate(certificateFile, certificate.get());
    writeKey(keyFile, key.get());
  }

  static void writeCertificate(const std::string& path, X509* x) {
    BIO* bio = BIO_new_file(path.c_str(), "w");
    REQUIRE(bio != nullptr);
    CHECK(PEM_write_bio_X509(bio, x) == 1);
    BIO_free(bio);
  }
  static void writeKey(const std::string& path, EVP_PKEY* k) {
    BIO* bio = BIO_new_file(path.c_str(), "w");
    REQUIRE(bio != nullptr);
    CHECK(PEM_write_bio_PrivateKey(bio, k, nullptr, nullptr, 0, nullptr, nullptr) == 1);
    BIO_free(bio);
  }

  std::filesystem::path directory;
  std::string certificateFile;
  std::string keyFile;
  KeyPtr key;
  CertificatePtr certificate;
};

std::shared_ptr<tls::TlsContext> load(const CertificateFiles& files) {
  auto context = tls::TlsContext::load(files.certificateFile, files.keyFile);
  REQUIRE_MESSAGE(context, (context ? "" : context.error().message()));
  return *context;
}

// A client SSL that trusts `trusted` only, verifies "localhost", over two memory BIOs.
class Client {
 public:
  struct Options {
    X509* trusted = nullptr;
    std::string alpn = {};  // wire format: length-prefixed names
    int maxVersion = 0;
  };

  explicit Client(const Options& options) : context_(SSL_CTX_new(TLS_client_method())) {
    REQUIRE(context_ != nullptr);
    if (options.trusted != nullptr) {
      X509_STORE_add_cert(SSL_CTX_get_cert_store(context_), options.trusted);
      SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, nullptr);
    }
    if (options.maxVersion != 0) {
      SSL_CTX_set_min_proto_version(context_, TLS1_VERSION);
      SSL_CTX_set_max_proto_version(context_, options.maxVersion);
      SSL_CTX_set_security_level(context_, 0);
    }
    ssl_ = SSL_new(context_);
    SSL_set1_host(ssl_, "localhost");
    SSL_set_tlsext_host_name(ssl_, "localhost");
    if (!options.alpn.empty()) {
      SSL_set_alpn_protos(ssl_, reinterpret_cast<const unsigned char*>(options.alpn.data()),
                          static_cast<unsigned>(options.alpn.size()));
    }
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl_, in_, out_);
    SSL_set_connect_state(ssl_);
  }
  ~Client() {
    SSL_free(ssl_);
    SSL_CTX_free(context_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  SSL* ssl() const { return ssl_; }
  bool handshakeDone() const { return SSL_is_init_finished(ssl_); }
  // Drives the handshake; false once it failed.
  bool step() {
    if (handshakeDone()) {
      return true;
    }
    int rc = SSL_do_handshake(ssl_);
    if (rc == 1) {
      return true;
    }
    int error = SSL_get_error(ssl_, rc);
    ERR_clear_error();
    return error == SSL_ERROR_WANT_READ;
  }
  std::vector<uint8_t> takeOutput() {
    std::vector<uint8_t> bytes(static_cast<size_t>(BIO_ctrl_pending(out_)));
    if (!bytes.empty()) {
      REQUIRE(BIO_read(out_, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size()));
    }
    return bytes;
  }
  void receive(std::span<const uint8_t> bytes) {
    if (!bytes.empty()) {
      REQUIRE(BIO_write(in_, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size()));
    }
  }
  void write(std::string_view text) {
    size_t written = 0;
    REQUIRE(SSL_write_ex(ssl_, text.data(), text.size(), &written) == 1);
    REQUIRE(written == text.size());
  }
  // Everything decrypted so far.
  std::string read() {
    std::string text;
    char buffer[4096];
    size_t count = 0;
    while (SSL_read_ex(ssl_, buffer, sizeof(buffer), &count) == 1) {
      text.append(buffer, count);
    }
    ERR_clear_error();
    return text;
  }
  std::string_view alpn() const {
    const unsigned char* protocol = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(ssl_, &protocol, &length);
    return protocol == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(protocol), length);
  }

 private:
  SSL_CTX* context_;
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;
  BIO* out_ = nullptr;
};

// A TlsStream and a client, with the bytes moved between them by hand.
struct Pair {
  explicit Pair(SSL_CTX* serverContext, const Client::Options& options = {}) : server(serverContext), client(options) {}

  Status feed(std::span<const uint8_t> ciphertext) {
    return server.feed(ciphertext, scratch, [this](std::span<const uint8_t> plaintext) {
      received += textOf(plaintext);
      ++chunks;
      return true;
    });
  }
  // Moves bytes both ways until neither side has more; the first server error, if any.
  Status pump() {
    for (int round = 0; round < 50; ++round) {
      if (!client.step()) {
        return Error("client handshake failed");
      }
      auto toServer = client.takeOutput();
      bool moved = !toServer.empty() || server.hasOutput();
      if (!toServer.empty()) {
        if (Status status = feed(toServer); !status) {
          client.receive(server.takeOutput());
          return status;
        }
      }
      client.receive(server.takeOutput());
      if (!moved) {
        return Status::ok();
      }
    }
    return Error("no end to the exchange");
  }
  void handshake() {
    Status status = pump();
    REQUIRE_MESSAGE(status, (status ? "" : status.error().message()));
    REQUIRE(client.handshakeDone());
    REQUIRE(server.handshakeDone());
  }

  TlsStream server;
  Client client;
  std::vector<uint8_t> scratch = std::vector<uint8_t>(16 * 1024);
  std::string received;
  size_t chunks = 0;
};

TEST_SUITE_BEGIN("tls");

TEST_CASE("handshake, certificate check, ALPN and data both ways") {
  CertificateFiles files;
  auto context = load(files);
  Pair pair(context->current().get(), {.trusted = files.certificate.get(), .alpn = std::string("\x02h2\x08http/1.1")});
  pair.handshake();
  CHECK(SSL_get_verify_result(pair.client.ssl()) == X509_V_OK);
  CHECK(pair.server.alpn() == "http/1.1");
  CHECK(pair.client.alpn() == "http/1.1");
  CHECK(std::string_view(SSL_get_version(pair.client.ssl())) == "TLSv1.3");

  pair.client.write("hello server");
  REQUIRE(pair.pump());
  CHECK(pair.received == "hello server");

  auto sent = pair.server.encrypt(bytesOf("hello client"));
  REQUIRE(sent);
  CHECK(*sent);
  REQUIRE(pair.pump());
  CHECK(pair.client.read() == "hello client");

  // More than a record each way: several chunks in, several records out.
  std::string big = pattern(100 * 1024);
  pair.received.clear();
  pair.chunks = 0;
  pair.client.write(big);
  REQUIRE(pair.pump());
  CHECK(pair.received == big);
  CHECK(pair.chunks >= 7);
  pair.server.reserve(big.size(), 2);
  REQUIRE(*pair.server.encrypt(bytesOf(big).first(50000)));
  REQUIRE(*pair.server.encrypt(bytesOf(big).subspan(50000)));
  REQUIRE(pair.pump());
  CHECK(pair.client.read() == big);

  // close_notify, once; the client sees it.
  pair.server.shutdown();
  pair.server.shutdown();
  pair.client.receive(pair.server.takeOutput());
  CHECK(pair.client.read().empty());
  CHECK((SSL_get_shutdown(pair.client.ssl()) & SSL_RECEIVED_SHUTDOWN) != 0);
}

TEST_CASE("no ALPN without the client asking for http/1.1; TLS 1.2 works, 1.1 does not") {
  CertificateFiles files;
  auto context = load(files);
  {
    Pair pair(context->current().get(), {.trusted = files.certificate.get(), .alpn = std::string("\x04rtmp")});
    pair.handshake();
    CHECK(pair.server.alpn().empty());
  }
  {
    Pair pair(context->current().get(), {.trusted = files.certificate.get(), .maxVersion = TLS1_2_VERSION});
    pair.handshake();
    CHECK(std::string_view(SSL_get_version(pair.client.ssl())) == "TLSv1.2");
    pair.client.write("over 1.2");
    REQUIRE(pair.pump());
    CHECK(pair.received == "over 1.2");
  }
  {
    Pair pair(context->current().get(), {.maxVersion = TLS1_1_VERSION});
    Status status = pair.pump();
    REQUIRE_FALSE(status);
    INFO(status.error().message());
    CHECK(status.error().message() == "unsupported protocol");
    CHECK(pair.server.failed());
    CHECK_FALSE(pair.client.handshakeDone());
  }
}

TEST_CASE("plaintext offered before the handshake is taken once it completes") {
  CertificateFiles files;
  auto context = load(files);
  Pair pair(context->current().get());
  auto early = pair.server.encrypt(bytesOf("greeting"));
  REQUIRE(early);
  CHECK_FALSE(*early);
  CHECK_FALSE(pair.server.hasOutput());
  pair.handshake();
  auto later = pair.server.encrypt(bytesOf("greeting"));
  REQUIRE(later);
  CHECK(*later);
  REQUIRE(pair.pump());
  CHECK(pair.client.read() == "greeting");
  CHECK(pair.server.encrypt({}).isOk());
}

TEST_CASE("ciphertext split at every byte boundary") {
  CertificateFiles files;
  auto context = load(files);
  SUBCASE("the client's handshake flights, a byte at a time") {
    Pair pair(context->current().get(), {.trusted = files.certificate.get()});
    for (int round = 0; round < 10 && !(pair.client.handshakeDone() && pair.server.handshakeDone()); ++round) {
      REQUIRE(pair.client.step());
      for (uint8_t byte : pair.client.takeOutput()) {
        REQUIRE(pair.feed({&byte, 1}));
      }
      pair.client.receive(pair.server.takeOutput());
    }
    REQUIRE(pair.server.handshakeDone());
    REQUIRE(pair.client.handshakeDone());
    pair.client.write("after a slow handshake");
    for (uint8_t byte : pair.client.takeOutput()) {
      REQUIRE(pair.feed({&byte, 1}));
    }
    CHECK(pair.received == "after a slow handshake");
    CHECK(pair.chunks == 1);
  }
  SUBCASE("one record, cut in two at each offset") {
    Pair pair(context->current().get());
    pair.handshake();
    std::string message = "ping: a small exchange";
    pair.client.write(message);
    auto first = pair.client.takeOutput();
    size_t size = first.size();
    REQUIRE(pair.feed(first));
    for (size_t cut = 0; cut <= size; ++cut) {
      CAPTURE(cut);
      pair.received.clear();
      pair.client.write(message);
      auto record = pair.client.takeOutput();
      REQUIRE(record.size() == size);
      REQUIRE(pair.feed(std::span<const uint8_t>(record).first(cut)));
      CHECK(pair.received.empty() == (cut < size));
      REQUIRE(pair.feed(std::span<const uint8_t>(record).subspan(cut)));
      CHECK(pair.received == message);
    }
    // The server's answer, cut the same way on the client's side.
    auto answered = pair.server.encrypt(bytesOf("pong"));
    REQUIRE(answered);
    REQUIRE(*answered);
    auto record = pair.server.takeOutput();
    for (size_t at = 0; at < record.size(); ++at) {
      pair.client.receive(std::span<const uint8_t>(record).subspan(at, 1));
    }
    CHECK(pair.client.read() == "pong");
  }
}

TEST_CASE("input that is not TLS fails the stream") {
  CertificateFiles files;
  auto context = load(files);
  SUBCASE("garbage") {
    TlsStream server(context->current().get());
    std::mt19937 random(7);
    std::vector<uint8_t> garbage(300);
    for (uint8_t& byte : garbage) {
      byte = static_cast<uint8_t>(random());
    }
    garbage[0] = 0x17;  // not a handshake record
    std::vector<uint8_t> scratch(16 * 1024);
    Status status = server.feed(garbage, scratch, [](std::span<const uint8_t>) { return true; });
    REQUIRE_FALSE(status);
    CHECK_FALSE(status.error().message().empty());
    CHECK(server.failed());
    CHECK_FALSE(server.feed(garbage, scratch, [](std::span<const uint8_t>) { return true; }));
    CHECK_FALSE(server.encrypt(bytesOf("x")));
  }
  SUBCASE("plain HTTP to the TLS port") {
    TlsStream server(context->current().get());
    std::vector<uint8_t> scratch(16 * 1024);
    Status status = server.feed(bytesOf("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"), scratch,
                                [](std::span<const uint8_t>) { return true; });
    REQUIRE_FALSE(status);
    CHECK(status.error().message() == "http request");
  }
  SUBCASE("a record tampered with after the handshake: an alert for the peer") {
    Pair pair(context->current().get());
    pair.handshake();
    pair.client.write("tampered");
    auto record = pair.client.takeOutput();
    record[record.size() - 3] ^= 0x40;
    Status status = pair.feed(record);
    REQUIRE_FALSE(status);
    INFO(status.error().message());
    CHECK(status.error().message().find("bad record mac") != std::string::npos);
    CHECK(pair.received.empty());
    CHECK(pair.server.hasOutput());  // the bad_record_mac alert
    pair.server.shutdown();          // nothing after a failure
  }
  SUBCASE("a feed stopped by the receiver drops the rest") {
    Pair pair(context->current().get());
    pair.handshake();
    pair.client.write("one");
    pair.client.write("two");
    auto records = pair.client.takeOutput();
    std::string got;
    Status status = pair.server.feed(records, pair.scratch, [&](std::span<const uint8_t> plaintext) {
      got += textOf(plaintext);
      return false;
    });
    CHECK(status);
    CHECK(got == "one");
  }
  CHECK(ERR_peek_error() == 0);  // nothing left on the thread's error queue
}

TEST_CASE("a client's close_notify ends the stream") {
  CertificateFiles files;
  auto context = load(files);
  Pair pair(context->current().get());
  pair.handshake();
  pair.client.write("last words");
  SSL_shutdown(pair.client.ssl());
  REQUIRE(pair.feed(pair.client.takeOutput()));
  CHECK(pair.received == "last words");
  CHECK(pair.server.peerClosed());
}

TEST_CASE("loading: each failure names its file") {
  CertificateFiles files;
  SUBCASE("missing certificate") {
    auto context = tls::TlsContext::load(files.certificateFile + ".missing", files.keyFile);
    REQUIRE_FALSE(context);
    INFO(context.error().message());
    CHECK(context.error().message().find(files.certificateFile + ".missing") != std::string::npos);
    CHECK(context.error().message().find("No such file") != std::string::npos);
  }
  SUBCASE("missing key") {
    auto context = tls::TlsContext::load(files.certificateFile, files.keyFile + ".missing");
    REQUIRE_FALSE(context);
    INFO(context.error().message());
    CHECK(context.error().message().find(files.keyFile + ".missing") != std::string::npos);
  }
  SUBCASE("a key file that holds no key") {
    writeText(files.keyFile, "not a key\n");
    auto context = tls::TlsContext::load(files.certificateFile, files.keyFile);
    REQUIRE_FALSE(context);
    INFO(context.error().message());
    CHECK(context.error().message().rfind("private key " + files.keyFile + ": ", 0) == 0);
  }
  SUBCASE("a certificate file that holds no certificate") {
    writeText(files.certificateFile, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    auto context = tls::TlsContext::load(files.certificateFile, files.keyFile);
    REQUIRE_FALSE(context);
    INFO(context.error().message());
    CHECK(context.error().message().rfind("certificate " + files.certificateFile + ": ", 0) == 0);
  }
  SUBCASE("a key that is not the certificate's") {
    CertificateFiles::writeKey(files.keyFile, newKey().get());
    auto context = tls::TlsContext::load(files.certificateFile, files.keyFile);
    REQUIRE_FALSE(context);
    INFO(context.error().message());
    CHECK(context.error().message().find(files.keyFile) != std::string::npos);
    CHECK(context.error().message().find("mismatch") != std::string::npos);
  }
  CHECK(ERR_peek_error() == 0);
}

TEST_CASE("reload: a new certificate for new connections; a broken one keeps the old") {
  CertificateFiles files;
  auto context = load(files);
  CHECK(context->certificateFile() == files.certificateFile);
  auto before = context->current();

  files.replace("localhost");
  REQUIRE(context->reload());
  auto after = context->current();
  CHECK(after != before);
  {
    // A client trusting only the new certificate connects; one trusting only the old does not.
    Pair fresh(after.get(), {.trusted = files.certificate.get()});
    fresh.handshake();
    CHECK(SSL_get_verify_result(fresh.client.ssl()) == X509_V_OK);
  }

  writeText(files.certificateFile, "garbage\n");
  Status broken = context->reload();
  REQUIRE_FALSE(broken);
  CHECK(broken.error().message().find(files.certificateFile) != std::string::npos);
  CHECK(context->current() == after);
  // A connection that began with the first context still works after both reloads.
  Pair old(before.get());
  old.handshake();
  CHECK(ERR_peek_error() == 0);
}

// ---- Over a real socket: TcpServer with TLS, a blocking OpenSSL client in a thread.

struct Recorder {
  std::vector<std::string> closeReasons;
};

// Greets (before the handshake is done, so TLS holds it), then echoes what it reads.
class EchoSession final : public TcpSession {
 public:
  EchoSession(const Context& context, std::unique_ptr<uv::TcpConnection> connection, Listener& owner,
              Recorder& recorder)
      : TcpSession(context, std::move(connection), owner), recorder_(recorder) {}

  void start() override {
    queue().pushControl(Bytes::copyOf("hello\n"));
    flush();
    if (Status reading = connection().startReading(); !reading) {
      close(CloseReason::kPeerClosed, reading.error().message());
    }
  }

 protected:
  void onTcpData(std::span<const uint8_t> data) override {
    countReceived(data.size());
    queue().pushControl(Bytes::copyOf(data));
    flush();
  }
  void onTcpClosed(std::string_view reason) override {
    recorder_.closeReasons.emplace_back(reason);
    TcpSession::onTcpClosed(reason);
  }
  void onClose() override {}

 private:
  Recorder& recorder_;
};

using fixtures::runUntil;

// A blocking socket to 127.0.0.1:port that gives up on any read or write after 5 s.
int connectTo(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads exactly `size` bytes; what it got if the connection ended or timed out first.
std::string readExactly(SSL* ssl, size_t size) {
  std::string text;
  char buffer[16 * 1024];
  while (text.size() < size) {
    size_t count = 0;
    if (SSL_read_ex(ssl, buffer, std::min(sizeof(buffer), size - text.size()), &count) != 1) {
      break;
    }
    text.append(buffer, count);
  }
  return text;
}

struct ClientResult {
  std::string error;
  std::string greeting;
  bool echoedSmall = false;
  bool echoedBig = false;
  bool echoedAfterKeyUpdate = false;
  bool sawCloseNotify = false;
  std::string alpn;
};

ClientResult runTlsClient(uint16_t port, X509* trusted) {
  ClientResult result;
  int fd = connectTo(port);
  if (fd < 0) {
    result.error = "connect failed";
    return result;
  }
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  X509_STORE_add_cert(SSL_CTX_get_cert_store(context), trusted);
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
  SSL* ssl = SSL_new(context);
  SSL_set_fd(ssl, fd);
  SSL_set1_host(ssl, "localhost");
  SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>("\x08http/1.1"), 9);
  if (SSL_connect(ssl) != 1) {
    result.error = "handshake: " + tls::takeOpenSslError();
  } else {
    const unsigned char* protocol = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(ssl, &protocol, &length);
    result.alpn.assign(reinterpret_cast<const char*>(protocol), length);
    result.greeting = readExactly(ssl, 6);
    std::string small = "ping";
    size_t written = 0;
    result.echoedSmall =
        SSL_write_ex(ssl, small.data(), small.size(), &written) == 1 && readExactly(ssl, small.size()) == small;
    // Larger than the socket buffers: the server reads while its writes are pending.
    std::string big = pattern(1024 * 1024);
    result.echoedBig = SSL_write_ex(ssl, big.data(), big.size(), &written) == 1 && readExactly(ssl, big.size()) == big;
    // The server answers a KeyUpdate with its own: TLS output the session did not write.
    std::string after = "after key update";
    result.echoedAfterKeyUpdate = SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED) == 1 &&
                                  SSL_write_ex(ssl, after.data(), after.size(), &written) == 1 &&
                                  readExactly(ssl, after.size()) == after;
    SSL_shutdown(ssl);
    char byte = 0;
    size_t count = 0;
    // The server's close_notify ends the stream cleanly.
    result.sawCloseNotify = SSL_read_ex(ssl, &byte, 1, &count) != 1 && SSL_get_error(ssl, 0) == SSL_ERROR_ZERO_RETURN;
    ERR_clear_error();
  }
  SSL_free(ssl);
  SSL_CTX_free(context);
  ::close(fd);
  return result;
}

// Plain HTTP to the TLS port: the server hangs up; the bytes it sent before.
std::string runPlainClient(uint16_t port) {
  int fd = connectTo(port);
  if (fd < 0) {
    return "connect failed";
  }
  std::string request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer;
  char buffer[256];
  ssize_t count = 0;
  while ((count = ::recv(fd, buffer, sizeof(buffer), 0)) > 0) {
    answer.append(buffer, static_cast<size_t>(count));
  }
  bool reset = count < 0 && errno == ECONNRESET;
  ::close(fd);
  return count == 0 || reset ? answer : "no hang-up";
}

TEST_CASE("TcpServer with TLS: an echo session over a real socket") {
  std::signal(SIGPIPE, SIG_IGN);
  CertificateFiles files;
  auto context = load(files);
  uv::Loop loop;
  SteadyClock clock;
  metrics::Registry registry;
  ClientRegistry clients;
  SessionMetrics metrics(registry, "echo");
  Recorder recorder;
  TcpSession::Context sessionContext{loop, clock, clients, metrics, EgressQueueLimits{}};
  auto started = TcpServer::start(
      loop, ListenAddress{"127.0.0.1", 0}, {10}, metrics,
      [&](std::unique_ptr<uv::TcpConnection> connection, TcpSession::Listener& owner) {
        REQUIRE(connection->tls());
        return std::make_unique<EchoSession>(sessionContext, std::move(connection), owner, recorder);
      },
      context);
  REQUIRE(started);
  auto server = std::move(*started);

  ClientResult result;
  std::string plainAnswer;
  std::atomic<bool> done{false};
  std::thread client([&] {
    result = runTlsClient(server->port(), files.certificate.get());
    plainAnswer = runPlainClient(server->port());
    done = true;
  });
  bool finished = runUntil(
      loop, [&] { return done.load() && server->sessionCount() == 0; }, Millis(20000));
  client.join();
  CHECK(finished);

  CHECK(result.error.empty());
  CHECK(result.alpn == "http/1.1");
  CHECK(result.greeting == "hello\n");
  CHECK(result.echoedSmall);
  CHECK(result.echoedBig);
  CHECK(result.echoedAfterKeyUpdate);
  CHECK(result.sawCloseNotify);
  CHECK(plainAnswer.empty());  // no alert for a client that does not speak TLS
  REQUIRE(recorder.closeReasons.size() == 2);
  CHECK(recorder.closeReasons[0] == "peer closed");
  CHECK(recorder.closeReasons[1] == "tls: http request");
  server->shutdown();
  uv_run(loop.raw(), UV_RUN_NOWAIT);
}

// The server end of one TLS connection, driven by the test: it writes at the end of
// the loop turn in which data arrived (as sessions flush), and checks the write contract.
class TlsServerEnd final : private uv::TcpListener::Listener,
                           private uv::TcpConnection::Listener,
                           private uv::DeferredFlush {
 public:
  TlsServerEnd(uv::Loop& loop, std::shared_ptr<SSL_CTX> context) : loop_(loop), context_(std::move(context)) {
    auto listener = uv::TcpListener::listen(loop, "127.0.0.1", 0, *this);
    REQUIRE(listener);
    listener_ = std::move(*listener);
  }
  ~TlsServerEnd() { loop_.cancelFlush(*this); }

  uint16_t port() const { return listener_->port(); }
  uv::TcpConnection* connection() { return connection_.get(); }

  std::string received;
  std::string answer;  // written at the end of the turn of the next data
  uint64_t bytesAtData = 0;
  uint64_t bytesAtWrite = 0;
  int writesDone = 0;
  bool writingWhenWriting = false;
  std::string closed;

 private:
  void onTcpAccepted(std::unique_ptr<uv::TcpConnection> connection) override {
    connection_ = std::move(connection);
    connection_->setListener(this);
    connection_->enableTls(context_);
    REQUIRE(connection_->startReading());
  }
  void onTcpData(std::span<const uint8_t> data) override {
    received += textOf(data);
    bytesAtData = connection_->bytesWritten();
    if (!answer.empty()) {
      loop_.deferFlush(*this);
    }
  }
  void runDeferredFlush() override {
    writingWhenWriting = connection_->writing();
    bytesAtWrite = connection_->bytesWritten();
    std::vector<Bytes> batch{Bytes::copyOf(std::exchange(answer, {}))};
    connection_->write(batch);
    CHECK(connection_->writing());
  }
  void onTcpWriteDone() override {
    CHECK_FALSE(connection_->writing());
    ++writesDone;
  }
  void onTcpClosed(std::string_view reason) override { closed = reason; }

  uv::Loop& loop_;
  std::shared_ptr<SSL_CTX> context_;
  std::unique_ptr<uv::TcpListener> listener_;
  std::unique_ptr<uv::TcpConnection> connection_;
};

// The client end: a plain connection carrying a memory-BIO client's records.
class TlsClientEnd final : private uv::TcpConnection::Listener {
 public:
  TlsClientEnd(uv::Loop& loop, uint16_t port, X509* trusted) : client({.trusted = trusted}) {
    auto started = uv::TcpConnector::start(loop, "127.0.0.1", port, [this](auto result) {
      REQUIRE(result);
      connection_ = std::move(*result);
      connection_->setListener(this);
      REQUIRE(connection_->startReading());
    });
    REQUIRE(started);
    connector_ = std::move(*started);
  }

  bool connected() const { return connection_ != nullptr; }
  bool writing() const { return connection_->writing(); }
  // What the client SSL has output, in one write.
  void send() {
    auto output = client.takeOutput();
    REQUIRE(!connection_->writing());
    std::vector<Bytes> batch{Bytes::copyOf(output)};
    connection_->write(batch);
  }

  Client client;
  size_t receivedBytes = 0;
  bool closed = false;

 private:
  void onTcpData(std::span<const uint8_t> data) override {
    receivedBytes += data.size();
    client.receive(data);
  }
  void onTcpWriteDone() override {}
  void onTcpClosed(std::string_view) override { closed = true; }

  std::unique_ptr<uv::TcpConnector> connector_;
  std::unique_ptr<uv::TcpConnection> connection_;
};

TEST_CASE("TcpConnection with TLS: records it sends on its own take turns with the listener's writes") {
  std::signal(SIGPIPE, SIG_IGN);
  CertificateFiles files;
  auto context = load(files);
  uv::Loop loop;
  TlsServerEnd server(loop, context->current());
  TlsClientEnd client(loop, server.port(), files.certificate.get());
  REQUIRE(runUntil(
      loop, [&] { return client.connected() && server.connection() != nullptr; }, Millis(5000)));

  REQUIRE(client.client.step());
  client.send();  // ClientHello
  REQUIRE(runUntil(
      loop,
      [&] {
        client.client.step();
        return client.client.handshakeDone();
      },
      Millis(5000)));
  REQUIRE(runUntil(
      loop, [&] { return !client.writing(); }, Millis(5000)));
  CHECK(server.writesDone == 0);  // the handshake is not the listener's write

  // Finished and data in one segment: the server's read ends the handshake, which
  // sends session tickets; the answer, written in the same turn, waits behind them.
  server.answer = "pong";
  client.client.write("ping");
  client.send();
  REQUIRE(runUntil(
      loop, [&] { return server.writesDone == 1; }, Millis(5000)));
  CHECK(server.received == "ping");
  CHECK(server.bytesAtWrite > server.bytesAtData);  // the tickets went out before the answer was written
  CHECK_FALSE(server.writingWhenWriting);
  runUntil(
      loop, [&] { return client.client.read() == "pong"; }, Millis(5000));
  CHECK(server.writesDone == 1);
  CHECK(client.receivedBytes == server.connection()->bytesWritten());

  // A second exchange, no handshake in the way.
  server.answer = "pong again";
  client.client.write("ping again");
  client.send();
  REQUIRE(runUntil(
      loop, [&] { return server.writesDone == 2; }, Millis(5000)));
  std::string echoed;
  runUntil(
      loop,
      [&] {
        echoed += client.client.read();
        return echoed == "pong again";
      },
      Millis(5000));
  CHECK(echoed == "pong again");

  // Closing sends close_notify without waiting.
  server.connection()->close();
  REQUIRE(runUntil(
      loop, [&] { return client.closed; }, Millis(5000)));
  CHECK(client.client.read().empty());
  CHECK((SSL_get_shutdown(client.client.ssl()) & SSL_RECEIVED_SHUTDOWN) != 0);
  CHECK(client.receivedBytes == server.connection()->bytesWritten());
}

TEST_SUITE_END();

}  // namespace
}  // namespace rtsedge
