#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "relay/bytes.h"
#include "relay/media_frame.h"
#include "relay/status.h"

namespace rtsedge::bench {

// An FLV recording held in memory, ready to be published in a loop.
struct FlvFile {
  Bytes metadata;                // the onMetaData script data (AMF0), empty if the file has none
  std::vector<FramePtr> frames;  // in file order, each with its track's configuration; timestamps start at 0
  bool hasVideo = false;
  // How far each loop's timestamps lie after the previous loop's: the file's duration
  // plus one frame interval, so the looped stream stays monotonic.
  int64_t loopUs = 0;
};

// Reads H.264 or H.265 video and AAC audio; other codecs are an Error (only these two
// video codecs carry the capture-time SEI). A tag cut off at the end (an interrupted
// recording) ends the file.
Result<FlvFile> readFlvFile(const std::string& path);

}  // namespace rtsedge::bench
