#include "relay/config.h"

#include <fmt/format.h>
#include <arpa/inet.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <type_traits>
#include <utility>
#include <vector>

#include "relay/config_values.h"
#include "relay/quoted.h"
#include "relay/stream_key.h"
#include "security/http_client.h"

namespace rtsedge {

namespace {

// A configuration file larger than this is refused unread (e.g. --config /dev/zero).
constexpr size_t kMaxConfigFileSize = 1 << 20;

// Thrown inside the loader only (a control path); parseConfig turns it into an Error.
struct ConfigError {
  std::string message;
};

std::string located(std::string_view source, const YAML::Mark& mark, std::string_view message) {
  if (mark.is_null()) {
    return fmt::format("{}: {}", source, message);
  }
  return fmt::format("{}:{}:{}: {}", source, mark.line + 1, mark.column + 1, message);
}

[[noreturn]] void fail(std::string_view source, const YAML::Node& at, std::string_view path, std::string_view problem) {
  YAML::Mark mark = at.IsDefined() ? at.Mark() : YAML::Mark::null_mark();
  throw ConfigError{located(source, mark, path.empty() ? std::string(problem) : fmt::format("{}: {}", path, problem))};
}

std::string_view kindOf(const YAML::Node& node) {
  return node.IsSequence() ? "a list" : node.IsMap() ? "a mapping" : node.IsNull() ? "nothing" : "a single value";
}

// One mapping of the file. Typed readers take its keys one by one; finish() then refuses
// any key no reader took, so a misspelt setting is an error, not a silently kept default.
// An absent or empty key keeps the default already in `out`.
class Section {
 public:
  // An absent section is an empty one (yaml-cpp throws on most queries of an absent node).
  Section(const YAML::Node& node, std::string path, std::string_view source)
      : node_(node.IsDefined() ? node : YAML::Node()), path_(std::move(path)), source_(source) {
    if (!node_.IsNull() && !node_.IsMap()) {
      fail(source_, node_, path_, fmt::format("expected a mapping (key: value lines), found {}", kindOf(node_)));
    }
    checkKeys();
  }

  // The mapping under key, read by read(Section&), then checked for unknown keys.
  template <class Read>
  void section(const char* key, Read read) {
    Section child(take(key), path(key), source_);
    read(child);
    child.finish();
  }

  // Any scalar form of relay/config_values.h: parse(std::string_view) -> Result<T>.
  template <class T, class Parse>
  void value(const char* key, T& out, Parse parse) {
    YAML::Node node = take(key);
    if (!node.IsDefined() || node.IsNull()) {
      return;
    }
    if (!node.IsScalar()) {
      fail(source_, node, path(key), fmt::format("expected a single value, found {}", kindOf(node)));
    }
    auto parsed = parse(node.Scalar());
    if (!parsed) {
      fail(source_, node, path(key), parsed.error().message());
    }
    out = std::move(*parsed);
  }

  // A list under key. Its items are mappings, each read by read(Section&), or single
  // values, read as the mapping {shortKey: value} ("- rtmp://..." for "- url: rtmp://...").
  template <class Read>
  void list(const char* key, const char* shortKey, Read read) {
    YAML::Node node = take(key);
    if (!node.IsDefined() || node.IsNull()) {
      return;
    }
    if (!node.IsSequence()) {
      fail(source_, node, path(key), fmt::format("expected a list (\"- item\" lines), found {}", kindOf(node)));
    }
    size_t index = 0;
    for (const YAML::Node& item : node) {
      // yaml-cpp nodes are references: assigning to one rewrites the document, so the
      // wrapping mapping is a node of its own.
      YAML::Node wrapped(YAML::NodeType::Map);
      if (item.IsScalar()) {
        wrapped[shortKey] = item;
      }
      Section child(item.IsScalar() ? wrapped : item, fmt::format("{}[{}]", path(key), index++), source_);
      read(child);
      child.finish();
    }
  }

  template <class T>
  void integer(const char* key, T& out, std::type_identity_t<T> min, std::type_identity_t<T> max) {
    bounded(key, out, parseInteger, min, max, [](uint64_t v) { return std::to_string(v); });
  }

