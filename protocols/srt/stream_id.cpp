#include "protocols/srt/stream_id.h"

#include <fmt/format.h>
#include <srt/access_control.h>

namespace rtsedge::srt {

namespace {

constexpr std::string_view kKeyedPrefix = "#!::";

StreamIdRejection rejection(int reason, std::string message) {
  return StreamIdRejection{reason, std::move(message)};
}

// "live/cam?token=1" -> app "live", name "cam", query "token=1".
std::variant<StreamKey, StreamIdRejection> parseResource(std::string_view resource) {
  size_t query = resource.find('?');
  size_t slash = resource.substr(0, query).rfind('/');
  if (slash == std::string_view::npos) {
    return rejection(SRT_REJX_BAD_REQUEST, fmt::format("resource \"{}\" is not app/name", resource));
  }
  auto key = parseStreamKey(resource.substr(0, slash), resource.substr(slash + 1));
  if (!key) {
    return rejection(SRT_REJX_BAD_REQUEST, key.error().message());
  }
  return *key;
}

void appendQuery(std::string& query, std::string_view key, std::string_view value) {
  if (!query.empty()) {
    query += '&';
  }
  query += fmt::format("{}={}", key, value);
}

std::variant<SrtStreamId, StreamIdRejection> parseKeyed(std::string_view text) {
  SrtStreamId id;
  std::string resource;
  std::string extra;  // keys outside the convention, passed on as a query
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    size_t equals = item.find('=');
    if (equals == std::string_view::npos || equals == 0) {
      return rejection(SRT_REJX_BAD_REQUEST, fmt::format("\"{}\" is not key=value", item));
    }
    std::string_view key = item.substr(0, equals);
    std::string_view value = item.substr(equals + 1);
    if (key == "r") {
      resource = value;
    } else if (key == "m") {
      if (value == "publish") {
        id.mode = SrtMode::kPublish;
      } else if (value == "request") {
        id.mode = SrtMode::kRequest;
      } else {
        return rejection(SRT_REJX_BAD_MODE, fmt::format("mode \"{}\" (publish or request)", value));
      }
    } else if (key == "h") {
      id.host = value;
    } else if (key == "u") {
      id.user = value;
    } else if (key == "s") {
      id.session = value;
    } else if (key == "t") {
      if (value != "stream") {
        return rejection(SRT_REJX_NOTSUP_MEDIA, fmt::format("type \"{}\" (only stream)", value));
      }
    } else {
      appendQuery(extra, key, value);
    }
  }
  if (resource.empty() && id.host.find('/') != std::string::npos) {
    resource = std::exchange(id.host, std::string());
  }
  if (resource.empty()) {
    return rejection(SRT_REJX_BAD_REQUEST, "no resource (r=app/name)");
  }
  auto key = parseResource(resource);
  if (auto* refused = std::get_if<StreamIdRejection>(&key)) {
    return *refused;
  }
  id.key = std::get<StreamKey>(std::move(key));
  if (!extra.empty()) {
    id.key.query += id.key.query.empty() ? extra : "&" + extra;
  }
  return id;
}

}  // namespace

std::variant<SrtStreamId, StreamIdRejection> parseStreamId(std::string_view text) {
  if (text.empty()) {
    return rejection(SRT_REJX_BAD_REQUEST, "no stream id (expected #!::r=app/name,m=publish or m=request)");
  }
  if (text.starts_with(kKeyedPrefix)) {
    return parseKeyed(text.substr(kKeyedPrefix.size()));
  }
  if (text.starts_with("#!")) {
    return rejection(SRT_REJX_BAD_REQUEST, fmt::format("stream id \"{}\": only the #!:: form is known", text));
  }
  auto key = parseResource(text);
  if (auto* refused = std::get_if<StreamIdRejection>(&key)) {
    return *refused;
  }
  SrtStreamId id;
  id.key = std::get<StreamKey>(std::move(key));
  id.mode = SrtMode::kPublish;
  return id;
}

}  // namespace rtsedge::srt
