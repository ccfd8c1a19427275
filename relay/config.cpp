#include "relay/config.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "relay/config_values.h"

namespace rtsedge {

namespace {

// Thrown inside the loader only (a control path); parseConfig turns it into an Error.
struct ConfigError {
  std::string message;
};

// One mapping of the file: typed readers for its keys, and a final check that it
// holds no key nobody read (typos are refused, not ignored).
class Section {
 public:
  Section(const YAML::Node& node, std::string path, std::string_view source)
      : node_(node), path_(std::move(path)), source_(source) {
    if (node_.IsDefined() && !node_.IsNull() && !node_.IsMap()) {
      fail(node_, "expected a mapping of settings");
    }
  }

  Section section(const char* key) { return Section(take(key), qualified(key), source_); }

  void boolean(const char* key, bool& out) {
    if (auto found = scalar(key)) {
      const YAML::Node& value = *found;
      const std::string& text = value.Scalar();
      if (text != "true" && text != "false") {
        fail(value, key, "\"" + text + "\" is not true or false");
      }
      out = text == "true";
    }
  }

  void duration(const char* key, Millis& out, Millis min, Millis max) {
    read(key, out, parseDuration, min, max, formatDuration);
  }

  void size(const char* key, uint64_t& out, uint64_t min, uint64_t max) {
    read(key, out, parseSize, min, max, [](uint64_t v) { return std::to_string(v); });
  }

  void integer(const char* key, uint32_t& out, uint32_t min, uint32_t max) {
    uint64_t wide = out;
    read(key, wide, parseInteger, uint64_t{min}, uint64_t{max}, [](uint64_t v) { return std::to_string(v); });
    out = static_cast<uint32_t>(wide);
  }

  void listen(const char* key, ListenAddress& out) {
    if (auto found = scalar(key)) {
      const YAML::Node& value = *found;
      auto parsed = parseListenAddress(value.Scalar());
      if (!parsed) {
        fail(value, key, parsed.error().message());
      }
      out = *parsed;
    }
  }

  // One of a fixed set of names; returns the index of the name given.
  template <class Enum>
  void choice(const char* key, Enum& out, std::initializer_list<std::pair<const char*, Enum>> names) {
    if (auto found = scalar(key)) {
      const YAML::Node& value = *found;
      std::string known;
      for (const auto& [name, item] : names) {
        if (value.Scalar() == name) {
          out = item;
          return;
        }
        known += known.empty() ? name : std::string(", ") + name;
      }
      fail(value, key, "\"" + value.Scalar() + "\" is not one of: " + known);
    }
  }

  // Checked after every reader ran: any key left is unknown.
  void finish() const {
    if (!node_.IsDefined() || !node_.IsMap()) {
      return;
    }
    for (const auto& entry : node_) {
      std::string key = entry.first.Scalar();
      if (!read_.contains(key)) {
        std::string known;
        for (const auto& name : read_) {
          known += known.empty() ? name : ", " + name;
        }
        fail(entry.first, key.c_str(), "unknown key (expected one of: " + known + ")");
      }
    }
  }

  [[noreturn]] void fail(const YAML::Node& at, const char* key, const std::string& message) const {
    fail(at, qualified(key) + ": " + message);
  }

 private:
  std::string qualified(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& message) const {
    YAML::Mark mark = at.Mark();
    throw ConfigError{fmt::format("{}:{}:{}: {}", source_, mark.line + 1, mark.column + 1,
                                  path_.empty() || message.starts_with(path_) ? message : path_ + ": " + message)};
  }

  YAML::Node take(const char* key) {
    read_.insert(key);
    const YAML::Node& map = node_;  // const lookup: never inserts the key
    return map.IsDefined() && map.IsMap() ? map[key] : YAML::Node(YAML::NodeType::Undefined);
  }

  // The key's value; nullopt when absent or empty (the default stays).
  std::optional<YAML::Node> scalar(const char* key) {
    YAML::Node value = take(key);
    if (!value.IsDefined() || value.IsNull()) {
      return std::nullopt;
    }
    if (!value.IsScalar()) {
      fail(value, key, "expected a single value");
    }
    return value;
  }

  template <class T, class Parse, class Format>
  void read(const char* key, T& out, Parse parse, T min, T max, Format format) {
    if (auto found = scalar(key)) {
      const YAML::Node& value = *found;
      auto parsed = parse(value.Scalar());
      if (!parsed) {
        fail(value, key, parsed.error().message());
      }
      if (*parsed < min || *parsed > max) {
        fail(value, key, value.Scalar() + " not in " + format(min) + ".." + format(max));
      }
      out = *parsed;
    }
  }

