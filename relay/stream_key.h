#pragma once

#include <string>
#include <string_view>

#include "relay/status.h"

namespace rtsedge {

// A stream's identity `app/name` and the query that came with the request. The
// query (tokens, options) stays with the session and is never part of the key.
struct StreamKey {
  std::string app;
  std::string name;
  std::string query;  // without the '?', parameters of app and name joined with '&'

  std::string key() const { return app + "/" + name; }
};

inline constexpr size_t kMaxStreamKeyLength = 256;

// Splits "live?token=1" and "cam1?x=2" into a key and a query. App may have several
// path segments; the name is one. Letters, digits and . _ - ~ only; no empty or
// dot-only segments.
Result<StreamKey> parseStreamKey(std::string_view app, std::string_view name);

}  // namespace rtsedge
