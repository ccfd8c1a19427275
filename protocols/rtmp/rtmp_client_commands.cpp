// The AMF0 command exchange of an RtmpClient: connect, createStream, then play or
// publish; the mirror of what RtmpSession answers (rtmp_commands.cpp).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "protocols/rtmp/chunk_writer.h"
#include "protocols/rtmp/rtmp_client.h"
#include "protocols/rtmp/rtmp_mux.h"

namespace rtsedge::rtmp {

namespace {
using amf0::Value;

// play's start: the live stream of that name, else a recorded one (ffmpeg's default).
constexpr double kPlayLiveOrRecorded = -2000;
// The player buffer ffmpeg announces.
constexpr uint32_t kBufferLengthMs = 3000;

std::string_view stringProperty(const Value* object, std::string_view key) {
  const Value* value = object != nullptr ? object->get(key) : nullptr;
  return value != nullptr ? value->asString().value_or("") : "";
}

// "NetStream.Play.StreamNotFound: no such stream", for the owner's log.
std::string describeStatus(const Value* info) {
  std::string_view code = stringProperty(info, "code");
  std::string_view description = stringProperty(info, "description");
  if (code.empty()) {
    return "no status code";
  }
  return description.empty() ? std::string(code) : fmt::format("{}: {}", code, description);
}
}  // namespace

void RtmpClient::sendCommand(uint32_t streamId, const std::vector<Value>& values) {
  MessageHeader header{kCommandChunkStream, 0, static_cast<uint8_t>(MessageType::kCommandAmf0), streamId};
  send(amf0Message(header, values, options_.chunkSize));
}

void RtmpClient::handleCommand(std::span<const uint8_t> amf0Body) {
  auto decoded = amf0::decodeAll(amf0Body);
  if (!decoded) {
    fail(ClientFailure::kProtocol, decoded.error().wrap("command").message());
    return;
  }
  const std::vector<Value>& values = *decoded;
  auto name = values.empty() ? std::nullopt : values[0].asString();
  if (!name) {
    fail(ClientFailure::kProtocol, "command without a name");
    return;
  }
  double transaction = values.size() > 1 ? values[1].asNumber().value_or(0) : 0;
  std::vector<Value> args(values.begin() + std::min<size_t>(values.size(), 2), values.end());
  if (*name == "_result") {
    onResult(transaction, args);
  } else if (*name == "_error") {
    onError(transaction, args);
  } else if (*name == "onStatus") {
    onStatus(args);
  } else if (*name == "close") {
    fail(ClientFailure::kClosed, "the server sent close");
  }
  // onBWDone, onFCPublish and the like need no answer.
}

void RtmpClient::onResult(double transaction, const std::vector<Value>& args) {
  if (transaction == kConnectTransaction && phase_ == Phase::kConnect) {
    onConnected();
  } else if (transaction == createStreamTransaction_ && phase_ == Phase::kCreateStream) {
    onStreamCreated(args);
  }
  // releaseStream's and FCPublish's results say nothing we need; play and publish
  // are answered with onStatus.
}

void RtmpClient::onError(double transaction, const std::vector<Value>& args) {
  // An _error to releaseStream or FCPublish is harmless: servers that do not know them refuse them.
  bool required = transaction == kConnectTransaction ||
                  (transaction != 0 && (transaction == createStreamTransaction_ || transaction == startTransaction_));
  if (!required) {
    return;
  }
  const Value* info = infoObject(args);
  auto failure = statusFailure(stringProperty(info, "level"), stringProperty(info, "code"));
  fail(failure.value_or(ClientFailure::kRefused), "_error: " + describeStatus(info));
}

void RtmpClient::onStatus(const std::vector<Value>& args) {
  const Value* info = infoObject(args);
  std::string_view code = stringProperty(info, "code");
  if (isStartStatus(options_.mode, code)) {
    if (phase_ == Phase::kStart) {
      phase_ = Phase::kStarted;
      timer_.stop();  // from here the owner watches the media
      listener_.onClientStarted();
    }
    return;
  }
  if (auto failure = statusFailure(stringProperty(info, "level"), code)) {
    fail(*failure, describeStatus(info));
  }
}

void RtmpClient::onConnected() {
  if (options_.mode == ClientMode::kPublish) {
    // What FMLE, OBS and ffmpeg send before publishing; nginx-rtmp and SRS expect them.
    sendCommand(0, command("releaseStream", nextTransaction(), {Value::string(options_.streamName)}));
    sendCommand(0, command("FCPublish", nextTransaction(), {Value::string(options_.streamName)}));
  }
  createStreamTransaction_ = nextTransaction();
  phase_ = Phase::kCreateStream;
  sendCommand(0, command("createStream", createStreamTransaction_, {}));
}

void RtmpClient::onStreamCreated(const std::vector<Value>& args) {
  auto id = std::find_if(args.begin(), args.end(), [](const Value& arg) { return arg.asNumber().has_value(); });
  double number = id != args.end() ? *id->asNumber() : -1;
  if (number < 0 || number > std::numeric_limits<uint32_t>::max() || number != std::floor(number)) {
    fail(ClientFailure::kProtocol, "createStream answered without a stream id");
    return;
  }
  streamId_ = static_cast<uint32_t>(number);
  if (options_.mode == ClientMode::kPublish && streamId_ != kMediaMessageStream) {
    // RtmpMuxer chunks each frame once, for stream 1, whoever sends it; rtsedge,
    // nginx-rtmp and SRS all create stream 1 first, so rewriting every message is not worth it.
    fail(ClientFailure::kProtocol, fmt::format("the server created message stream {}; published media is chunked "
                                               "for stream {}",
                                               streamId_, kMediaMessageStream));
    return;
  }
  startTransaction_ = nextTransaction();
  phase_ = Phase::kStart;
  if (options_.mode == ClientMode::kPlay) {
    sendCommand(streamId_, command("play", startTransaction_,
                                   {Value::string(options_.streamName), Value::number(kPlayLiveOrRecorded)}));
    send(setBufferLengthMessage(streamId_, kBufferLengthMs));
  } else {
    sendCommand(streamId_,
                command("publish", startTransaction_, {Value::string(options_.streamName), Value::string("live")}));
  }
}

}  // namespace rtsedge::rtmp
