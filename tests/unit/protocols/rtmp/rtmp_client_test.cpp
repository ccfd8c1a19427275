#include "protocols/rtmp/rtmp_client.h"

#include <doctest/doctest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "metrics/registry.h"
#include "protocols/rtmp/chunk_writer.h"
#include "protocols/rtmp/rtmp_mux.h"
#include "protocols/rtmp/rtmp_session.h"
#include "relay/tcp_server.h"
#include "tests/unit/fixtures/media_frames.h"
#include "tests/unit/fixtures/run_loop.h"

namespace rtsedge::rtmp {
namespace {

using amf0::Value;

using fixtures::runUntil;

std::string stringOf(const Value* value) {
  return value != nullptr && value->asString() ? std::string(*value->asString()) : std::string();
}

std::vector<Value> statusCommand(std::string level, std::string code) {
  return {Value::string("onStatus"), Value::number(0), Value::null(),
          Value::object({{"level", Value::string(std::move(level))},
                         {"code", Value::string(std::move(code))},
                         {"description", Value::string("from the test")}})};
}

// A scripted RTMP server on a free port: it takes one connection, answers the
// handshake (or not), records every message and hands each command to the script.
class FakeServer final : private uv::TcpListener::Listener, private uv::TcpConnection::Listener {
 public:
  enum class Handshake { kAnswer, kSilent, kWrongVersion };
  // The script sees each command by name; `answer()` is what a well-behaved server does.
  using Script = std::function<void(FakeServer&, const std::string& name, double transaction, const Message&)>;

  FakeServer(uv::Loop& loop, Script script) : script_(std::move(script)) {
    auto listener = uv::TcpListener::listen(loop, "127.0.0.1", 0, *this);
    REQUIRE(listener);
    listener_ = std::move(*listener);
  }

  uint16_t port() const { return listener_->port(); }

  void answer(const std::string& name, double transaction, const Message& message) {
    if (name == "connect") {
      send(windowAckSizeMessage(windowAckSize));
      sendCommand(
          0, {Value::string("_result"), Value::number(transaction), Value::object({{"fmsVer", Value::string("x")}}),
              Value::object(
                  {{"level", Value::string("status")}, {"code", Value::string("NetConnection.Connect.Success")}})});
    } else if (name == "createStream") {
      sendCommand(0,
                  {Value::string("_result"), Value::number(transaction), Value::null(), Value::number(createdStream)});
    } else if (name == "play") {
      send(userControlMessage(UserControlEvent::kStreamBegin, message.streamId));
      sendCommand(message.streamId, statusCommand("status", "NetStream.Play.Reset"));
      sendCommand(message.streamId, statusCommand("status", "NetStream.Play.Start"));
    } else if (name == "publish") {
      sendCommand(message.streamId, statusCommand("status", "NetStream.Publish.Start"));
    }
  }

  void send(Bytes bytes) {
    pending_.push_back(std::move(bytes));
    writeNext();
  }
  void sendCommand(uint32_t streamId, const std::vector<Value>& values) {
    send(amf0Message({kCommandChunkStream, 0, static_cast<uint8_t>(MessageType::kCommandAmf0), streamId}, values,
                     kDefaultChunkSize));
  }
  void media(MessageType type, uint32_t streamId, Bytes payload) {
    MessageHeader header{kVideoChunkStream, 40, static_cast<uint8_t>(type), streamId};
    BytesBuilder out(chunkedSize(header, payload.size(), kDefaultChunkSize));
    appendChunked(out, header, {payload.span()}, kDefaultChunkSize);
    send(out.freeze());
  }
  void disconnect() { connection_.reset(); }

  // The commands the client sent, decoded, and every message it sent.
  std::vector<std::vector<Value>> commands;
  std::vector<Message> received;
  Handshake handshake = Handshake::kAnswer;
  uint32_t createdStream = 1;
  uint32_t windowAckSize = 2500000;

 private:
  void onTcpAccepted(std::unique_ptr<uv::TcpConnection> connection) override {
    connection_ = std::move(connection);
    connection_->setListener(this);
    REQUIRE(connection_->startReading());
  }

