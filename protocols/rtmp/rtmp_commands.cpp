// The AMF0 command exchange of an RtmpSession: connect, createStream, publish,
// play and their replies.
#include <spdlog/spdlog.h>

#include "protocols/rtmp/chunk_writer.h"
#include "protocols/rtmp/rtmp_mux.h"
#include "protocols/rtmp/rtmp_session.h"

namespace rtsedge::rtmp {

namespace {
using amf0::Value;

constexpr uint8_t kPeerBandwidthDynamic = 2;

MessageHeader commandHeader(uint32_t streamId) {
  return {kCommandChunkStream, 0, static_cast<uint8_t>(MessageType::kCommandAmf0), streamId};
}
}  // namespace

void RtmpSession::sendResult(double transaction, std::vector<Value> values) {
  values.insert(values.begin(), {Value::string("_result"), Value::number(transaction)});
  sendControl(amf0Message(commandHeader(0), values, context_.settings.chunkSize));
}

void RtmpSession::sendStatus(uint32_t streamId, std::string_view level, std::string_view code,
                             std::string_view description) {
  std::vector<Value> values{Value::string("onStatus"), Value::number(0), Value::null(),
                            Value::object({{"level", Value::string(std::string(level))},
                                           {"code", Value::string(std::string(code))},
                                           {"description", Value::string(std::string(description))}})};
  sendControl(amf0Message(commandHeader(streamId), values, context_.settings.chunkSize));
}

void RtmpSession::handleCommand(const Message& message, std::span<const uint8_t> amf0Body) {
  auto decoded = amf0::decodeAll(amf0Body);
  if (!decoded) {
    protocolError("command", decoded.error().wrap("command").message());
    return;
  }
  const std::vector<Value>& values = *decoded;
  auto name = values.empty() ? std::nullopt : values[0].asString();
  if (!name) {
    protocolError("command", "command without a name");
    return;
  }
  double transaction = values.size() > 1 ? values[1].asNumber().value_or(0) : 0;
  std::vector<Value> args(values.begin() + std::min<size_t>(values.size(), 2), values.end());
  if (*name == "connect") {
    onConnect(transaction, args);
    return;
  }
  if (phase_ == Phase::kConnecting) {
    protocolError("command", fmt::format("\"{}\" before connect", *name));
    return;
  }
  if (*name == "createStream") {
    sendResult(transaction, {Value::null(), Value::number(kMediaMessageStream)});
  } else if (*name == "publish") {
    onPublish(message, transaction, args);
  } else if (*name == "play") {
    onPlay(message, args);
  } else if (*name == "deleteStream" || *name == "closeStream" || *name == "FCUnpublish") {
    stopRole();
  } else if (*name == "getStreamLength") {
    sendResult(transaction, {Value::null(), Value::number(0)});
  } else if ((*name == "releaseStream" || *name == "FCPublish") && transaction != 0) {
    sendResult(transaction, {Value::null(), Value::undefined()});
  } else {
    spdlog::debug("rtmp#{}: command \"{}\" ignored", id(), *name);
  }
}

void RtmpSession::onConnect(double transaction, const std::vector<Value>& args) {
  if (phase_ != Phase::kConnecting) {
    protocolError("command", "second connect");
    return;
  }
  const Value* app = args.empty() ? nullptr : args[0].get("app");
  auto appName = app != nullptr ? app->asString() : std::nullopt;
  if (!appName) {
    protocolError("command", "connect without an app");
    return;
  }
  app_ = std::string(*appName);
  const Value* encoding = args[0].get("objectEncoding");
  phase_ = Phase::kConnected;
  sendControl(windowAckSizeMessage(context_.settings.windowAckSize));
  sendControl(setPeerBandwidthMessage(context_.settings.windowAckSize, kPeerBandwidthDynamic));
  sendControl(setChunkSizeMessage(context_.settings.chunkSize));
  sendResult(transaction,
             {Value::object({{"fmsVer", Value::string("FMS/3,0,1,123")}, {"capabilities", Value::number(31)}}),
              Value::object({{"level", Value::string("status")},
                             {"code", Value::string("NetConnection.Connect.Success")},
                             {"description", Value::string("Connection succeeded.")},
                             {"objectEncoding", Value::number(encoding ? encoding->asNumber().value_or(0) : 0)}})});
}

Result<StreamKey> RtmpSession::streamKeyFrom(const std::vector<Value>& args) {
  // args: command object (null), stream name, then type / start.
  auto name = args.size() > 1 ? args[1].asString() : std::nullopt;
  if (!name) {
    return Error("no stream name");
  }
  return parseStreamKey(app_, *name);
}

void RtmpSession::onPublish(const Message& message, double transaction, const std::vector<Value>& args) {
  (void)transaction;  // answered by onStatus, as clients expect
  if (phase_ != Phase::kConnected) {
    protocolError("command", "publish while already publishing, playing or waiting to");
    return;
  }
  auto key = streamKeyFrom(args);
  if (!key) {
    sendStatus(message.streamId, "error", "NetStream.Publish.BadName", key.error().message());
    closeAfterFlush(CloseReason::kRefused, key.error().wrap("publish").message());
    return;
  }
  authorize(security::AccessAction::kPublish, *key, message.streamId, "NetStream.Publish.Unauthorized",
            [this, streamId = message.streamId, allowed = *key] { startPublishing(streamId, allowed); });
}

void RtmpSession::onPlay(const Message& message, const std::vector<Value>& args) {
  if (phase_ != Phase::kConnected) {
    protocolError("command", "play while already publishing, playing or waiting to");
    return;
  }
  auto key = streamKeyFrom(args);
  if (!key) {
    sendStatus(message.streamId, "error", "NetStream.Play.StreamNotFound", key.error().message());
    closeAfterFlush(CloseReason::kRefused, key.error().wrap("play").message());
    return;
  }
  authorize(security::AccessAction::kPlay, *key, message.streamId, "NetStream.Play.Failed",
            [this, streamId = message.streamId, allowed = *key] { startPlaying(streamId, allowed); });
}

void RtmpSession::authorize(security::AccessAction action, const StreamKey& key, uint32_t streamId,
                            std::string refusedCode, std::function<void()> start) {
  phase_ = Phase::kAuthorizing;
  security::AccessRequest request{action, key, std::string(security::hostOfPeer(connection().peer())), "rtmp", id()};
  access_.ask(request, [this, streamId, refusedCode = std::move(refusedCode), start = std::move(start),
                        key = key.key()](const security::AccessDecision& decision) {
    if (closing()) {
      return;
    }
    if (!decision.allowed()) {
      sendStatus(streamId, "error", refusedCode, decision.detail);
      closeAfterFlush(CloseReason::kRefused, fmt::format("{}: {}", key, decision.detail));
      return;
    }
    phase_ = Phase::kConnected;
    start();
  });
}

void RtmpSession::startPublishing(uint32_t streamId, const StreamKey& key) {
  if (Status admitted = context_.hub.admit(key.key(), false); !admitted) {
    sendStatus(streamId, "error", "NetStream.Publish.Rejected", admitted.error().message());
    closeAfterFlush(CloseReason::kTooMany, admitted.error().wrap("publish").message());
    return;
  }
  auto publisher = std::make_unique<RtmpPublisher>(context_.clock, metrics().framesReceived,
                                                   static_cast<RtmpPublisher::Listener&>(*this));
  Stream& stream = context_.hub.acquire(key.key());
  Status status = publisher->attachTo(stream);
  if (status) {
    status = context_.hub.published(stream, key);  // forwarded upstream where the node has one
  }
  if (!status) {
    sendStatus(streamId, "error", "NetStream.Publish.BadName", status.error().message());
    closeAfterFlush(CloseReason::kRefused, status.error().wrap("publish").message());
    return;
  }
  streamKey_ = key;
  publisher_ = std::move(publisher);
  phase_ = Phase::kPublishing;
  setRole("publisher");
  spdlog::info("rtmp#{} {}: publishing {}", id(), connection().peer(), key.key());
  sendControl(userControlMessage(UserControlEvent::kStreamBegin, streamId));
  sendStatus(streamId, "status", "NetStream.Publish.Start", key.key() + " is now published");
  armTimer();
}

void RtmpSession::startPlaying(uint32_t streamId, const StreamKey& key) {
  if (Status admitted = context_.hub.admit(key.key(), true); !admitted) {
    sendStatus(streamId, "error", "NetStream.Play.Failed", admitted.error().message());
    closeAfterFlush(CloseReason::kTooMany, admitted.error().wrap("play").message());
    return;
  }
  if (Status demanded = context_.hub.demand(key); !demanded) {
    sendStatus(streamId, "error", "NetStream.Play.StreamNotFound", demanded.error().message());
    closeAfterFlush(CloseReason::kRefused, demanded.error().wrap("play " + key.key()).message());
    return;
  }
  streamKey_ = key;
  phase_ = Phase::kPlaying;
  setRole("player");
  queue().startTiming(metrics().egressTimings(context_.viewers.playerBuffer));
  spdlog::info("rtmp#{} {}: playing {}", id(), connection().peer(), key.key());
  sendControl(userControlMessage(UserControlEvent::kStreamBegin, streamId));
  sendStatus(streamId, "status", "NetStream.Play.Reset", "playing " + key.key());
  sendStatus(streamId, "status", "NetStream.Play.Start", "playing " + key.key());
  armTimer();
  player_ = std::make_unique<EgressSubscriber>(context_.hub.acquire(key.key()), queue(), muxer_, TrackFilter{},
                                               static_cast<EgressSubscriber::Listener&>(*this));
  flush();
}

void RtmpSession::stopRole() {
  publisher_.reset();
  player_.reset();
  setRole("none");
  access_.ended();  // the end hook hears of an allowed role; a question still open is withdrawn
  if (phase_ == Phase::kPublishing || phase_ == Phase::kPlaying || phase_ == Phase::kAuthorizing) {
    phase_ = Phase::kConnected;
    armTimer();
  }
}

}  // namespace rtsedge::rtmp
