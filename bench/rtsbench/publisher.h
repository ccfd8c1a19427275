#pragma once

#include <span>
#include <string>

#include "relay/status.h"

namespace rtsedge::bench {

struct PublisherOptions {
  std::string url;     // rtmp://host:port/app/name[?query] or srt://host:port?streamid=...
  std::string file;    // FLV: H.264 or H.265 video, AAC audio
  double seconds = 0;  // 0: until stopped
};

// Parses `rtsbench publish` arguments (argv after "publish": --url URL --file FILE [--seconds S]);
// an Error with usage text.
Result<PublisherOptions> parsePublisherArgs(std::span<char*> args);

// Publishes the file in a loop at real-time pace, every video frame stamped with its send
// time (the capture-time SEI of docs/metrics.md), until done or SIGINT/SIGTERM, printing
// what was sent every 5 s. The process exit code: 0 ok, 1 failed (the reason is printed).
// SIGPIPE must be ignored (main does): a server that closes the connection is a failure, not a kill.
int runPublisher(const PublisherOptions& options);

}  // namespace rtsedge::bench