  void onTcpData(std::span<const uint8_t> data) override {
    if (handshake == Handshake::kSilent) {
      return;
    }
    if (handshake == Handshake::kWrongVersion) {
      send(Bytes::copyOf(std::string_view("HTTP/1.1 400 Bad Request\r\n\r\n")));
      return;
    }
    if (!handshakeDone_) {
      size_t consumed = 0;
      std::vector<uint8_t> reply;
      auto done = handshake_.feed(data, consumed, reply);
      REQUIRE(done);
      if (!reply.empty()) {
        send(Bytes::copyOf(reply));
      }
      data = data.subspan(consumed);
      handshakeDone_ = *done;
    }
    std::vector<Message> messages;
    REQUIRE(reader_.feed(data, messages));
    for (const Message& message : messages) {
      received.push_back(message);
      if (message.typeId == static_cast<uint8_t>(MessageType::kCommandAmf0)) {
        auto values = amf0::decodeAll(message.payload.span());
        REQUIRE(values);
        commands.push_back(*values);
        script_(*this, std::string(*(*values)[0].asString()), *(*values)[1].asNumber(), message);
      }
    }
  }
  void onTcpWriteDone() override { writeNext(); }
  void onTcpClosed(std::string_view) override {}

  void writeNext() {
    if (connection_ && !connection_->writing() && !pending_.empty()) {
      connection_->write(pending_);
    }
  }

  Script script_;
  std::unique_ptr<uv::TcpListener> listener_;
  std::unique_ptr<uv::TcpConnection> connection_;
  std::vector<Bytes> pending_;
  ServerHandshake handshake_;
  bool handshakeDone_ = false;
  ChunkReader reader_{ChunkReaderLimits{}};
};

void answerAll(FakeServer& server, const std::string& name, double transaction, const Message& message) {
  server.answer(name, transaction, message);
}

struct Recorder final : RtmpClient::Listener {
  void onClientStarted() override { ++started; }
  void onClientMedia(const Message& message) override {
    media.push_back(message);
    if (onMedia) {
      onMedia();
    }
  }
  void onClientData(const Message&, const std::vector<Value>& values) override {
    data.push_back(values.empty() ? std::string() : stringOf(&values[0]));
  }
  void onClientDrained() override { ++drained; }
  void onClientFailed(ClientFailure kind, std::string_view text) override {
    ++failures;
    failure = kind;
    detail = std::string(text);
  }

  int started = 0;
  std::vector<Message> media;
  std::vector<std::string> data;
  int drained = 0;
  int failures = 0;
  std::optional<ClientFailure> failure;
  std::string detail;
  std::function<void()> onMedia;
};

ClientOptions optionsFor(ClientMode mode, uint16_t port) {
  ClientOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  options.app = "live";
  options.streamName = "cam?token=abc";
  options.mode = mode;
  options.handshakeTimeout = Millis(2000);
  return options;
}

// One client against one scripted server, on a loop of its own.
struct Scripted {
  explicit Scripted(FakeServer::Script script, ClientMode mode = ClientMode::kPlay)
      : server(loop, std::move(script)), options(optionsFor(mode, server.port())) {}

  // Starts the client and runs until it started or failed.
  void run() {
    client = std::make_unique<RtmpClient>(loop, clock, options, recorder);
    REQUIRE(client->start());
    REQUIRE(runUntil(loop, [&] { return recorder.started > 0 || recorder.failure; }));
  }
  ClientFailure failure() {
    run();
    REQUIRE(recorder.failure);
    return *recorder.failure;
  }
  // The first command of that name the client sent.
  const std::vector<Value>* sent(std::string_view name) const {
    for (const auto& values : server.commands) {
      if (stringOf(&values[0]) == name) {
        return &values;
      }
    }
    return nullptr;
  }

