#include "relay/stream_key.h"

#include <algorithm>
#include <cctype>

namespace rtsedge {

namespace {

std::string_view splitQuery(std::string_view text, std::string& query) {
  size_t mark = text.find('?');
  if (mark == std::string_view::npos) {
    return text;
  }
  std::string_view tail = text.substr(mark + 1);
  if (!tail.empty()) {
    if (!query.empty()) {
      query += '&';
    }
    query += tail;
  }
  return text.substr(0, mark);
}

bool validSegment(std::string_view segment) {
  if (segment.empty() || segment == "." || segment == "..") {
    return false;
  }
  return std::all_of(segment.begin(), segment.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-' || c == '~';
  });
}

bool validPath(std::string_view path) {
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    if (!validSegment(path.substr(start, slash == std::string_view::npos ? slash : slash - start))) {
      return false;
    }
    if (slash == std::string_view::npos) {
      return true;
    }
    start = slash + 1;
  }
}

}  // namespace

Result<StreamKey> parseStreamKey(std::string_view app, std::string_view name) {
  StreamKey key;
  key.app = std::string(splitQuery(app, key.query));
  key.name = std::string(splitQuery(name, key.query));
  while (!key.app.empty() && key.app.back() == '/') {
    key.app.pop_back();
  }
  if (!validPath(key.app)) {
    return Error("bad app name \"" + key.app + "\"");
  }
  if (!validSegment(key.name)) {
    return Error("bad stream name \"" + key.name + "\"");
  }
  if (key.app.size() + 1 + key.name.size() > kMaxStreamKeyLength) {
    return Error("stream key longer than " + std::to_string(kMaxStreamKeyLength) + " characters");
  }
  return key;
}

}  // namespace rtsedge
