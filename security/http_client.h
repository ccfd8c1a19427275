#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "relay/clock.h"
#include "relay/config.h"
#include "relay/status.h"
#include "relay/uv/loop.h"

namespace rtsedge::security {

// "http://10.0.0.5:9000/hooks/publish": a hook's address. Plain HTTP; numeric hosts or
// localhost only (nothing is resolved: a DNS lookup would stall the loop or need a
// thread), port 80 by default, path "/" by default.
struct HttpUrl {
  ListenAddress address;
  std::string path;  // with any query, always starting with '/'
};
Result<HttpUrl> parseHttpUrl(std::string_view text);

struct HttpReply {
  int status = 0;
  std::string body;  // at most 64 KiB kept
};

// One HTTP/1.1 POST on the loop, with `Connection: close`, the response parsed with
// libhttp-parser. `done` runs once, from the loop, with the reply or why there is none
// (connect failure, timeout, malformed response, the peer closed early). Destroying
// the request first abandons it: `done` never runs.
class HttpPost {
 public:
  using Done = std::function<void(Result<HttpReply>)>;

  static std::unique_ptr<HttpPost> start(uv::Loop& loop, const HttpUrl& url, std::string contentType,
                                         std::string body, Millis timeout, Done done);
  virtual ~HttpPost() = default;

 protected:
  HttpPost() = default;
};

}  // namespace rtsedge::security