  template <class T>
  void size(const char* key, T& out, std::type_identity_t<T> min, std::type_identity_t<T> max) {
    bounded(key, out, parseSize, min, max, formatSize);
  }

  void duration(const char* key, Millis& out, Millis min, Millis max) {
    bounded(key, out, parseDuration, min, max, formatDuration);
  }

  template <class Enum>
  void choice(const char* key, Enum& out, std::initializer_list<std::pair<std::string_view, Enum>> options) {
    std::vector<std::string_view> names;
    for (const auto& option : options) {
      names.push_back(option.first);
    }
    value(key, out, [&](std::string_view text) -> Result<Enum> {
      auto index = parseChoice(text, names);
      if (!index) {
        return index.error();
      }
      return std::data(options)[*index].second;
    });
  }

  // A check across keys fails at the first of `at` given in the file, naming `key`.
  [[noreturn]] void failAt(std::initializer_list<const char*> at, const char* key, std::string_view problem) {
    for (const char* candidate : at) {
      if (YAML::Node node = take(candidate); node.IsDefined() && !node.IsNull()) {
        fail(source_, node, path(key), problem);
      }
    }
    fail(source_, node_, path(key), problem);
  }

  std::string path(std::string_view key) const {
    return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
  }

  void finish() const {
    if (!node_.IsMap()) {
      return;
    }
    for (const auto& entry : node_) {
      if (std::find(known_.begin(), known_.end(), entry.first.Scalar()) == known_.end()) {
        fail(source_, entry.first, path(entry.first.Scalar()),
             fmt::format("unknown key (expected one of: {})", fmt::join(known_, ", ")));
      }
    }
  }

 private:
  // Keys must be plain names, each once: YAML allows both, and a repeated key would
  // silently lose one of its values.
  void checkKeys() const {
    if (!node_.IsMap()) {
      return;
    }
    std::map<std::string, int> firstLine;
    for (const auto& entry : node_) {
      if (!entry.first.IsScalar()) {
        fail(source_, entry.first, path_, fmt::format("a key must be a name, found {}", kindOf(entry.first)));
      }
      auto [earlier, added] = firstLine.emplace(entry.first.Scalar(), entry.first.Mark().line + 1);
      if (!added) {
        fail(source_, entry.first, path(entry.first.Scalar()),
             fmt::format("duplicate key (first on line {})", earlier->second));
      }
    }
  }

  YAML::Node take(const char* key) {
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
      known_.emplace_back(key);
    }
    const YAML::Node& map = node_;  // a const lookup never inserts the key
    return map.IsMap() ? map[key] : YAML::Node(YAML::NodeType::Undefined);
  }

  template <class T, class Parse, class Format>
  void bounded(const char* key, T& out, Parse parse, T min, T max, Format format) {
    value(key, out, [&](std::string_view text) -> Result<T> {
      auto parsed = parse(text);
      if (!parsed) {
        return parsed.error();
      }
      if (*parsed < min || *parsed > max) {
        return Error(fmt::format("{} not in {}..{}", text, format(min), format(max)));
      }
      return static_cast<T>(*parsed);
    });
  }