  uv::Loop loop;
  SteadyClock clock;
  FakeServer server;
  ClientOptions options;
  Recorder recorder;
  std::unique_ptr<RtmpClient> client;
};

FrameMark markOf(const MediaFrame& frame) {
  FrameMark mark;
  mark.syncPoint = frame.keyframe;
  mark.dtsUs = frame.dtsUs;
  return mark;
}

Bytes videoPayload() {
  return Bytes::copyOf(std::vector<uint8_t>{0x17, 0x01, 0, 0, 0, 1, 2, 3});
}

TEST_CASE("client failure names") {
  CHECK(clientFailureName(ClientFailure::kConnect) == "connect");
  CHECK(clientFailureName(ClientFailure::kHandshake) == "handshake");
  CHECK(clientFailureName(ClientFailure::kRefused) == "refused");
  CHECK(clientFailureName(ClientFailure::kNotFound) == "not_found");
  CHECK(clientFailureName(ClientFailure::kTimeout) == "timeout");
  CHECK(clientFailureName(ClientFailure::kClosed) == "closed");
  CHECK(clientFailureName(ClientFailure::kProtocol) == "protocol");
}

TEST_CASE("connect describes us as FMLE, with the tcUrl of host, port and app") {
  auto values = connectCommand("10.0.0.2", 1936, "live");
  REQUIRE(values.size() == 3);
  CHECK(stringOf(&values[0]) == "connect");
  CHECK(values[1].asNumber() == kConnectTransaction);
  CHECK(stringOf(values[2].get("app")) == "live");
  CHECK(stringOf(values[2].get("type")) == "nonprivate");
  CHECK(stringOf(values[2].get("flashVer")) == "FMLE/3.0 (compatible; rtsedge)");
  CHECK(stringOf(values[2].get("tcUrl")) == "rtmp://10.0.0.2:1936/live");
  CHECK(values[2].get("fpad")->asBoolean() == false);
  CHECK(values[2].get("capabilities")->asNumber() == 15);
  CHECK(values[2].get("audioCodecs")->asNumber() == 3191);
  CHECK(values[2].get("videoCodecs")->asNumber() == 252);
  CHECK(values[2].get("videoFunction")->asNumber() == 1);
  CHECK(tcUrl("::1", 1935, "app/sub") == "rtmp://[::1]:1935/app/sub");
}

TEST_CASE("commands carry a null command object before their arguments") {
  auto values = command("play", 3, {Value::string("cam"), Value::number(-2000)});
  CHECK(values == std::vector<Value>{Value::string("play"), Value::number(3), Value::null(), Value::string("cam"),
                                     Value::number(-2000)});
}

TEST_CASE("SetBufferLength carries the stream id and the milliseconds") {
  ChunkReader reader({});
  std::vector<Message> messages;
  REQUIRE(reader.feed(setBufferLengthMessage(7, 3000).span(), messages));
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].typeId == static_cast<uint8_t>(MessageType::kUserControl));
  CHECK(messages[0].streamId == 0);
  REQUIRE(messages[0].payload.size() == 10);
  CHECK(loadU16(messages[0].payload.data()) == static_cast<uint16_t>(UserControlEvent::kSetBufferLength));
  CHECK(loadU32(messages[0].payload.data() + 2) == 7);
  CHECK(loadU32(messages[0].payload.data() + 6) == 3000);
}

TEST_CASE("the info object is the last object argument") {
  Value properties = Value::object({{"fmsVer", Value::string("x")}});
  Value info = Value::object({{"code", Value::string("NetConnection.Connect.Success")}});
  CHECK(*infoObject({properties, info}) == info);
  CHECK(*infoObject({Value::null(), info}) == info);
  CHECK(infoObject({Value::null(), Value::number(1)}) == nullptr);
}

