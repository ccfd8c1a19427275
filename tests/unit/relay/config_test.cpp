#include "relay/config.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace rtsedge {
namespace {

std::string errorOf(const std::string& yaml) {
  auto config = parseConfig(yaml, "x.yaml");
  REQUIRE_FALSE(config);
  return config.error().message();
}

// Every field against relay/config.h's own default: a key missing from conf/rtsedge.yaml,
// or written there with another value, fails here.
void checkDefaults(const Config& config) {
  const Config defaults;
  CHECK(config.log.level == defaults.log.level);
  CHECK(config.rtmp.enabled == defaults.rtmp.enabled);
  CHECK(config.rtmp.listen.host == defaults.rtmp.listen.host);
  CHECK(config.rtmp.listen.port == defaults.rtmp.listen.port);
  CHECK(config.rtmp.chunkSize == defaults.rtmp.chunkSize);
  CHECK(config.rtmp.maxMessageSize == defaults.rtmp.maxMessageSize);
  CHECK(config.rtmp.handshakeTimeout == defaults.rtmp.handshakeTimeout);
  CHECK(config.rtmp.idleTimeout == defaults.rtmp.idleTimeout);
  CHECK(config.rtmp.windowAckSize == defaults.rtmp.windowAckSize);
  CHECK(config.rtmp.maxConnections == defaults.rtmp.maxConnections);
  CHECK(config.http.enabled == defaults.http.enabled);
  CHECK(config.http.listen.host == defaults.http.listen.host);
  CHECK(config.http.listen.port == defaults.http.listen.port);
  CHECK(config.http.maxRequestLine == defaults.http.maxRequestLine);
  CHECK(config.http.maxHeaderSize == defaults.http.maxHeaderSize);
  CHECK(config.http.maxBodySize == defaults.http.maxBodySize);
  CHECK(config.http.requestTimeout == defaults.http.requestTimeout);
  CHECK(config.http.keepaliveTimeout == defaults.http.keepaliveTimeout);
  CHECK(config.http.maxConnections == defaults.http.maxConnections);
  CHECK(config.http.playWait == defaults.http.playWait);
  CHECK(config.webrtc.enabled == defaults.webrtc.enabled);
  CHECK(config.webrtc.listen.host == defaults.webrtc.listen.host);
  CHECK(config.webrtc.listen.port == defaults.webrtc.listen.port);
  CHECK(config.webrtc.candidates == defaults.webrtc.candidates);
  CHECK(config.webrtc.connectTimeout == defaults.webrtc.connectTimeout);
  CHECK(config.webrtc.consentTimeout == defaults.webrtc.consentTimeout);
  CHECK(config.webrtc.bFrames == defaults.webrtc.bFrames);
  CHECK(config.webrtc.maxSessions == defaults.webrtc.maxSessions);
  CHECK(config.webrtc.nackHistory == defaults.webrtc.nackHistory);
  CHECK(config.srt.enabled == defaults.srt.enabled);
  CHECK(config.srt.listen.host == defaults.srt.listen.host);
  CHECK(config.srt.listen.port == defaults.srt.listen.port);
  CHECK(config.srt.latency == defaults.srt.latency);
  CHECK(config.srt.passphrase == defaults.srt.passphrase);
  CHECK(config.srt.keyLength == defaults.srt.keyLength);
  CHECK(config.srt.maxBandwidth == defaults.srt.maxBandwidth);
  CHECK(config.srt.payloadSize == defaults.srt.payloadSize);
  CHECK(config.srt.tooLateDrop == defaults.srt.tooLateDrop);
  CHECK(config.srt.peerIdleTimeout == defaults.srt.peerIdleTimeout);
  CHECK(config.srt.idleTimeout == defaults.srt.idleTimeout);
  CHECK(config.srt.playWait == defaults.srt.playWait);
  CHECK(config.srt.maxConnections == defaults.srt.maxConnections);
  CHECK(config.streams.gopCache == defaults.streams.gopCache);
  CHECK(config.streams.gopCacheMaxDuration == defaults.streams.gopCacheMaxDuration);
  CHECK(config.streams.gopCacheMaxBytes == defaults.streams.gopCacheMaxBytes);
  CHECK(config.streams.sourceGrace == defaults.streams.sourceGrace);
  CHECK(config.streams.onDuplicatePublish == defaults.streams.onDuplicatePublish);
  CHECK(config.viewers.queueSoftLimit == defaults.viewers.queueSoftLimit);
  CHECK(config.viewers.queueHardLimit == defaults.viewers.queueHardLimit);
  CHECK(config.viewers.playerBuffer == defaults.viewers.playerBuffer);
  CHECK(config.upstreams.empty());
  CHECK(config.tier.nodeId == defaults.tier.nodeId);
  CHECK(config.tier.pullWait == defaults.tier.pullWait);
  CHECK(config.tier.idleTimeout == defaults.tier.idleTimeout);
  CHECK(config.tier.connectTimeout == defaults.tier.connectTimeout);
  CHECK(config.tier.handshakeTimeout == defaults.tier.handshakeTimeout);
  CHECK(config.tier.noMediaTimeout == defaults.tier.noMediaTimeout);
  CHECK(config.tier.backoffMin == defaults.tier.backoffMin);
  CHECK(config.tier.backoffMax == defaults.tier.backoffMax);
  CHECK(config.tier.maxHops == defaults.tier.maxHops);
  CHECK(config.tier.passQuery == defaults.tier.passQuery);
  CHECK(config.tier.forwardPublish == defaults.tier.forwardPublish);
  CHECK(config.rtmp.tlsListen == std::nullopt);
  CHECK(config.rtmp.maxConnectionsPerAddress == defaults.rtmp.maxConnectionsPerAddress);
  CHECK(config.http.maxConnectionsPerAddress == defaults.http.maxConnectionsPerAddress);
  CHECK(config.srt.maxConnectionsPerAddress == defaults.srt.maxConnectionsPerAddress);
  CHECK(config.streams.maxStreams == defaults.streams.maxStreams);
  CHECK(config.streams.maxViewersPerStream == defaults.streams.maxViewersPerStream);
  CHECK(config.http.tlsListen == std::nullopt);
  CHECK(config.security.apps.empty());
  CHECK(config.security.clockSkew == defaults.security.clockSkew);
  CHECK(config.security.tierSecret.empty());
  CHECK(config.security.hooks.onPublish.empty());
  CHECK(config.security.hooks.onUnpublish.empty());
  CHECK(config.security.hooks.onPlay.empty());
  CHECK(config.security.hooks.onStop.empty());
  CHECK(config.security.hooks.timeout == defaults.security.hooks.timeout);
  CHECK(config.security.hooks.failOpen == defaults.security.hooks.failOpen);
  CHECK(config.security.hooks.cache == defaults.security.hooks.cache);
  CHECK(config.tls.certificate.empty());
  CHECK(config.tls.key.empty());
  CHECK(config.api.listen == std::nullopt);
  CHECK(config.api.token.empty());
  CHECK(config.api.publicReads == defaults.api.publicReads);
  CHECK(config.metrics.perStream == defaults.metrics.perStream);
  CHECK(config.metrics.maxStreams == defaults.metrics.maxStreams);
}

TEST_CASE("an empty document means every default") {
  for (const char* empty :
       {"", "\n", "# nothing set\n", "---\n", "---\n...\n", "log:\nrtmp: ~\nstreams: {gop_cache: }\n"}) {
    CAPTURE(empty);
    auto config = parseConfig(empty, "empty.yaml");
    REQUIRE(config);
    CHECK(config->source == "empty.yaml");
    checkDefaults(*config);
  }
}

TEST_CASE("the embedded default (conf/rtsedge.yaml) sets every key to relay/config.h's default") {
  auto embedded = loadEmbeddedDefaultConfig();
  REQUIRE(embedded);
  CHECK(embedded->source == "<embedded default>");
  checkDefaults(*embedded);
  // Present, not merely defaulted: the file documents every key.
  for (const char* key : {"level:",
                          "enabled:",
                          "listen:",
                          "chunk_size:",
                          "max_message_size:",
                          "handshake_timeout:",
                          "idle_timeout:",
                          "window_ack_size:",
                          "max_connections:",
                          "max_request_line:",
                          "max_header_size:",
                          "max_body_size:",
                          "request_timeout:",
                          "keepalive_timeout:",
                          "play_wait:",
                          "latency:",
                          "passphrase:",
                          "key_length:",
                          "max_bandwidth:",
                          "payload_size:",
                          "too_late_drop:",
                          "upstreams:",
                          "node_id:",
                          "pull_wait:",
                          "connect_timeout:",
                          "no_media_timeout:",
                          "backoff_min:",
                          "backoff_max:",
                          "max_hops:",
                          "pass_query:",
                          "forward_publish:",
                          "peer_idle_timeout:",
                          "gop_cache:",
                          "max_duration:",
                          "max_bytes:",
                          "source_grace:",
                          "on_duplicate_publish:",
                          "queue_soft_limit:",
                          "queue_hard_limit:",
                          "player_buffer:",
                          "per_stream:",
                          "tls_listen:",
                          "max_connections_per_address:",
                          "max_streams:",
                          "max_viewers_per_stream:",
                          "apps:",
                          "clock_skew:",
                          "tier_secret:",
                          "on_publish:",
                          "on_unpublish:",
                          "on_play:",
                          "on_stop:",
                          "timeout:",
                          "fail_open:",
                          "cache:",
                          "certificate:",
                          "key:",
                          "token:",
                          "public_reads:",
                          "max_streams:",
                          "candidates:",
                          "consent_timeout:",
                          "b_frames:",
                          "max_sessions:",
                          "nack_history:"}) {
    CAPTURE(key);
    CHECK(embeddedDefaultConfig().find(key) != std::string_view::npos);
  }
}

TEST_CASE("every key lands in its own field") {
  auto config = parseConfig(R"(
log: {level: debug}
rtmp:
  enabled: false
  listen: "[::1]:0"
  chunk_size: 60000
  max_message_size: 1MiB
  handshake_timeout: 500ms
  idle_timeout: 2m
  window_ack_size: 5000000
  max_connections: 7
http:
  enabled: false
  listen: 127.0.0.1:18080
  max_request_line: 1KiB
  max_header_size: 2KiB
  max_body_size: 0
  request_timeout: 3s
  keepalive_timeout: 4s
  max_connections: 9
  play_wait: 0s
streams:
  gop_cache: {enabled: false, max_duration: 2m, max_bytes: 1GiB}
  source_grace: 0s
  on_duplicate_publish: replace
viewers: {queue_soft_limit: 300ms, queue_hard_limit: 10m}
)",
                            "x.yaml");
  REQUIRE(config);
  CHECK(config->log.level == "debug");
  CHECK_FALSE(config->rtmp.enabled);
  CHECK(config->rtmp.listen.host == "::1");
  CHECK(config->rtmp.listen.port == 0);
  CHECK(config->rtmp.chunkSize == 60000);
  CHECK(config->rtmp.maxMessageSize == 1024 * 1024);
  CHECK(config->rtmp.handshakeTimeout == Millis(500));
  CHECK(config->rtmp.idleTimeout == Millis(120'000));
  CHECK(config->rtmp.windowAckSize == 5'000'000);
  CHECK(config->rtmp.maxConnections == 7);
  CHECK_FALSE(config->http.enabled);
  CHECK(config->http.listen.host == "127.0.0.1");
  CHECK(config->http.listen.port == 18080);
  CHECK(config->http.maxRequestLine == 1024);
  CHECK(config->http.maxHeaderSize == 2048);
  CHECK(config->http.maxBodySize == 0);
  CHECK(config->http.requestTimeout == Millis(3000));
  CHECK(config->http.keepaliveTimeout == Millis(4000));
  CHECK(config->http.maxConnections == 9);
  CHECK(config->http.playWait == Millis(0));
  CHECK_FALSE(config->streams.gopCache);
  CHECK(config->streams.gopCacheMaxDuration == Millis(120'000));
  CHECK(config->streams.gopCacheMaxBytes == 1u << 30);
  CHECK(config->streams.sourceGrace == Millis(0));
  CHECK(config->streams.onDuplicatePublish == DuplicatePublish::kReplace);
  CHECK(config->viewers.queueSoftLimit == Millis(300));
  CHECK(config->viewers.queueHardLimit == Millis(600'000));
}

TEST_CASE("quoting a value does not change it; the bounds are inclusive") {
  auto config = parseConfig(
      "rtmp:\n  enabled: \"false\"\n  chunk_size: '128'\nviewers:\n  queue_hard_limit: 10m\n"
      "  queue_soft_limit: 1m\n",
      "x.yaml");
  REQUIRE(config);
  CHECK_FALSE(config->rtmp.enabled);
  CHECK(config->rtmp.chunkSize == 128);
  CHECK(config->viewers.queueSoftLimit == Millis(60'000));
  CHECK(parseConfig("rtmp: {chunk_size: 65536, window_ack_size: 2147483647}", "x.yaml").isOk());
}

TEST_CASE("unknown keys are refused at every level, listing the known ones in documented order") {
  CHECK(errorOf("rmtp: {}\n") ==
        "x.yaml:1:1: rmtp: unknown key (expected one of: log, rtmp, http, srt, webrtc, streams, viewers, upstreams, tier, "
        "security, tls, api, metrics)");
  CHECK(errorOf("rtmp:\n  chunk_sise: 4096\n") ==
        "x.yaml:2:3: rtmp.chunk_sise: unknown key (expected one of: enabled, listen, chunk_size, max_message_size, "
        "handshake_timeout, idle_timeout, window_ack_size, max_connections, max_connections_per_address, tls_listen)");
  CHECK(errorOf("streams:\n  gop_cache:\n    enabled: true\n    max_frames: 5\n") ==
        "x.yaml:4:5: streams.gop_cache.max_frames: unknown key (expected one of: enabled, max_duration, max_bytes)");
  CHECK(errorOf("log:\n  level: info\n  colour: red\n") ==
        "x.yaml:3:3: log.colour: unknown key (expected one of: level)");
}

TEST_CASE("wrong kinds of node") {
  CHECK(errorOf("rtmp: [1, 2]\n") == "x.yaml:1:7: rtmp: expected a mapping (key: value lines), found a list");
  CHECK(errorOf("streams:\n  gop_cache: true\n") ==
        "x.yaml:2:14: streams.gop_cache: expected a mapping (key: value lines), found a single value");
  CHECK(errorOf("- rtmp\n") == "x.yaml:1:1: expected a mapping (key: value lines), found a list");
  CHECK(errorOf("just text\n") == "x.yaml:1:1: expected a mapping (key: value lines), found a single value");
  CHECK(errorOf("rtmp:\n  chunk_size: [1]\n") == "x.yaml:2:15: rtmp.chunk_size: expected a single value, found a list");
  CHECK(errorOf("rtmp:\n  listen:\n    host: 0.0.0.0\n") ==
        "x.yaml:3:5: rtmp.listen: expected a single value, found a mapping");
  CHECK(errorOf("rtmp:\n  chunk_size: big\n") ==
        "x.yaml:2:15: rtmp.chunk_size: \"big\" is not a whole number (digits only: no sign, fraction or exponent)");
  CHECK(errorOf("rtmp:\n  enabled: yes\n") == "x.yaml:2:12: rtmp.enabled: \"yes\" is not true or false");
}

TEST_CASE("keys are names, each given once, in one document") {
  CHECK(errorOf("rtmp:\n  chunk_size: 4096\n  chunk_size: 8192\n") ==
        "x.yaml:3:3: rtmp.chunk_size: duplicate key (first on line 2)");
  CHECK(errorOf("rtmp: {}\nrtmp: {}\n") == "x.yaml:2:1: rtmp: duplicate key (first on line 1)");
  CHECK(errorOf("? [a, b]\n: 1\n") == "x.yaml:1:3: a key must be a name, found a list");
  CHECK(errorOf("log: {level: info}\n---\nlog: {level: debug}\n") ==
        "x.yaml:2:1: a second YAML document (after ---): a file holds one configuration");
}

TEST_CASE("out-of-range and malformed values, with the value's line and column") {
  CHECK(errorOf("rtmp:\n  listen: 0.0.0.0:70000\n") == "x.yaml:2:11: rtmp.listen: port 70000 not in 0..65535");
  CHECK(errorOf("http:\n  listen: 0.0.0.0\n") ==
        "x.yaml:2:11: http.listen: \"0.0.0.0\" has no port (expected host:port, e.g. 0.0.0.0:1935 or [::]:1935)");
  CHECK(errorOf("rtmp:\n  listen: 1935\n") ==
        "x.yaml:2:11: rtmp.listen: \"1935\" has no port (expected host:port, e.g. 0.0.0.0:1935 or [::]:1935)");
  CHECK(errorOf("rtmp:\n  chunk_size: 127\n") == "x.yaml:2:15: rtmp.chunk_size: 127 not in 128..65536");
  CHECK(errorOf("rtmp:\n  chunk_size: 99999999999999999999\n") ==
        "x.yaml:2:15: rtmp.chunk_size: \"99999999999999999999\" is too large");
  CHECK(errorOf("rtmp:\n  window_ack_size: 4294967296\n") ==
        "x.yaml:2:20: rtmp.window_ack_size: 4294967296 not in 4096..2147483647");
  CHECK(errorOf("rtmp:\n  max_message_size: 128MiB\n") ==
        "x.yaml:2:21: rtmp.max_message_size: 128MiB not in 1KiB..64MiB");
  CHECK(errorOf("streams:\n  gop_cache:\n    max_bytes: 2GiB\n") ==
        "x.yaml:3:16: streams.gop_cache.max_bytes: 2GiB not in 64KiB..1GiB");
  CHECK(errorOf("streams:\n  gop_cache:\n    max_bytes: 16MB\n") ==
        "x.yaml:3:16: streams.gop_cache.max_bytes: \"16MB\" is ambiguous: write 16MiB (sizes use the 1024-based "
        "KiB, MiB and GiB)");
  CHECK(errorOf("http:\n  max_body_size: 1.5MiB\n") ==
        "x.yaml:2:18: http.max_body_size: \"1.5MiB\" is not a size (examples: 4096, 64KiB, 16MiB, 1GiB)");
  CHECK(errorOf("streams:\n  on_duplicate_publish: kick\n") ==
        "x.yaml:2:25: streams.on_duplicate_publish: \"kick\" is not one of: reject, replace");
  CHECK(errorOf("log:\n  level: verbose\n") ==
        "x.yaml:2:10: log.level: \"verbose\" is not one of: trace, debug, info, warn, error, critical, off");
  CHECK(errorOf("rtmp:\n  idle_timeout: 2h\n") == "x.yaml:2:17: rtmp.idle_timeout: 2h not in 1s..1h");
}

TEST_CASE("srt settings: passphrase length and key length are checked") {
  auto config = parseConfig("srt:\n  passphrase: abcdefghij\n  key_length: 32\n  max_bandwidth: 10MiB\n", "x.yaml");
  REQUIRE(config);
  CHECK(config->srt.passphrase == "abcdefghij");
  CHECK(config->srt.keyLength == 32);
  CHECK(config->srt.maxBandwidth == 10u << 20);
  CHECK(errorOf("srt:\n  passphrase: short\n") == "x.yaml:2:15: srt.passphrase: 5 characters: SRT needs 10 to 80");
  CHECK(errorOf("srt:\n  key_length: 20\n").starts_with("x.yaml:2:15: srt.key_length: "));
  CHECK(errorOf("srt:\n  payload_size: 1500\n") == "x.yaml:2:17: srt.payload_size: 1500 not in 188..1456");
}

TEST_CASE("webrtc settings: every key, and bad candidates with their position") {
  auto config = parseConfig(R"(webrtc:
  enabled: false
  listen: 127.0.0.1:0
  candidates:
    - 203.0.113.7
    - "2001:db8::1"
  connect_timeout: 3s
  consent_timeout: 15s
  b_frames: pass
  max_sessions: 12
  nack_history: 2s
)",
                            "x.yaml");
  REQUIRE(config);
  CHECK_FALSE(config->webrtc.enabled);
  CHECK(config->webrtc.listen.host == "127.0.0.1");
  CHECK(config->webrtc.candidates == std::vector<std::string>{"203.0.113.7", "2001:db8::1"});
  CHECK(config->webrtc.connectTimeout == Millis(3000));
  CHECK(config->webrtc.consentTimeout == Millis(15000));
  CHECK(config->webrtc.bFrames == BFramePolicy::kPass);
  CHECK(config->webrtc.maxSessions == 12);
  CHECK(config->webrtc.nackHistory == Millis(2000));
  CHECK(errorOf("webrtc:\n  candidates:\n    - edge.example.com\n") ==
        "x.yaml:3:7: webrtc.candidates[0].address: \"edge.example.com\" is not an IPv4 or IPv6 address");
  CHECK(errorOf("webrtc:\n  b_frames: keep\n").starts_with("x.yaml:2:13: webrtc.b_frames: "));
  CHECK(errorOf("webrtc:\n  consent_timeout: 1s\n") == "x.yaml:2:20: webrtc.consent_timeout: 1s not in 5s..5m");
}

TEST_CASE("upstreams: URLs, weights, and what is refused") {
  auto config = parseConfig(R"(
upstreams:
  - rtmp://10.0.0.2
  - url: rtmp://127.0.0.1:19351/live
    weight: 3
  - srt://[::1]:10091?latency=200&passphrase=abcdefghijk
  - localhost:1
)",
                            "x.yaml");
  REQUIRE_FALSE(config);
  CHECK(config.error().message() == "x.yaml:7:5: upstreams[3].url: \"localhost:1\" is not an rtmp:// or srt:// URL");
  config = parseConfig(
      "upstreams:\n  - rtmp://10.0.0.2\n  - url: rtmp://127.0.0.1:19351/live\n    weight: 3\n"
      "  - srt://[::1]:10091?latency=200\n",
      "x.yaml");
  REQUIRE(config);
  REQUIRE(config->upstreams.size() == 3);
  CHECK(config->upstreams[0].protocol == UpstreamProtocol::kRtmp);
  CHECK(config->upstreams[0].address.host == "10.0.0.2");
  CHECK(config->upstreams[0].address.port == 1935);
  CHECK(config->upstreams[0].app.empty());
  CHECK(config->upstreams[1].app == "live");
  CHECK(config->upstreams[1].weight == 3);
  CHECK(config->upstreams[2].protocol == UpstreamProtocol::kSrt);
  CHECK(config->upstreams[2].address.host == "::1");
  CHECK(config->upstreams[2].address.port == 10091);
  CHECK(config->upstreams[2].srtLatency == Millis(200));
  CHECK(errorOf("upstreams:\n  - rtmp://a.example.com/live\n").starts_with("x.yaml:2:5: upstreams[0].url: "));
  CHECK(errorOf("upstreams:\n  - rtmp://1.2.3.4\n  - rtmp://1.2.3.4:1935\n") ==
        "x.yaml:3:5: upstreams[1].url: rtmp://1.2.3.4:1935 is rtmp://1.2.3.4 again");
  CHECK(errorOf("upstreams:\n  - srt://1.2.3.4?latencyy=200\n")
            .ends_with("unknown SRT option \"latencyy\" (latency, passphrase)"));
  CHECK(errorOf("upstreams:\n  - srt://1.2.3.4?latency=5\n").ends_with("latency=5 is not 20..10000 (milliseconds)"));
  CHECK(errorOf("upstreams:\n  - weight: 2\n") ==
        "x.yaml:2:5: upstreams[0].url: missing: each upstream needs its rtmp:// or srt:// URL");
  CHECK(errorOf("upstreams:\n  - url: rtmp://1.2.3.4\n    weight: 0\n") ==
        "x.yaml:3:13: upstreams[0].weight: 0 not in 1..1000");
  CHECK(errorOf("upstreams: rtmp://1.2.3.4\n") ==
        "x.yaml:1:12: upstreams: expected a list (\"- item\" lines), found a single value");
  CHECK(errorOf("upstreams:\n  - srt://1.2.3.4/live\n").starts_with("x.yaml:2:5: upstreams[0].url: "));
  CHECK(errorOf("tier:\n  backoff_min: 2s\n  backoff_max: 1s\n") ==
        "x.yaml:2:16: tier.backoff_min: 2s is more than tier.backoff_max (1s)");
}

TEST_CASE("bad durations") {
  const std::string at = "x.yaml:2:17: streams.source_grace: ";
  const std::string form = " is not a duration (examples: 500ms, 10s, 2m, 1h)";
  CHECK(errorOf("streams:\n  source_grace: ten\n") == at + "\"ten\"" + form);
  CHECK(errorOf("streams:\n  source_grace: 10\n") ==
        at + "\"10\" is not a duration: it needs a unit (10ms, 10s, 10m or 10h)");
  CHECK(errorOf("streams:\n  source_grace: 10 s\n") == at + "\"10 s\"" + form);
  CHECK(errorOf("streams:\n  source_grace: -1s\n") == at + "\"-1s\"" + form);
  CHECK(errorOf("streams:\n  source_grace: 1.5s\n") == at + "\"1.5s\"" + form);
  CHECK(errorOf("streams:\n  source_grace: 99999999999999999999s\n") ==
        at + "\"99999999999999999999s\" is too long a duration");
  CHECK(errorOf("streams:\n  source_grace: 2h\n") == at + "2h not in 0s..1h");
  CHECK(errorOf("streams:\n  source_grace: \"\"\n") == at + "\"\"" + form);
}

TEST_CASE("the soft queue limit must be below the hard one") {
  CHECK(errorOf("viewers:\n  queue_soft_limit: 5s\n") ==
        "x.yaml:2:21: viewers.queue_soft_limit: 5s must be less than viewers.queue_hard_limit (5s)");
  CHECK(errorOf("viewers:\n  queue_hard_limit: 9s\n  queue_soft_limit: 9000ms\n") ==
        "x.yaml:3:21: viewers.queue_soft_limit: 9s must be less than viewers.queue_hard_limit (9s)");
  // Only the hard limit given: the error points at it, still naming the soft limit.
  CHECK(errorOf("viewers:\n  queue_hard_limit: 500ms\n") ==
        "x.yaml:2:21: viewers.queue_soft_limit: 1s must be less than viewers.queue_hard_limit (500ms)");
}

TEST_CASE("text yaml-cpp would read forever is a syntax error with its line") {
  // yaml-cpp 0.7's LoadAll never returns on these: found by tests/fuzz/config_fuzz.cpp.
  CHECK(errorOf(",") == "x.yaml:1:1: YAML syntax error: nothing can be read from here on");
  CHECK(errorOf(",a") == "x.yaml:1:1: YAML syntax error: nothing can be read from here on");
  CHECK(errorOf("log:\n  level: info\n,\n").starts_with("x.yaml:"));
  CHECK(errorOf("- a\n,") == "x.yaml:2:1: YAML syntax error: nothing can be read from here on");
}

TEST_CASE("YAML syntax errors carry their line") {
  CHECK(errorOf("rtmp: {listen: [1, 2\n") == "x.yaml:2:1: YAML syntax error: end of sequence flow not found");
  CHECK(errorOf("log:\n  level: info\nrtmp:\n  listen: [0.0.0.0, 1935\nhttp: {}\n") ==
        "x.yaml:5:5: YAML syntax error: end of sequence flow not found");
  // An IPv6 address unquoted reads as a YAML list: the docs say to quote it.
  CHECK(errorOf("rtmp:\n  listen: [::]:1935\n").starts_with("x.yaml:2:"));
  CHECK(parseConfig("rtmp:\n  listen: \"[::]:1935\"\n", "x.yaml")->rtmp.listen.host == "::");
  CHECK(errorOf("rtmp:\n\tenabled: true\n").starts_with("x.yaml:2:"));
  CHECK(errorOf(std::string(10000, '[')).starts_with("x.yaml:"));
}

TEST_CASE("files: read whole, or an error naming the file") {
  CHECK(loadConfigFile("/nonexistent/rtsedge.yaml").error().message() ==
        "/nonexistent/rtsedge.yaml: cannot read: No such file or directory");
  CHECK(loadConfigFile("/").error().message() == "/: cannot read: Is a directory");
  const std::string path = "/tmp/rtsedge_config_test_" + std::to_string(getpid()) + ".yaml";
  {
    std::ofstream file(path);
    file << "rtmp:\n  chunk_size: 8192\n  bogus: 1\n";
  }
  CHECK(loadConfigFile(path).error().message() ==
        path +
            ":3:3: rtmp.bogus: unknown key (expected one of: enabled, listen, chunk_size, max_message_size, "
            "handshake_timeout, idle_timeout, window_ack_size, max_connections, max_connections_per_address, tls_listen)");
  {
    std::ofstream file(path);
    file << std::string(2 << 20, '#');
  }
  CHECK(loadConfigFile(path).error().message() == path + ": cannot read: larger than 1MiB");
  std::remove(path.c_str());
}

TEST_CASE("security: apps, signed rules, address lists, hooks, tls and api") {
  auto config = parseConfig(R"(
rtmp: {tls_listen: 127.0.0.1:1936}
http: {tls_listen: "[::1]:8443"}
security:
  apps:
    - app: live
      secrets: [0123456789abcdef-new, 0123456789abcdef-old]
      publish: {signed: true, allow: [10.0.0.0/8, 192.0.2.7], deny: [10.9.0.0/16]}
      play: {signed: true}
    - app: "*"
      play:
        deny: ["2001:db8::/32"]
  clock_skew: 5s
  tier_secret: tier-secret-0123456789
  hooks:
    on_publish: http://127.0.0.1:9000/publish
    on_stop: http://localhost:9000/stop
    timeout: 500ms
    fail_open: true
    cache: 10s
tls: {certificate: /etc/rtsedge/cert.pem, key: /etc/rtsedge/key.pem}
api: {listen: 127.0.0.1:9090, token: 0123456789abcdef0123, public_reads: true}
)",
                            "s.yaml");
  REQUIRE_MESSAGE(config, (config ? "" : config.error().message()));
  CHECK(config->rtmp.tlsListen->port == 1936);
  CHECK(config->http.tlsListen->host == "::1");
  REQUIRE(config->security.apps.size() == 2);
  const AppSecurity& live = config->security.apps[0];
  CHECK(live.secrets == std::vector<std::string>{"0123456789abcdef-new", "0123456789abcdef-old"});
  CHECK(live.publish.requireSignature);
  REQUIRE(live.publish.allow.size() == 2);
  CHECK(live.publish.allow[1].contains("192.0.2.7"));
  CHECK(live.publish.deny[0].contains("10.9.1.1"));
  CHECK(live.play.requireSignature);
  CHECK(live.play.allow.empty());
  CHECK(config->security.apps[1].play.deny[0].contains("2001:db8::1"));
  CHECK(config->security.clockSkew == Millis(5000));
  CHECK(config->security.tierSecret == "tier-secret-0123456789");
  CHECK(config->security.hooks.onPublish == "http://127.0.0.1:9000/publish");
  CHECK(config->security.hooks.onPlay.empty());
  CHECK(config->security.hooks.onStop == "http://localhost:9000/stop");
  CHECK(config->security.hooks.timeout == Millis(500));
  CHECK(config->security.hooks.failOpen);
  CHECK(config->security.hooks.cache == Millis(10000));
  CHECK(config->tls.key == "/etc/rtsedge/key.pem");
  CHECK(config->api.listen->port == 9090);
  CHECK(config->api.token == "0123456789abcdef0123");
  CHECK(config->api.publicReads);
  CHECK(findAppSecurity(config->security, "live") == &config->security.apps[0]);
  CHECK(findAppSecurity(config->security, "other") == &config->security.apps[1]);
  auto onlyLive = parseConfig("security: {apps: [{app: live}]}", "x.yaml");
  REQUIRE(onlyLive);
  CHECK(findAppSecurity(onlyLive->security, "other") == nullptr);
}

TEST_CASE("security: what is refused, with its position") {
  CHECK(errorOf("security:\n  apps:\n    - app: live\n      play: {signed: true}\n") ==
        "x.yaml:4:13: security.apps[0].secrets: signed URLs need at least one secret");
  CHECK(errorOf("security:\n  apps:\n    - secrets: [0123456789abcdef]\n") ==
        "x.yaml:3:7: security.apps[0].app: missing: which app (or \"*\") these rules are for");
  CHECK(errorOf("security:\n  apps: [{app: live}, {app: live}]\n") ==
        "x.yaml:2:29: security.apps[1].app: rules for \"live\" are given twice");
  CHECK(errorOf("security:\n  apps: [{app: \"li ve\"}]\n") ==
        "x.yaml:2:16: security.apps[0].app: \"li ve\" is not an app name (letters, digits, . _ - ~ and /) or \"*\"");
  CHECK(errorOf("security:\n  apps: [{app: live, secrets: [short]}]\n") ==
        "x.yaml:2:32: security.apps[0].secrets[0].secret: a secret needs at least 16 characters (e.g. `openssl rand "
        "-hex 32`)");
  CHECK(errorOf("security:\n  apps: [{app: live, secrets: [\"\"]}]\n") ==
        "x.yaml:2:32: security.apps[0].secrets[0].secret: a secret needs at least 16 characters (e.g. `openssl rand "
        "-hex 32`)");
  CHECK(errorOf("security:\n  apps: [{app: live, play: {allow: [10.0.0.1/8]}}]\n").find(
            "x.yaml:2:37: security.apps[0].play.allow[0].cidr: 10.0.0.1/8 has host bits set") == 0);
  CHECK(errorOf("security:\n  apps: [{app: live, play: {deny: [~]}}]\n") ==
        "x.yaml:2:36: security.apps[0].play.deny[0].cidr: an empty item");
  CHECK(errorOf("security:\n  hooks: {on_play: https://backend/x}\n").find("x.yaml:2:20: security.hooks.on_play: ") ==
        0);
  CHECK(errorOf("security:\n  tier_secret: abc\n").find("x.yaml:2:16: security.tier_secret: a secret needs") == 0);
  CHECK(errorOf("tls: {certificate: /c.pem}\n") == "x.yaml:1:20: tls.key: missing: a certificate and its key go together");
  CHECK(errorOf("http: {tls_listen: 0.0.0.0:8443}\n") ==
        "x.yaml:1:7: tls: rtmp.tls_listen and http.tls_listen need tls.certificate and tls.key");
  CHECK(errorOf("api: {token: short}\n").find("x.yaml:1:14: api.token: a token needs at least 16") == 0);
  CHECK(errorOf("api: {token: \"0123456789abcdef 0123\"}\n").find("api.token: a token needs") != std::string::npos);
}

}  // namespace
}  // namespace rtsedge
