#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relay/clock.h"
#include "relay/status.h"
#include "security/cidr.h"

namespace rtsedge {

struct ListenAddress {
  std::string host;
  uint16_t port = 0;  // 0: any free port (the bound port is logged)
};

struct LogSettings {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
};

struct RtmpSettings {
  bool enabled = true;
  ListenAddress listen{"0.0.0.0", 1935};
  uint32_t chunkSize = 4096;                  // outgoing chunk size, 128..65536
  uint32_t maxMessageSize = 8 * 1024 * 1024;  // largest incoming message, 1 KiB..64 MiB
  Millis handshakeTimeout{5000};              // connect to publish/play
  Millis idleTimeout{30000};                  // nothing received from a non-playing session
  uint32_t windowAckSize = 2500000;
  uint32_t maxConnections = 10000;  // past it new connections are closed at once
  uint32_t maxConnectionsPerAddress = 1000;  // from one client address
  std::optional<ListenAddress> tlsListen;  // RTMPS: the same sessions over TLS (needs `tls:`)
};

struct HttpSettings {
  bool enabled = true;
  ListenAddress listen{"0.0.0.0", 8080};
  uint64_t maxRequestLine = 8 * 1024;  // 414 past it
  uint64_t maxHeaderSize = 16 * 1024;  // 431 past it
  uint64_t maxBodySize = 1024 * 1024;  // 413 past it
  Millis requestTimeout{10000};        // a started request must be complete by then (slowloris)
  Millis keepaliveTimeout{60000};      // an idle keep-alive connection is closed after it
  uint32_t maxConnections = 10000;     // past it new connections are closed at once
  uint32_t maxConnectionsPerAddress = 1000;  // from one client address
  Millis playWait{3000};               // how long a play of an absent stream waits before 404
  std::optional<ListenAddress> tlsListen;  // HTTPS: the same server over TLS (needs `tls:`)
};

struct SrtSettings {
  bool enabled = true;
  ListenAddress listen{"0.0.0.0", 10080};
  Millis latency{120};          // receiver buffer delay: the loss recovery window (SRTO_LATENCY)
  std::string passphrase;       // empty: no encryption; else 10..80 characters (SRTO_PASSPHRASE)
  uint32_t keyLength = 16;      // AES key bytes with a passphrase: 16, 24 or 32 (SRTO_PBKEYLEN)
  uint64_t maxBandwidth = 0;    // bytes/s a connection may send, retransmissions included; 0: no cap
  uint32_t payloadSize = 1316;  // bytes per packet: 7 TS packets (SRTO_PAYLOADSIZE)
  // Drop packets recovered after the latency deadline (SRTO_TLPKTDROP)? Off: a late
  // retransmission is still delivered, a brief delay instead of a GOP that cannot decode.
  bool tooLateDrop = false;
  Millis peerIdleTimeout{5000};  // a peer silent this long is gone (SRTO_PEERIDLETIMEO)
  Millis idleTimeout{10000};     // a publisher connected but sending no media is closed
  Millis playWait{3000};         // how long a play of an absent stream waits before it is closed
  uint32_t maxConnections = 10000;
  uint32_t maxConnectionsPerAddress = 1000;  // from one client address
};

enum class DuplicatePublish { kReject, kReplace };

// What a WebRTC viewer gets of a stream with B-frames, which browsers' decoders do not take.
enum class BFramePolicy : uint8_t { kDrop, kPass };

struct WebRtcSettings {
  bool enabled = true;
  ListenAddress listen{"0.0.0.0", 8000};  // UDP: ICE-lite, DTLS and SRTP of every session
  // Addresses advertised as host candidates (the node's public addresses behind NAT);
  // empty: the listen address, or every local address when it is 0.0.0.0 or [::].
  std::vector<std::string> candidates;
  Millis connectTimeout{10000};  // answer -> ICE checked and DTLS connected
  Millis consentTimeout{30000};  // no ICE consent (STUN check) this long: the peer is gone
  BFramePolicy bFrames = BFramePolicy::kDrop;
  uint32_t maxSessions = 10000;
  Millis nackHistory{1000};  // how old a packet a viewer's NACK can still get again
};

struct StreamSettings {
  bool gopCache = true;
  Millis gopCacheMaxDuration{10000};
  uint64_t gopCacheMaxBytes = 16 * 1024 * 1024;
  Millis sourceGrace{10000};  // how long viewers wait for a (returning) publisher
  DuplicatePublish onDuplicatePublish = DuplicatePublish::kReject;
  uint32_t maxStreams = 10000;            // streams on the node: published, pulled or waited for
  uint32_t maxViewersPerStream = 100000;  // viewers of one stream, every protocol
};

struct ViewerSettings {
  Millis queueSoftLimit{1000};  // past it: skip to the next keyframe
  Millis queueHardLimit{5000};  // past it: close the viewer
  Millis playerBuffer{200};     // the stall model's player starts and resumes with this much buffered
};

enum class UpstreamProtocol { kRtmp, kSrt };

// One node of the tier above, from `upstreams:`.
struct UpstreamSettings {
  std::string url;  // as written: the identity rendezvous hashing ranks
  UpstreamProtocol protocol = UpstreamProtocol::kRtmp;
  ListenAddress address;  // numeric host and port
  std::string app;        // rtmp://host:port/app: pull every stream from this app; empty: the viewer's own
  // srt://host:port?latency=200&passphrase=...: what overrides the node's srt settings.
  std::optional<Millis> srtLatency;
  std::optional<std::string> srtPassphrase;
  uint32_t weight = 1;    // relative share of streams, 1..1000
};

// How a node with upstreams pulls what it lacks and forwards what is published on it.
struct TierSettings {
  std::string nodeId;             // names this node in loop detection; empty: a random one per start
  Millis pullWait{3000};          // a viewer of an absent stream waits this long for the pull's first keyframe
  Millis idleTimeout{30000};      // a pull with no viewers for this long stops
  Millis connectTimeout{2000};    // TCP or SRT connect to an upstream
  Millis handshakeTimeout{3000};  // connected to playing
  Millis noMediaTimeout{1000};    // a playing upstream that sends no media this long has failed
  Millis backoffMin{500};         // a failed upstream is down this long, doubling per failure...
  Millis backoffMax{30000};       // ...up to this
  uint32_t maxHops = 8;           // requests that passed more nodes than this are refused
  bool passQuery = false;         // a viewer's query (tokens) goes upstream with the pull
  bool forwardPublish = true;     // a publisher on this node is pushed to the upstream too
};

// Who may publish and play: the rules of one app.
struct AccessRules {
  bool requireSignature = false;      // a valid ?expires=&sign= is needed
  std::vector<security::Cidr> allow;  // empty: any address; else only these
  std::vector<security::Cidr> deny;   // refused even if allowed
};

struct AppSecurity {
  std::string app;                   // "*": every app without rules of its own
  std::vector<std::string> secrets;  // signing secrets: the first signs, every one verifies (rotation)
  AccessRules publish;
  AccessRules play;
};

// HTTP hooks: a POST with JSON to the platform's backend; a 2xx allows.
struct HookSettings {
  std::string onPublish;    // asked before a publish starts
  std::string onUnpublish;  // told when it ends
  std::string onPlay;       // asked before a play starts
  std::string onStop;       // told when it ends
  Millis timeout{2000};
  bool failOpen = false;  // a hook that fails or times out allows (true) or refuses (false)
  Millis cache{0};        // a decision is reused for the same request this long; 0: never
};

struct SecuritySettings {
  std::vector<AppSecurity> apps;
  Millis clockSkew{30000};  // a signed URL stays valid this long past its expiry
  std::string tierSecret;   // signs and verifies the requests nodes make of each other
  HookSettings hooks;
};

// The server certificate for HTTPS and RTMPS.
struct TlsSettings {
  std::string certificate;  // PEM chain file
  std::string key;          // PEM private key file
};

struct ApiSettings {
  std::optional<ListenAddress> listen;  // a listener of its own for /api, /metrics and health; else on http
  std::string token;                    // Authorization: Bearer <token> for the API and /metrics
  bool publicReads = false;             // with a token: GET routes and /metrics open, DELETE still needs it
};

struct MetricsSettings {
  bool perStream = false;      // per-stream series on /metrics
  uint32_t maxStreams = 1000;  // at most this many streams get per-stream series
};

struct Config {
  std::string source;  // file name, or "<embedded default>"
  LogSettings log;
  RtmpSettings rtmp;
  HttpSettings http;
  SrtSettings srt;
  WebRtcSettings webrtc;
  StreamSettings streams;
  ViewerSettings viewers;
  std::vector<UpstreamSettings> upstreams;  // empty: this node is an origin
  TierSettings tier;
  SecuritySettings security;
  TlsSettings tls;
  ApiSettings api;
  MetricsSettings metrics;
};

// The rules of an app: its own, else those of "*", else none (nullptr: anyone may).
const AppSecurity* findAppSecurity(const SecuritySettings& security, std::string_view app);

// Parses and validates a whole configuration. Errors read
// "<source>:<line>:<column>: <key path>: <what is wrong>", e.g.
// "edge.yaml:14:5: rtmp.listen: port 70000 not in 0..65535".
Result<Config> parseConfig(std::string_view yamlText, std::string_view sourceName);
Result<Config> loadConfigFile(const std::string& path);

// conf/rtsedge.yaml as it was at build time: the configuration used without --config.
std::string_view embeddedDefaultConfig();
Result<Config> loadEmbeddedDefaultConfig();

}  // namespace rtsedge
