#include "protocols/rtmp/client_messages.h"

#include "protocols/rtmp/chunk_writer.h"
#include "protocols/rtmp/message.h"
#include "protocols/rtmp/rtmp_mux.h"

namespace rtsedge::rtmp {

using amf0::Value;

std::string_view clientFailureName(ClientFailure failure) {
  switch (failure) {
    case ClientFailure::kConnect: return "connect";
    case ClientFailure::kHandshake: return "handshake";
    case ClientFailure::kRefused: return "refused";
    case ClientFailure::kNotFound: return "not_found";
    case ClientFailure::kTimeout: return "timeout";
    case ClientFailure::kClosed: return "closed";
    case ClientFailure::kProtocol: return "protocol";
  }
  return "unknown";
}

std::string tcUrl(std::string_view host, uint16_t port, std::string_view app) {
  std::string bracketed = host.find(':') != std::string_view::npos ? "[" + std::string(host) + "]" : std::string(host);
  return "rtmp://" + bracketed + ":" + std::to_string(port) + "/" + std::string(app);
}

std::vector<Value> connectCommand(std::string_view host, uint16_t port, std::string_view app) {
  return {Value::string("connect"), Value::number(kConnectTransaction),
          Value::object({{"app", Value::string(std::string(app))},
                         {"type", Value::string("nonprivate")},
                         {"flashVer", Value::string("FMLE/3.0 (compatible; rtsedge)")},
                         {"tcUrl", Value::string(tcUrl(host, port, app))},
                         {"fpad", Value::boolean(false)},
                         {"capabilities", Value::number(15)},
                         {"audioCodecs", Value::number(3191)},
                         {"videoCodecs", Value::number(252)},
                         {"videoFunction", Value::number(1)}})};
}

std::vector<Value> command(std::string_view name, double transaction, std::vector<Value> args) {
  args.insert(args.begin(), {Value::string(std::string(name)), Value::number(transaction), Value::null()});
  return args;
}

Bytes setBufferLengthMessage(uint32_t streamId, uint32_t milliseconds) {
  // userControlMessage() carries one value; this event has two.
  BytesBuilder body(10);
  body.appendU16(static_cast<uint16_t>(UserControlEvent::kSetBufferLength));
  body.appendU32(streamId);
  body.appendU32(milliseconds);
  Bytes payload = body.freeze();
  MessageHeader header{kControlChunkStream, 0, static_cast<uint8_t>(MessageType::kUserControl), 0};
  BytesBuilder out(chunkedSize(header, payload.size(), kDefaultChunkSize));
  appendChunked(out, header, {payload.span()}, kDefaultChunkSize);
  return out.freeze();
}

const Value* infoObject(const std::vector<Value>& args) {
  for (auto it = args.rbegin(); it != args.rend(); ++it) {
    if (it->type() == Value::Type::kObject || it->type() == Value::Type::kEcmaArray) {
      return &*it;
    }
  }
  return nullptr;
}

bool isStartStatus(ClientMode mode, std::string_view code) {
  return code == (mode == ClientMode::kPlay ? "NetStream.Play.Start" : "NetStream.Publish.Start");
}

std::optional<ClientFailure> statusFailure(std::string_view level, std::string_view code) {
  // nginx-rtmp sends StreamNotFound with level "error": the code decides first.
  if (code == "NetStream.Play.StreamNotFound") {
    return ClientFailure::kNotFound;
  }
  // The publisher left (nginx-rtmp, rtsedge) or the server ended the play or the connection.
  if (code == "NetStream.Play.Stop" || code == "NetStream.Play.UnpublishNotify" ||
      code == "NetConnection.Connect.Closed") {
    return ClientFailure::kClosed;
  }
  if (level == "error") {
    return ClientFailure::kRefused;
  }
  return std::nullopt;
}

}  // namespace rtsedge::rtmp