  YAML::Node node_;
  std::string path_;
  std::string_view source_;
  std::vector<std::string> known_;  // in reading order, which is the documented order
};

void readRtmp(Section& section, RtmpSettings& rtmp) {
  section.value("enabled", rtmp.enabled, parseBool);
  section.value("listen", rtmp.listen, parseListenAddress);
  section.integer("chunk_size", rtmp.chunkSize, 128, 65536);
  section.size("max_message_size", rtmp.maxMessageSize, 1 << 10, 64 << 20);
  section.duration("handshake_timeout", rtmp.handshakeTimeout, Millis(100), Millis(300'000));
  section.duration("idle_timeout", rtmp.idleTimeout, Millis(1000), Millis(3'600'000));
  section.integer("window_ack_size", rtmp.windowAckSize, 4096, 0x7fffffff);
  section.integer("max_connections", rtmp.maxConnections, 1, 1'000'000);
  section.integer("max_connections_per_address", rtmp.maxConnectionsPerAddress, 1, 1'000'000);
  section.value("tls_listen", rtmp.tlsListen, parseListenAddress);
}

void readHttp(Section& section, HttpSettings& http) {
  section.value("enabled", http.enabled, parseBool);
  section.value("listen", http.listen, parseListenAddress);
  section.size("max_request_line", http.maxRequestLine, 256, 64 << 10);
  section.size("max_header_size", http.maxHeaderSize, 1 << 10, 1 << 20);
  section.size("max_body_size", http.maxBodySize, 0, 64 << 20);
  section.duration("request_timeout", http.requestTimeout, Millis(100), Millis(300'000));
  section.duration("keepalive_timeout", http.keepaliveTimeout, Millis(100), Millis(3'600'000));
  section.integer("max_connections", http.maxConnections, 1, 1'000'000);
  section.integer("max_connections_per_address", http.maxConnectionsPerAddress, 1, 1'000'000);
  section.duration("play_wait", http.playWait, Millis(0), Millis(60'000));
  section.value("tls_listen", http.tlsListen, parseListenAddress);
}

void readSrt(Section& section, SrtSettings& srt) {
  section.value("enabled", srt.enabled, parseBool);
  section.value("listen", srt.listen, parseListenAddress);
  section.duration("latency", srt.latency, Millis(20), Millis(10'000));
  section.value("passphrase", srt.passphrase, [](std::string_view text) -> Result<std::string> {
    if (!text.empty() && (text.size() < 10 || text.size() > 80)) {
      return Error(fmt::format("{} characters: SRT needs 10 to 80", text.size()));
    }
    return std::string(text);
  });
  section.value("key_length", srt.keyLength, [](std::string_view text) -> Result<uint32_t> {
    static constexpr std::string_view kLengths[] = {"16", "24", "32"};
    auto bytes = parseChoice(text, kLengths);
    if (!bytes) {
      return bytes.error();
    }
    return static_cast<uint32_t>(16 + 8 * *bytes);
  });
  section.size("max_bandwidth", srt.maxBandwidth, 0, uint64_t{1} << 40);
  section.integer("payload_size", srt.payloadSize, 188, 1456);
  section.value("too_late_drop", srt.tooLateDrop, parseBool);
  section.duration("peer_idle_timeout", srt.peerIdleTimeout, Millis(1000), Millis(300'000));
  section.duration("idle_timeout", srt.idleTimeout, Millis(1000), Millis(3'600'000));
  section.duration("play_wait", srt.playWait, Millis(0), Millis(60'000));
  section.integer("max_connections", srt.maxConnections, 1, 1'000'000);
  section.integer("max_connections_per_address", srt.maxConnectionsPerAddress, 1, 1'000'000);
}

void readStreams(Section& section, StreamSettings& streams) {
  section.section("gop_cache", [&](Section& gop) {
    gop.value("enabled", streams.gopCache, parseBool);
    gop.duration("max_duration", streams.gopCacheMaxDuration, Millis(100), Millis(300'000));
    gop.size("max_bytes", streams.gopCacheMaxBytes, 64 << 10, 1 << 30);
  });
  section.duration("source_grace", streams.sourceGrace, Millis(0), Millis(3'600'000));
  section.choice("on_duplicate_publish", streams.onDuplicatePublish,
                 {{"reject", DuplicatePublish::kReject}, {"replace", DuplicatePublish::kReplace}});
  section.integer("max_streams", streams.maxStreams, 1, 10'000'000);
  section.integer("max_viewers_per_stream", streams.maxViewersPerStream, 1, 10'000'000);
}

void readViewers(Section& section, ViewerSettings& viewers) {
  section.duration("queue_soft_limit", viewers.queueSoftLimit, Millis(100), Millis(60'000));
  section.duration("queue_hard_limit", viewers.queueHardLimit, Millis(200), Millis(600'000));
  section.duration("player_buffer", viewers.playerBuffer, Millis(0), Millis(10'000));
  if (viewers.queueSoftLimit >= viewers.queueHardLimit) {
    section.failAt({"queue_soft_limit", "queue_hard_limit"}, "queue_soft_limit",
                   fmt::format("{} must be less than {} ({})", formatDuration(viewers.queueSoftLimit),
                               section.path("queue_hard_limit"), formatDuration(viewers.queueHardLimit)));
  }
}

void readUpstream(Section& section, std::vector<UpstreamSettings>& upstreams) {
  UpstreamSettings upstream;
  section.value("url", upstream, parseUpstreamUrl);
  section.integer("weight", upstream.weight, 1, 1000);
  if (upstream.url.empty()) {
    section.failAt({}, "url", "missing: each upstream needs its rtmp:// or srt:// URL");
  }
  for (const UpstreamSettings& earlier : upstreams) {
    if (earlier.protocol == upstream.protocol && earlier.address.host == upstream.address.host &&
        earlier.address.port == upstream.address.port && earlier.app == upstream.app) {
      section.failAt({"url"}, "url", fmt::format("{} is {} again", upstream.url, earlier.url));
    }
  }
  upstreams.push_back(std::move(upstream));
}

void readTier(Section& section, TierSettings& tier) {
  section.value("node_id", tier.nodeId, [](std::string_view text) -> Result<std::string> {
    if (text.find_first_of(".&?=,/ ") != std::string_view::npos || text.size() > 64) {
      return Error("at most 64 characters, none of . & ? = , / or space");
    }
    return std::string(text);
  });
  section.duration("pull_wait", tier.pullWait, Millis(0), Millis(60'000));
  section.duration("idle_timeout", tier.idleTimeout, Millis(0), Millis(3'600'000));
  section.duration("connect_timeout", tier.connectTimeout, Millis(100), Millis(60'000));
  section.duration("handshake_timeout", tier.handshakeTimeout, Millis(100), Millis(60'000));
  section.duration("no_media_timeout", tier.noMediaTimeout, Millis(100), Millis(60'000));
  section.duration("backoff_min", tier.backoffMin, Millis(10), Millis(600'000));
  section.duration("backoff_max", tier.backoffMax, Millis(10), Millis(3'600'000));
  section.integer("max_hops", tier.maxHops, 1, 64);
  section.value("pass_query", tier.passQuery, parseBool);
  section.value("forward_publish", tier.forwardPublish, parseBool);
  if (tier.backoffMin > tier.backoffMax) {
    section.failAt({"backoff_min", "backoff_max"}, "backoff_min",
                   fmt::format("{} is more than {} ({})", formatDuration(tier.backoffMin), section.path("backoff_max"),
                               formatDuration(tier.backoffMax)));
  }
}

// Where "" means none (a secret, a hook, a file), the text as it is, else parse's error.
template <class Check>
auto optionalText(Check check) {
  return [check](std::string_view text) -> Result<std::string> {
    if (text.empty()) {
      return std::string();
    }
    return check(text);
  };
}

Result<std::string> parseSecret(std::string_view text) {
  if (text.size() < 16) {
    return Error("a secret needs at least 16 characters (e.g. `openssl rand -hex 32`)");
  }
  return std::string(text);
}

// A list of single values ("- 10.0.0.0/8"); an empty item is an error, not a default.
template <class T, class Parse>
void readValues(Section& section, const char* key, const char* itemName, std::vector<T>& out, Parse parse) {
  section.list(key, itemName, [&](Section& item) {
    std::optional<T> value;
    item.value(itemName, value, parse);
    if (!value) {
      item.failAt({}, itemName, "an empty item");
    }
    out.push_back(std::move(*value));
  });
}

void readWebRtc(Section& section, WebRtcSettings& webrtc) {
  section.value("enabled", webrtc.enabled, parseBool);
  section.value("listen", webrtc.listen, parseListenAddress);
  readValues(section, "candidates", "address", webrtc.candidates, [](std::string_view text) -> Result<std::string> {
    in6_addr ip6{};
    in_addr ip4{};
    std::string address(text);
    if (inet_pton(AF_INET, address.c_str(), &ip4) != 1 && inet_pton(AF_INET6, address.c_str(), &ip6) != 1) {
      return Error(fmt::format("{} is not an IPv4 or IPv6 address", quoted(text)));
    }
    return address;
  });
  section.duration("connect_timeout", webrtc.connectTimeout, Millis(1000), Millis(300'000));
  section.duration("consent_timeout", webrtc.consentTimeout, Millis(5000), Millis(300'000));
  section.choice("b_frames", webrtc.bFrames, {{"drop", BFramePolicy::kDrop}, {"pass", BFramePolicy::kPass}});
  section.integer("max_sessions", webrtc.maxSessions, 1, 1'000'000);
  section.duration("nack_history", webrtc.nackHistory, Millis(100), Millis(10'000));
}

void readAccessRules(Section& section, AccessRules& rules) {
  section.value("signed", rules.requireSignature, parseBool);
  readValues(section, "allow", "cidr", rules.allow, security::Cidr::parse);
  readValues(section, "deny", "cidr", rules.deny, security::Cidr::parse);
}

void readAppSecurity(Section& section, std::vector<AppSecurity>& apps) {
  AppSecurity app;
  section.value("app", app.app, [](std::string_view text) -> Result<std::string> {
    if (text == "*") {
      return std::string(text);
    }
    auto key = parseStreamKey(text, "x");
    if (!key || !key->query.empty()) {
      return Error(fmt::format("\"{}\" is not an app name (letters, digits, . _ - ~ and /) or \"*\"", text));
    }
    return std::string(text);
  });
  readValues(section, "secrets", "secret", app.secrets, parseSecret);
  section.section("publish", [&](Section& rules) { readAccessRules(rules, app.publish); });
  section.section("play", [&](Section& rules) { readAccessRules(rules, app.play); });
  if (app.app.empty()) {
    section.failAt({}, "app", "missing: which app (or \"*\") these rules are for");
  }
  if ((app.publish.requireSignature || app.play.requireSignature) && app.secrets.empty()) {
    section.failAt({"publish", "play"}, "secrets", "signed URLs need at least one secret");
  }
  for (const AppSecurity& earlier : apps) {
    if (earlier.app == app.app) {
      section.failAt({"app"}, "app", fmt::format("rules for \"{}\" are given twice", app.app));
    }
  }
  apps.push_back(std::move(app));
}

void readHooks(Section& section, HookSettings& hooks) {
  auto url = optionalText([](std::string_view text) -> Result<std::string> {
    auto parsed = security::parseHttpUrl(text);
    if (!parsed) {
      return parsed.error();
    }
    return std::string(text);
  });
  section.value("on_publish", hooks.onPublish, url);
  section.value("on_unpublish", hooks.onUnpublish, url);
  section.value("on_play", hooks.onPlay, url);
  section.value("on_stop", hooks.onStop, url);
  section.duration("timeout", hooks.timeout, Millis(10), Millis(60'000));
  section.value("fail_open", hooks.failOpen, parseBool);
  section.duration("cache", hooks.cache, Millis(0), Millis(3'600'000));
}

void readSecurity(Section& section, SecuritySettings& security) {
  section.list("apps", "app", [&](Section& app) { readAppSecurity(app, security.apps); });
  section.duration("clock_skew", security.clockSkew, Millis(0), Millis(3'600'000));
  section.value("tier_secret", security.tierSecret, optionalText(parseSecret));
  section.section("hooks", [&](Section& hooks) { readHooks(hooks, security.hooks); });
}

void readTls(Section& section, TlsSettings& tls) {
  auto path = [](std::string_view text) -> Result<std::string> { return std::string(text); };
  section.value("certificate", tls.certificate, path);
  section.value("key", tls.key, path);
  if (tls.certificate.empty() != tls.key.empty()) {
    section.failAt({"certificate", "key"}, tls.certificate.empty() ? "certificate" : "key",
                   "missing: a certificate and its key go together");
  }
}

void readApi(Section& section, ApiSettings& api) {
  section.value("listen", api.listen, parseListenAddress);
  section.value("token", api.token, optionalText([](std::string_view text) -> Result<std::string> {
    if (text.size() < 16 || text.find_first_of(" \t\r\n") != std::string_view::npos) {
      return Error("a token needs at least 16 characters and no spaces (e.g. `openssl rand -hex 32`)");
    }
    return std::string(text);
  }));
  section.value("public_reads", api.publicReads, parseBool);
}

Config readConfig(const YAML::Node& root, std::string_view source) {
  Config config;
  config.source = std::string(source);
  Section top(root, "", source);
  top.section("log", [&](Section& log) { log.value("level", config.log.level, parseLogLevel); });
  top.section("rtmp", [&](Section& rtmp) { readRtmp(rtmp, config.rtmp); });
  top.section("http", [&](Section& http) { readHttp(http, config.http); });
  top.section("srt", [&](Section& srt) { readSrt(srt, config.srt); });
  top.section("webrtc", [&](Section& webrtc) { readWebRtc(webrtc, config.webrtc); });
  top.section("streams", [&](Section& streams) { readStreams(streams, config.streams); });
  top.section("viewers", [&](Section& viewers) { readViewers(viewers, config.viewers); });
  top.list("upstreams", "url", [&](Section& upstream) { readUpstream(upstream, config.upstreams); });
  top.section("tier", [&](Section& tier) { readTier(tier, config.tier); });
  top.section("security", [&](Section& security) { readSecurity(security, config.security); });
  top.section("tls", [&](Section& tls) { readTls(tls, config.tls); });
  top.section("api", [&](Section& api) { readApi(api, config.api); });
  top.section("metrics", [&](Section& metrics) {
    metrics.value("per_stream", config.metrics.perStream, parseBool);
    metrics.integer("max_streams", config.metrics.maxStreams, 1, 100'000);
  });
  top.finish();
  if ((config.rtmp.tlsListen || config.http.tlsListen) && config.tls.certificate.empty()) {
    top.failAt({"rtmp", "http"}, "tls", "rtmp.tls_listen and http.tls_listen need tls.certificate and tls.key");
  }
  return config;
}

// Where each document of the text starts, from the event parser: at most `limit`.
class DocumentStarts final : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> marks;

  void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// The one document of the file; an empty file is an empty document (all defaults).
// Documents are counted with the event parser, three at most, rather than YAML::LoadAll:
// on some malformed text (a lone ",") yaml-cpp 0.7 returns documents that all start at
// the same place, forever. A document starting where the previous one did is that.
YAML::Node loadDocument(std::string_view text, std::string_view source) {
  std::string owned(text);
  std::stringstream input(owned);
  YAML::Parser parser(input);
  DocumentStarts starts;
  while (starts.marks.size() < 3 && parser.HandleNextDocument(starts)) {
    size_t count = starts.marks.size();
    if (count >= 2 && starts.marks[count - 1].pos == starts.marks[count - 2].pos) {
      throw ConfigError{located(source, starts.marks.back(), "YAML syntax error: nothing can be read from here on")};
    }
  }
  if (starts.marks.size() > 1) {
    throw ConfigError{
        located(source, starts.marks[1], "a second YAML document (after ---): a file holds one configuration")};
  }
  return YAML::Load(owned);
}

}  // namespace

Result<Config> parseConfig(std::string_view yamlText, std::string_view sourceName) {
  try {
    return readConfig(loadDocument(yamlText, sourceName), sourceName);
  } catch (const ConfigError& error) {
    return Error(error.message);
  } catch (const YAML::DeepRecursion& error) {
    return Error(located(sourceName, error.mark, "YAML nested too deeply"));
  } catch (const YAML::ParserException& error) {
    return Error(located(sourceName, error.mark, "YAML syntax error: " + error.msg));
  } catch (const YAML::Exception& error) {
    return Error(located(sourceName, error.mark, error.msg));
  } catch (const std::exception& error) {
    return Error(fmt::format("{}: {}", sourceName, error.what()));
  }
}

Result<Config> loadConfigFile(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file) {
    return Error(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  }
  std::string text;
  char chunk[8192];
  while (size_t got = std::fread(chunk, 1, sizeof(chunk), file.get())) {
    if (text.size() + got > kMaxConfigFileSize) {
      return Error(fmt::format("{}: cannot read: larger than {}", path, formatSize(kMaxConfigFileSize)));
    }
    text.append(chunk, got);
  }
  if (std::ferror(file.get())) {
    return Error(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  }
  return parseConfig(text, path);
}

const AppSecurity* findAppSecurity(const SecuritySettings& security, std::string_view app) {
  const AppSecurity* any = nullptr;
  for (const AppSecurity& rules : security.apps) {
    if (rules.app == app) {
      return &rules;
    }
    if (rules.app == "*") {
      any = &rules;
    }
  }
  return any;
}

Result<Config> loadEmbeddedDefaultConfig() {
  return parseConfig(embeddedDefaultConfig(), "<embedded default>");
}

}  // namespace rtsedge