TEST_CASE("what statuses mean to a client") {
  CHECK(isStartStatus(ClientMode::kPlay, "NetStream.Play.Start"));
  CHECK_FALSE(isStartStatus(ClientMode::kPlay, "NetStream.Publish.Start"));
  CHECK(isStartStatus(ClientMode::kPublish, "NetStream.Publish.Start"));
  CHECK_FALSE(isStartStatus(ClientMode::kPublish, "NetStream.Play.Start"));

  CHECK(statusFailure("error", "NetStream.Play.StreamNotFound") == ClientFailure::kNotFound);
  CHECK(statusFailure("status", "NetStream.Play.StreamNotFound") == ClientFailure::kNotFound);
  CHECK(statusFailure("status", "NetStream.Play.Stop") == ClientFailure::kClosed);
  CHECK(statusFailure("status", "NetStream.Play.UnpublishNotify") == ClientFailure::kClosed);
  CHECK(statusFailure("status", "NetConnection.Connect.Closed") == ClientFailure::kClosed);
  CHECK(statusFailure("error", "NetStream.Publish.BadName") == ClientFailure::kRefused);
  CHECK(statusFailure("error", "NetConnection.Connect.Rejected") == ClientFailure::kRefused);
  CHECK(statusFailure("error", "Anything.Else") == ClientFailure::kRefused);
  CHECK_FALSE(statusFailure("status", "NetStream.Play.Reset"));
  CHECK_FALSE(statusFailure("status", "NetStream.Play.PublishNotify"));
  CHECK_FALSE(statusFailure("status", "NetStream.Play.Start"));
}

TEST_CASE("play: the exchange ffmpeg performs, then media and data reach the listener") {
  Scripted test(answerAll);
  test.server.createdStream = 7;  // any id will do for a player
  test.run();
  CHECK(test.recorder.started == 1);
  CHECK(test.client->streamId() == 7);

  const auto& received = test.server.received;
  REQUIRE(received.size() >= 6);
  // Our chunk size and acknowledgement window first, then connect.
  CHECK(received[0].typeId == static_cast<uint8_t>(MessageType::kSetChunkSize));
  CHECK(loadU32(received[0].payload.data()) == 4096);
  CHECK(received[1].typeId == static_cast<uint8_t>(MessageType::kWindowAckSize));
  CHECK(loadU32(received[1].payload.data()) == 2500000);
  REQUIRE(test.server.commands.size() == 3);
  CHECK(test.server.commands[0] == connectCommand("127.0.0.1", test.server.port(), "live"));
  CHECK(test.server.commands[1] == command("createStream", 2, {}));
  CHECK(test.server.commands[2] == command("play", 3, {Value::string("cam?token=abc"), Value::number(-2000)}));
  auto play = std::find_if(received.begin(), received.end(), [](const Message& m) {
    return m.typeId == static_cast<uint8_t>(MessageType::kCommandAmf0) && m.streamId != 0;
  });
  REQUIRE(play != received.end());
  CHECK(play->streamId == 7);
  const Message& buffer = received.back();
  CHECK(buffer.typeId == static_cast<uint8_t>(MessageType::kUserControl));
  CHECK(loadU16(buffer.payload.data()) == static_cast<uint16_t>(UserControlEvent::kSetBufferLength));
  CHECK(loadU32(buffer.payload.data() + 2) == 7);

  test.server.media(MessageType::kVideo, 7, videoPayload());
  BytesBuilder metadata;
  amf0::encode(Value::string("onMetaData"), metadata);
  amf0::encode(Value::ecmaArray({{"width", Value::number(640)}}), metadata);
  test.server.media(MessageType::kDataAmf0, 7, metadata.freeze());
  BytesBuilder sampleAccess;  // the server's own chatter: not passed on
  amf0::encode(Value::string("|RtmpSampleAccess"), sampleAccess);
  amf0::encode(Value::boolean(true), sampleAccess);
  test.server.media(MessageType::kDataAmf0, 7, sampleAccess.freeze());
  test.server.media(MessageType::kAudio, 7, Bytes::copyOf(std::vector<uint8_t>{0xAF, 0x01, 9}));
  REQUIRE(runUntil(test.loop, [&] { return test.recorder.media.size() == 2; }));
  CHECK(test.recorder.media[0].typeId == static_cast<uint8_t>(MessageType::kVideo));
  CHECK(test.recorder.media[0].timestamp == 40);
  CHECK(test.recorder.media[0].payload == videoPayload());
  CHECK(test.recorder.media[1].typeId == static_cast<uint8_t>(MessageType::kAudio));
  CHECK(test.recorder.data == std::vector<std::string>{"onMetaData"});
  CHECK(test.recorder.failures == 0);
  CHECK(test.client->bytesReceived() > 2 * kHandshakeSize);
  CHECK(test.client->bytesSent() > 2 * kHandshakeSize);
}

