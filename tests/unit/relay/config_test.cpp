#include "relay/config.h"

#include <doctest/doctest.h>

#include <string>

#include "relay/config_values.h"

namespace rtsedge {
namespace {

std::string errorOf(const std::string& yaml) {
  auto config = parseConfig(yaml, "x.yaml");
  REQUIRE_FALSE(config);
  return config.error().message();
}

void checkDefaults(const Config& config) {
  Config defaults;
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
  CHECK(config.http.listen.port == defaults.http.listen.port);
  CHECK(config.http.maxRequestLine == defaults.http.maxRequestLine);
  CHECK(config.http.maxHeaderSize == defaults.http.maxHeaderSize);
  CHECK(config.http.maxBodySize == defaults.http.maxBodySize);
  CHECK(config.http.requestTimeout == defaults.http.requestTimeout);
  CHECK(config.http.keepaliveTimeout == defaults.http.keepaliveTimeout);
  CHECK(config.http.maxConnections == defaults.http.maxConnections);
  CHECK(config.http.playWait == defaults.http.playWait);
  CHECK(config.streams.gopCache == defaults.streams.gopCache);
  CHECK(config.streams.gopCacheMaxDuration == defaults.streams.gopCacheMaxDuration);
  CHECK(config.streams.gopCacheMaxBytes == defaults.streams.gopCacheMaxBytes);
  CHECK(config.streams.sourceGrace == defaults.streams.sourceGrace);
  CHECK(config.streams.onDuplicatePublish == defaults.streams.onDuplicatePublish);
  CHECK(config.viewers.queueSoftLimit == defaults.viewers.queueSoftLimit);
  CHECK(config.viewers.queueHardLimit == defaults.viewers.queueHardLimit);
}

TEST_CASE("an empty file and the embedded default (conf/rtsedge.yaml) both mean the defaults") {
  auto empty = parseConfig("", "empty.yaml");
  REQUIRE(empty);
  checkDefaults(*empty);
  auto embedded = loadEmbeddedDefaultConfig();
  REQUIRE(embedded);
  checkDefaults(*embedded);
  CHECK(embeddedDefaultConfig().find("on_duplicate_publish") != std::string_view::npos);
}

TEST_CASE("values are read") {
  auto config = parseConfig(R"(
log: {level: debug}
rtmp:
  listen: "[::1]:0"
  chunk_size: 60000
  max_message_size: 1MiB
  handshake_timeout: 500ms
streams:
  gop_cache: {enabled: false, max_duration: 2m}
  source_grace: 0s
  on_duplicate_publish: replace
viewers: {queue_soft_limit: 300ms, queue_hard_limit: 10m}
)",
                            "x.yaml");
  REQUIRE(config);
  CHECK(config->log.level == "debug");
  CHECK(config->rtmp.listen.host == "::1");
  CHECK(config->rtmp.listen.port == 0);
  CHECK(config->rtmp.chunkSize == 60000);
  CHECK(config->rtmp.maxMessageSize == 1024 * 1024);
  CHECK(config->rtmp.handshakeTimeout == Millis(500));
  CHECK_FALSE(config->streams.gopCache);
  CHECK(config->streams.gopCacheMaxDuration == Millis(120000));
  CHECK(config->streams.sourceGrace == Millis(0));
  CHECK(config->streams.onDuplicatePublish == DuplicatePublish::kReplace);
  CHECK(config->viewers.queueHardLimit == Millis(600000));
}

TEST_CASE("errors name file, line, column and key") {
  CHECK(errorOf("rtmp:\n  listen: 0.0.0.0:70000\n") == "x.yaml:2:11: rtmp.listen: port 70000 not in 0..65535");
  CHECK(errorOf("rtmp:\n  chunk_sise: 4096\n").starts_with("x.yaml:2:3: rtmp.chunk_sise: unknown key (expected one of:"));
  CHECK(errorOf("rmtp: {}\n").starts_with("x.yaml:1:1: rmtp: unknown key"));
  CHECK(errorOf("streams:\n  gop_cache:\n    max_bytes: 2GiB\n") ==
        "x.yaml:3:16: streams.gop_cache.max_bytes: 2GiB not in 65536..1073741824");
  CHECK(errorOf("streams:\n  source_grace: ten\n") ==
        "x.yaml:2:17: streams.source_grace: \"ten\" is not a duration (examples: 500ms, 10s, 2m, 1h)");
  CHECK(errorOf("streams:\n  on_duplicate_publish: kick\n") ==
        "x.yaml:2:25: streams.on_duplicate_publish: \"kick\" is not one of: reject, replace");
  CHECK(errorOf("viewers:\n  queue_soft_limit: 5s\n") ==
        "x.yaml:2:21: viewers.queue_soft_limit: 5s must be less than viewers.queue_hard_limit (5s)");
  CHECK(errorOf("rtmp: [1, 2]\n") == "x.yaml:1:7: rtmp: expected a mapping of settings");
  CHECK(errorOf("rtmp:\n  chunk_size: [1]\n") == "x.yaml:2:15: rtmp.chunk_size: expected a single value");
  CHECK(errorOf("rtmp:\n  enabled: yes\n") == "x.yaml:2:12: rtmp.enabled: \"yes\" is not true or false");
  CHECK(errorOf("rtmp:\n  listen: 1935\n").starts_with("x.yaml:2:11: rtmp.listen: \"1935\" is not host:port"));
  CHECK(errorOf("rtmp: {listen: [1, 2\n").starts_with("x.yaml:2:1: "));  // a YAML syntax error
}

TEST_CASE("duration, size and integer formats") {
  CHECK(*parseDuration("500ms") == Millis(500));
  CHECK(*parseDuration("2h") == Millis(7200000));
  for (const char* bad : {"10", "10 s", "-1s", "1.5s", "s", "", "99999999999999999999s", "9999999999999999h"}) {
    CAPTURE(bad);
    CHECK_FALSE(parseDuration(bad));
  }
  CHECK(*parseSize("4096") == 4096);
  CHECK(*parseSize("16MiB") == 16u << 20);
  for (const char* bad : {"16MB", "1.5MiB", "-1", "MiB", "18446744073709551615GiB", "99999999999999999999"}) {
    CAPTURE(bad);
    CHECK_FALSE(parseSize(bad));
  }
  CHECK(*parseInteger("0") == 0);
  CHECK_FALSE(parseInteger("1e3"));
  CHECK_FALSE(parseInteger("+1"));
  CHECK(parseListenAddress("127.0.0.1:0")->port == 0);
  CHECK_FALSE(parseListenAddress(":1935"));
  CHECK_FALSE(parseListenAddress("localhost:1935"));  // an address, not a name: no resolver at start
  CHECK_FALSE(parseListenAddress("[::1:1935"));
}

}  // namespace
}  // namespace rtsedge
