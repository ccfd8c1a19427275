#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>

#include "relay/bytes.h"
#include "relay/media_frame.h"

namespace rtsedge::flv {

inline constexpr uint8_t kAudioTag = 8;
inline constexpr uint8_t kVideoTag = 9;
inline constexpr uint8_t kScriptTag = 18;
inline constexpr size_t kTagHeaderSize = 11;
inline constexpr size_t kPreviousTagSize = 4;

// The FLV file header and PreviousTagSize0.
Bytes fileHeader(bool hasAudio, bool hasVideo);

// One FLV tag: 11-byte header, the body pieces in order, PreviousTagSize.
void appendTag(BytesBuilder& out, uint8_t type, uint32_t timestampMs,
               std::initializer_list<std::span<const uint8_t>> body);

// A frame's whole tag (header bytes for its codec, then the payload), written into
// `out`; nothing for a codec FLV cannot carry.
void appendFrameTag(BytesBuilder& out, const MediaFrame& frame);
// The size appendFrameTag() writes.
size_t frameTagSize(const MediaFrame& frame);

}  // namespace rtsedge::flv