TEST_CASE("play: media sent before Play.Start is passed on") {
  Scripted test([](FakeServer& server, const std::string& name, double transaction, const Message& message) {
    if (name == "play") {
      server.media(MessageType::kVideo, message.streamId, videoPayload());
      server.sendCommand(message.streamId, statusCommand("status", "NetStream.Play.Start"));
    } else {
      server.answer(name, transaction, message);
    }
  });
  test.run();
  CHECK(test.recorder.started == 1);
  CHECK(test.recorder.media.size() == 1);
}

TEST_CASE("the client answers pings and acknowledges by the server's window") {
  Scripted test(answerAll);
  test.server.windowAckSize = 1000;
  test.run();
  uint64_t before = test.client->bytesReceived();
  test.server.send(userControlMessage(UserControlEvent::kPingRequest, 1234));
  test.server.media(MessageType::kVideo, 1, Bytes::copyOf(std::vector<uint8_t>(1500, 0x27)));
  auto last = [&](MessageType type, std::optional<UserControlEvent> event = std::nullopt) -> const Message* {
    for (auto it = test.server.received.rbegin(); it != test.server.received.rend(); ++it) {
      if (it->typeId == static_cast<uint8_t>(type) &&
          (!event || loadU16(it->payload.data()) == static_cast<uint16_t>(*event))) {
        return &*it;
      }
    }
    return nullptr;
  };
  // Over a window's worth more received: acknowledged again.
  REQUIRE(runUntil(test.loop, [&] {
    const Message* ack = last(MessageType::kAcknowledgement);
    return !test.recorder.media.empty() && ack != nullptr && loadU32(ack->payload.data()) > before &&
           last(MessageType::kUserControl, UserControlEvent::kPingResponse) != nullptr;
  }));
  const Message* pong = last(MessageType::kUserControl, UserControlEvent::kPingResponse);
  CHECK(loadU32(pong->payload.data() + 2) == 1234);
}

TEST_CASE("publish: releaseStream, FCPublish, createStream, publish; then queued media reach the server") {
  Scripted test(
      [](FakeServer& server, const std::string& name, double transaction, const Message& message) {
        if (name == "releaseStream" || name == "FCPublish") {  // refused, as by servers that do not know them
          server.sendCommand(0, {Value::string("_error"), Value::number(transaction), Value::null(),
                                 Value::object({{"level", Value::string("error")},
                                                {"code", Value::string("NetConnection.Call.Failed")}})});
        } else {
          server.answer(name, transaction, message);
        }
      },
      ClientMode::kPublish);
  test.run();
  REQUIRE(test.recorder.started == 1);
  CHECK(test.client->streamId() == kMediaMessageStream);
  std::vector<Value> name{Value::string("cam?token=abc")};
  REQUIRE(test.server.commands.size() == 5);
  CHECK(test.server.commands[1] == command("releaseStream", 2, name));
  CHECK(test.server.commands[2] == command("FCPublish", 3, name));
  CHECK(test.server.commands[3] == command("createStream", 4, {}));
  CHECK(test.server.commands[4] == command("publish", 5, {Value::string("cam?token=abc"), Value::string("live")}));
  CHECK(test.server.received.back().streamId == kMediaMessageStream);

  auto config = fixtures::videoConfig(Codec::kH264);
  auto frame = fixtures::videoFrame(config, true, 0, 0, 2000, 1);
  test.client->queue().pushControl(muxTrackConfig(*config, 0, test.options.chunkSize));
  test.client->queue().pushFrame(muxFrame(*frame, test.options.chunkSize), markOf(*frame));
  test.client->flush();
  auto videos = [&] {
    return std::count_if(test.server.received.begin(), test.server.received.end(), [](const Message& m) {
      return m.typeId == static_cast<uint8_t>(MessageType::kVideo) && m.streamId == kMediaMessageStream;
    });
  };
  REQUIRE(runUntil(test.loop, [&] { return videos() == 2 && test.recorder.drained > 0; }));
  CHECK(test.recorder.failures == 0);
}