  YAML::Node node_;
  std::string path_;
  std::string_view source_;
  std::set<std::string> read_;
};

void readRtmp(Section section, RtmpSettings& rtmp) {
  section.boolean("enabled", rtmp.enabled);
  section.listen("listen", rtmp.listen);
  section.integer("chunk_size", rtmp.chunkSize, 128, 65536);
  uint64_t maxMessage = rtmp.maxMessageSize;
  section.size("max_message_size", maxMessage, 1024, 64 << 20);
  rtmp.maxMessageSize = static_cast<uint32_t>(maxMessage);
  section.duration("handshake_timeout", rtmp.handshakeTimeout, Millis(100), Millis(300'000));
  section.duration("idle_timeout", rtmp.idleTimeout, Millis(1000), Millis(3'600'000));
  section.integer("window_ack_size", rtmp.windowAckSize, 4096, 0x7fffffff);
  section.integer("max_connections", rtmp.maxConnections, 1, 1'000'000);
  section.finish();
}

void readHttp(Section section, HttpSettings& http) {
  section.boolean("enabled", http.enabled);
  section.listen("listen", http.listen);
  section.size("max_request_line", http.maxRequestLine, 256, 64 << 10);
  section.size("max_header_size", http.maxHeaderSize, 1 << 10, 1 << 20);
  section.size("max_body_size", http.maxBodySize, 0, 64 << 20);
  section.duration("request_timeout", http.requestTimeout, Millis(100), Millis(300'000));
  section.duration("keepalive_timeout", http.keepaliveTimeout, Millis(100), Millis(3'600'000));
  section.integer("max_connections", http.maxConnections, 1, 1'000'000);
  section.duration("play_wait", http.playWait, Millis(0), Millis(60'000));
  section.finish();
}

void readStreams(Section section, StreamSettings& streams) {
  Section gop = section.section("gop_cache");
  gop.boolean("enabled", streams.gopCache);
  gop.duration("max_duration", streams.gopCacheMaxDuration, Millis(100), Millis(300'000));
  gop.size("max_bytes", streams.gopCacheMaxBytes, 64 << 10, 1ull << 30);
  gop.finish();
  section.duration("source_grace", streams.sourceGrace, Millis(0), Millis(3'600'000));
  section.choice("on_duplicate_publish", streams.onDuplicatePublish,
                 {{"reject", DuplicatePublish::kReject}, {"replace", DuplicatePublish::kReplace}});
  section.finish();
}

void readViewers(Section section, const YAML::Node& node, ViewerSettings& viewers) {
  section.duration("queue_soft_limit", viewers.queueSoftLimit, Millis(100), Millis(60'000));
  section.duration("queue_hard_limit", viewers.queueHardLimit, Millis(200), Millis(600'000));
  section.finish();
  if (viewers.queueSoftLimit >= viewers.queueHardLimit) {
    YAML::Node at = node.IsDefined() && node.IsMap() && node["queue_soft_limit"] ? node["queue_soft_limit"] : node;
    section.fail(at, "queue_soft_limit",
                 formatDuration(viewers.queueSoftLimit) + " must be less than viewers.queue_hard_limit (" +
                     formatDuration(viewers.queueHardLimit) + ")");
  }
}

Config readConfig(const YAML::Node& root, std::string_view source) {
  Config config;
  config.source = std::string(source);
  Section top(root, "", source);
  Section log = top.section("log");
  log.choice("level", config.log.level,
             {{"trace", std::string("trace")}, {"debug", std::string("debug")}, {"info", std::string("info")},
              {"warn", std::string("warn")}, {"error", std::string("error")}, {"critical", std::string("critical")},
              {"off", std::string("off")}});
  log.finish();
  readRtmp(top.section("rtmp"), config.rtmp);
  readHttp(top.section("http"), config.http);
  readStreams(top.section("streams"), config.streams);
  readViewers(top.section("viewers"), root.IsMap() ? root["viewers"] : YAML::Node(), config.viewers);
  top.finish();
  return config;
}

}  // namespace

Result<Config> parseConfig(std::string_view yamlText, std::string_view sourceName) {
  try {
    YAML::Node root = YAML::Load(std::string(yamlText));
    return readConfig(root, sourceName);
  } catch (const ConfigError& error) {
    return Error(error.message);
  } catch (const YAML::Exception& error) {
    return Error(fmt::format("{}:{}:{}: {}", sourceName, error.mark.line + 1, error.mark.column + 1, error.msg));
  }
}

Result<Config> loadConfigFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    return Error(path + ": cannot read: " + std::strerror(errno));
  }
  std::stringstream text;
  text << file.rdbuf();
  return parseConfig(text.str(), path);
}

Result<Config> loadEmbeddedDefaultConfig() { return parseConfig(embeddedDefaultConfig(), "<embedded default>"); }

}  // namespace rtsedge
