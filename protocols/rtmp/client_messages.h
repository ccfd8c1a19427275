#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/rtmp/amf0.h"
#include "relay/bytes.h"

namespace rtsedge::rtmp {

// The client side of the RTMP command exchange, without a socket: the messages an
// outgoing connection sends and what the server's statuses mean to it.

enum class ClientMode { kPlay, kPublish };

// Why a client stopped. The tier logic counts these by kind and decides on failover.
enum class ClientFailure {
  kConnect,    // no TCP connection (refused, unreachable, timed out)
  kHandshake,  // the RTMP handshake failed
  kRefused,    // connect, createStream, play or publish rejected (_error, level "error")
  kNotFound,   // NetStream.Play.StreamNotFound
  kTimeout,    // connected, but no Play.Start / Publish.Start in time
  kClosed,     // the upstream closed the connection or ended the stream
  kProtocol,   // malformed input, or an answer we cannot work with
};

// "connect", "handshake", "refused", "not_found", "timeout", "closed", "protocol".
std::string_view clientFailureName(ClientFailure failure);

// "rtmp://host:port/app", with an IPv6 host in brackets.
std::string tcUrl(std::string_view host, uint16_t port, std::string_view app);

inline constexpr double kConnectTransaction = 1;

// The connect command (kConnectTransaction), describing us as FMLE does: nginx-rtmp and SRS
// read `type` and `flashVer`; the codec fields are what ffmpeg announces when playing.
std::vector<amf0::Value> connectCommand(std::string_view host, uint16_t port, std::string_view app);

// Any other command: name, transaction, a null command object, then `args`.
std::vector<amf0::Value> command(std::string_view name, double transaction, std::vector<amf0::Value> args);

// User Control SetBufferLength: how much a player buffers, which some servers use
// to pace what they send.
Bytes setBufferLengthMessage(uint32_t streamId, uint32_t milliseconds);

// The info object of an onStatus, _result or _error (the last object argument;
// connect's _result puts the server's properties before it); nullptr if none.
const amf0::Value* infoObject(const std::vector<amf0::Value>& args);

// Whether an onStatus code says the play or publish the client asked for began.
bool isStartStatus(ClientMode mode, std::string_view code);
// Whether an onStatus (or an _error's info) ends the client, and why.
std::optional<ClientFailure> statusFailure(std::string_view level, std::string_view code);

}  // namespace rtsedge::rtmp