TEST_CASE("publish: a created stream other than the one media is chunked for fails") {
  Scripted test(answerAll, ClientMode::kPublish);
  test.server.createdStream = 2;
  CHECK(test.failure() == ClientFailure::kProtocol);
  CHECK(test.recorder.detail.find("message stream 2") != std::string::npos);
  CHECK(test.sent("publish") == nullptr);
}

// A script that answers like a server until `trigger`, then runs `then` instead.
FakeServer::Script divertAt(std::string trigger, std::function<void(FakeServer&, double, const Message&)> then) {
  return [trigger, then](FakeServer& server, const std::string& name, double transaction, const Message& message) {
    if (name == trigger) {
      then(server, transaction, message);
    } else {
      server.answer(name, transaction, message);
    }
  };
}

TEST_CASE("refusals and endings are told apart") {
  SUBCASE("the stream is not found") {
    Scripted test(divertAt("play", [](FakeServer& server, double, const Message& message) {
      server.sendCommand(message.streamId, statusCommand("error", "NetStream.Play.StreamNotFound"));
    }));
    CHECK(test.failure() == ClientFailure::kNotFound);
    CHECK(test.recorder.detail == "NetStream.Play.StreamNotFound: from the test");
  }
  SUBCASE("connect is rejected") {
    Scripted test(divertAt("connect", [](FakeServer& server, double transaction, const Message&) {
      server.sendCommand(0, {Value::string("_error"), Value::number(transaction), Value::null(),
                             Value::object({{"level", Value::string("error")},
                                            {"code", Value::string("NetConnection.Connect.Rejected")},
                                            {"description", Value::string("bad token")}})});
    }));
    CHECK(test.failure() == ClientFailure::kRefused);
    CHECK(test.recorder.detail == "_error: NetConnection.Connect.Rejected: bad token");
  }
  SUBCASE("createStream is refused") {
    Scripted test(divertAt("createStream", [](FakeServer& server, double transaction, const Message&) {
      server.sendCommand(0, {Value::string("_error"), Value::number(transaction), Value::null()});
    }));
    CHECK(test.failure() == ClientFailure::kRefused);
  }
  SUBCASE("the publish name is refused") {
    Scripted test(divertAt("publish",
                           [](FakeServer& server, double, const Message& message) {
                             server.sendCommand(message.streamId, statusCommand("error", "NetStream.Publish.BadName"));
                           }),
                  ClientMode::kPublish);
    CHECK(test.failure() == ClientFailure::kRefused);
  }
  SUBCASE("the server sends close") {
    Scripted test(divertAt("createStream", [](FakeServer& server, double, const Message&) {
      server.sendCommand(0, {Value::string("close"), Value::number(0), Value::null()});
    }));
    CHECK(test.failure() == ClientFailure::kClosed);
  }
  SUBCASE("the server hangs up") {
    Scripted test(divertAt("createStream", [](FakeServer& server, double, const Message&) { server.disconnect(); }));
    CHECK(test.failure() == ClientFailure::kClosed);
    CHECK(test.recorder.detail.find("waiting for the createStream result") != std::string::npos);
  }
}

TEST_CASE("a playing client stops when the publisher leaves") {
  for (bool byStatus : {true, false}) {
    CAPTURE(byStatus);
    Scripted test(answerAll);
    test.run();
    REQUIRE(test.recorder.started == 1);
    if (byStatus) {
      test.server.sendCommand(1, statusCommand("status", "NetStream.Play.UnpublishNotify"));
    } else {
      test.server.send(userControlMessage(UserControlEvent::kStreamEof, 1));
    }
    REQUIRE(runUntil(test.loop, [&] { return test.recorder.failure.has_value(); }));
    CHECK(test.recorder.failure == ClientFailure::kClosed);
  }
}

TEST_CASE("malformed input fails with kProtocol") {
  SUBCASE("a message over the size limit") {
    Scripted test(divertAt("connect", [](FakeServer& server, double, const Message&) {
      server.media(MessageType::kVideo, 0, Bytes::copyOf(std::vector<uint8_t>(2048, 1)));
    }));
    test.options.maxMessageSize = 1024;
    CHECK(test.failure() == ClientFailure::kProtocol);
  }
  SUBCASE("a command that is not AMF0") {
    Scripted test(divertAt("connect", [](FakeServer& server, double, const Message&) {
      MessageHeader header{kCommandChunkStream, 0, static_cast<uint8_t>(MessageType::kCommandAmf0), 0};
      BytesBuilder out;
      std::vector<uint8_t> junk{0x02, 0x00, 0x20, 'x'};  // a string longer than its message
      appendChunked(out, header, {std::span<const uint8_t>(junk)}, kDefaultChunkSize);
      server.send(out.freeze());
    }));
    CHECK(test.failure() == ClientFailure::kProtocol);
  }
  SUBCASE("createStream answered without a stream id") {
    Scripted test(divertAt("createStream", [](FakeServer& server, double transaction, const Message&) {
      server.sendCommand(0, {Value::string("_result"), Value::number(transaction), Value::null()});
    }));
    CHECK(test.failure() == ClientFailure::kProtocol);
  }
  SUBCASE("a server that does not speak RTMP") {
    Scripted test(answerAll);
    test.server.handshake = FakeServer::Handshake::kWrongVersion;
    CHECK(test.failure() == ClientFailure::kHandshake);
  }
}

TEST_CASE("a server that does not answer in time") {
  SUBCASE("the handshake") {
    Scripted test(answerAll);
    test.server.handshake = FakeServer::Handshake::kSilent;
    test.options.handshakeTimeout = Millis(100);
    CHECK(test.failure() == ClientFailure::kTimeout);
    CHECK(test.recorder.detail == "not started within 100ms: waiting for the handshake");
  }
  SUBCASE("play") {
    Scripted test(divertAt("play", [](FakeServer&, double, const Message&) {}));
    test.options.handshakeTimeout = Millis(100);
    CHECK(test.failure() == ClientFailure::kTimeout);
    CHECK(test.recorder.detail == "not started within 100ms: waiting for NetStream.Play.Start");
  }
}

TEST_CASE("no TCP connection") {
  uv::Loop loop;
  SteadyClock clock;
  Recorder recorder;
  SUBCASE("refused") {
    uint16_t port = 0;
    {
      FakeServer closed(loop, answerAll);  // a port just freed: nothing listens there
      port = closed.port();
    }
    RtmpClient client(loop, clock, optionsFor(ClientMode::kPlay, port), recorder);
    REQUIRE(client.start());
    REQUIRE(runUntil(loop, [&] { return recorder.failure.has_value(); }));
    CHECK(recorder.failure == ClientFailure::kConnect);
  }
  SUBCASE("a bad address fails at once, without a callback") {
    ClientOptions options = optionsFor(ClientMode::kPlay, 1935);
    options.host = "upstream.example";
    RtmpClient client(loop, clock, options, recorder);
    CHECK_FALSE(client.start());
    uv_run(loop.raw(), UV_RUN_NOWAIT);
    CHECK(recorder.failures == 0);
  }
}

TEST_CASE("after close() from a callback nothing more is reported") {
  Scripted test(answerAll);
  test.run();
  test.recorder.onMedia = [&] { test.client->close(); };
  test.server.media(MessageType::kVideo, 1, videoPayload());
  test.server.media(MessageType::kVideo, 1, videoPayload());
  REQUIRE(runUntil(test.loop, [&] { return !test.recorder.media.empty(); }));
  test.server.disconnect();
  runUntil(
      test.loop, [] { return false; }, Millis(50));
  CHECK(test.recorder.media.size() == 1);
  CHECK(test.recorder.failures == 0);
}

// rtsedge's own RTMP server, in process.
struct Origin {
  explicit Origin(uv::Loop& uvLoop)
      : loop(uvLoop),
        hub(streamSettings, clock),
        metrics(registry, "rtmp"),
        access(loop, clock, securitySettings, "origin", registry),
        context{loop, hub, clock, settings, viewers, metrics, clients, access} {
    settings.listen = {"127.0.0.1", 0};
    auto started = TcpServer::start(loop, settings.listen, {100}, metrics,
                                    [this](std::unique_ptr<uv::TcpConnection> connection, TcpSession::Listener& owner) {
                                      return std::make_unique<RtmpSession>(context, std::move(connection), owner);
                                    });
    REQUIRE(started);
    server = std::move(*started);
  }
  ~Origin() {
    server->shutdown();
    uv_run(loop.raw(), UV_RUN_NOWAIT);  // the closed sessions are deleted on the next turn
  }

  uv::Loop& loop;
  SteadyClock clock;
  metrics::Registry registry;
  StreamSettings streamSettings;
  Hub hub;
  ClientRegistry clients;
  SessionMetrics metrics;
  SecuritySettings securitySettings;
  security::AccessControl access;
  RtmpSettings settings;
  ViewerSettings viewers;
  RtmpContext context;
  std::unique_ptr<TcpServer> server;
};

// The messages of one track, read back from chunked bytes.
std::vector<Message> messagesOf(const std::vector<Bytes>& chunked, uint32_t chunkSize, MessageType type) {
  ChunkReader reader({});
  std::vector<Message> messages;
  REQUIRE(reader.feed(setChunkSizeMessage(chunkSize).span(), messages));
  for (const Bytes& bytes : chunked) {
    REQUIRE(reader.feed(bytes.span(), messages));
  }
  std::erase_if(messages, [&](const Message& m) { return m.typeId != static_cast<uint8_t>(type); });
  return messages;
}

std::vector<std::pair<uint32_t, Bytes>> timedPayloads(const std::vector<Message>& messages, MessageType type) {
  std::vector<std::pair<uint32_t, Bytes>> out;
  for (const Message& message : messages) {
    if (message.typeId == static_cast<uint8_t>(type)) {
      out.emplace_back(message.timestamp, message.payload);
    }
  }
  return out;
}

TEST_CASE("against rtsedge's own server: what one client publishes, another plays") {
  uv::Loop loop;
  Origin origin(loop);
  SteadyClock clock;
  Recorder player;
  Recorder publisher;
  RtmpClient play(loop, clock, optionsFor(ClientMode::kPlay, origin.server->port()), player);
  RtmpClient push(loop, clock, optionsFor(ClientMode::kPublish, origin.server->port()), publisher);
  REQUIRE(play.start());
  REQUIRE(runUntil(loop, [&] { return player.started > 0 || player.failure; }));
  REQUIRE(player.started == 1);  // rtsedge lets a player wait for the publisher
  REQUIRE(push.start());
  REQUIRE(runUntil(loop, [&] { return publisher.started > 0 || publisher.failure; }));
  REQUIRE(publisher.started == 1);

  uint32_t chunkSize = push.options().chunkSize;
  auto video = fixtures::videoConfig(Codec::kH264);
  auto audio = fixtures::aacConfig();
  std::vector<Bytes> sent{muxTrackConfig(*video, 0, chunkSize), muxTrackConfig(*audio, 0, chunkSize)};
  push.queue().pushControl(sent[0]);
  push.queue().pushControl(sent[1]);
  auto frames = fixtures::avFrames(video, audio, 50, 25, 3000, 300);
  for (const FramePtr& frame : frames) {
    sent.push_back(muxFrame(*frame, chunkSize));
    push.queue().pushFrame(sent.back(), markOf(*frame));
  }
  push.flush();
  REQUIRE(runUntil(loop, [&] { return player.media.size() >= sent.size(); }));
  CHECK(player.media.size() == sent.size());
  for (MessageType type : {MessageType::kVideo, MessageType::kAudio}) {
    CHECK(timedPayloads(player.media, type) == timedPayloads(messagesOf(sent, chunkSize, type), type));
  }
  CHECK(player.failures == 0);
  CHECK(publisher.failures == 0);
  CHECK(publisher.drained > 0);
}

}  // namespace
}  // namespace rtsedge::rtmp
