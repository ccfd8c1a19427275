#include "protocols/rtmp/chunk_reader.h"

#include <fmt/format.h>

#include <algorithm>

namespace rtsedge::rtmp {

namespace {
constexpr size_t kMessageHeaderLength[4] = {11, 7, 3, 0};
constexpr size_t kExtendedTimestampLength = 4;
constexpr uint32_t kExtendedTimestamp = 0xFFFFFF;

size_t basicHeaderLength(uint8_t first) {
  uint8_t id = first & 0x3f;
  return id == 0 ? 2 : id == 1 ? 3 : 1;
}

// Valid once basicHeaderLength(header[0]) bytes are in.
uint32_t chunkStreamId(const uint8_t* header) {
  uint32_t id = header[0] & 0x3f;
  return id == 0 ? 64 + header[1] : id == 1 ? 64 + header[1] + header[2] * 256u : id;
}
}  // namespace

Status ChunkReader::feed(std::span<const uint8_t> data, std::vector<Message>& out) {
  while (replayLeft_ > 0 || !data.empty()) {
    bool replaying = replayLeft_ > 0;
    std::span<const uint8_t> input = replaying ? std::span<const uint8_t>(replay_).last(replayLeft_) : data;
    auto used = step(input, out);
    if (!used) {
      return used.error();
    }
    if (replaying) {
      replayLeft_ -= *used;
    } else {
      data = data.subspan(*used);
    }
    if (peekFailed_) {
      // A peek completes a header of at least five bytes, more than a replay holds,
      // so an earlier replay is used up by now: the peeked bytes come next.
      peekFailed_ = false;
      replayLeft_ = replay_.size();
    }
  }
  return Status::ok();
}

Result<size_t> ChunkReader::step(std::span<const uint8_t> input, std::vector<Message>& out) {
  if (current_ != nullptr) {
    uint32_t take = static_cast<uint32_t>(std::min<size_t>(chunkLeft_, input.size()));
    current_->payload.append(input.first(take));
    current_->received += take;
    chunkLeft_ -= take;
    if (chunkLeft_ == 0) {
      if (Status status = endChunk(out); !status) {
        return status.error();
      }
    }
    return size_t{take};
  }
  size_t take = std::min(headerLength() - headerSize_, input.size());
  std::copy_n(input.begin(), take, header_.begin() + static_cast<ptrdiff_t>(headerSize_));
  headerSize_ += take;
  if (headerSize_ == headerLength()) {
    if (Status status = onHeader(out); !status) {
      return status.error();
    }
  }
  return take;
}

size_t ChunkReader::headerLength() const {
  if (headerSize_ < 1) {
    return 1;
  }
  size_t basic = basicHeaderLength(header_[0]);
  if (headerSize_ < basic) {
    return basic;
  }
  uint8_t format = header_[0] >> 6;
  size_t total = basic + kMessageHeaderLength[format];
  if (headerSize_ < total) {
    return total;
  }
  bool extended = false;
  if (format < 3) {
    extended = loadU24(&header_[basic]) == kExtendedTimestamp;
  } else {
    auto it = streams_.find(chunkStreamId(header_.data()));
    extended = it != streams_.end() && it->second.extended;  // peeked on continuation chunks
  }
  return total + (extended ? kExtendedTimestampLength : 0);
}

Status ChunkReader::onHeader(std::vector<Message>& out) {
  headerSize_ = 0;
  size_t basic = basicHeaderLength(header_[0]);
  uint8_t format = header_[0] >> 6;
  auto found = streamFor(chunkStreamId(header_.data()), format);
  if (!found) {
    return found.error();
  }
  ChunkStream& stream = **found;
  if (format < 3 && stream.inMessage) {
    return Error(fmt::format("new message header on chunk stream {} before its message completed", stream.id));
  }
  readTimestamp(stream, format, basic);
  const uint8_t* field = &header_[basic];
  if (format <= 1) {
    stream.length = loadU24(field + 3);
    stream.typeId = field[6];
  }
  if (format == 0) {
    stream.streamId = loadU32Le(field + 7);
  }
  if (!stream.inMessage) {
    if (Status status = startMessage(stream); !status) {
      return status;
    }
  }
  current_ = &stream;
  chunkLeft_ = std::min(chunkSize_, stream.length - stream.received);
  return chunkLeft_ == 0 ? endChunk(out) : Status::ok();
}

Result<ChunkReader::ChunkStream*> ChunkReader::streamFor(uint32_t id, uint8_t format) {
  auto it = streams_.find(id);
  if (it != streams_.end()) {
    return &it->second;
  }
  // Type 1 carries all but the message stream id, which then is 0: librtmp clients
  // open their control chunk stream that way, and SRS accepts it too.
  if (format > 1) {
    return Error(fmt::format("chunk type {} on chunk stream {} that has no previous header", format, id));
  }
  if (streams_.size() >= limits_.maxChunkStreams) {
    return Error(fmt::format("more than {} chunk streams", limits_.maxChunkStreams));
  }
  it = streams_.try_emplace(id).first;
  it->second.id = id;
  return &it->second;
}

// fmt 0 carries the absolute timestamp, fmt 1/2 a delta, and fmt 3 starting a new
// message repeats the last delta. On a fmt-3 continuation chunk of a message with an
// extended timestamp, ffmpeg and OBS repeat those 4 bytes and some peers omit them:
// they are taken only if they echo the field (or the absolute timestamp, as SRS does).
void ChunkReader::readTimestamp(ChunkStream& stream, uint8_t format, size_t basic) {
  if (format < 3) {
    uint32_t field = loadU24(&header_[basic]);
    stream.extended = field == kExtendedTimestamp;
    if (stream.extended) {
      field = loadU32(&header_[basic + kMessageHeaderLength[format]]);
    }
    stream.timestampField = field;
    stream.timestamp = format == 0 ? field : stream.timestamp + field;
    return;
  }
  if (stream.inMessage) {
    if (stream.extended) {
      uint32_t echoed = loadU32(&header_[basic]);
      if (echoed != stream.timestampField && echoed != stream.timestamp) {
        std::copy_n(header_.begin() + static_cast<ptrdiff_t>(basic), replay_.size(), replay_.begin());
        peekFailed_ = true;
      }
    }
    return;
  }
  if (stream.extended) {
    stream.timestampField = loadU32(&header_[basic]);
  }
  stream.timestamp += stream.timestampField;
}

Status ChunkReader::startMessage(ChunkStream& stream) {
  if (stream.length > limits_.maxMessageSize) {
    return Error(fmt::format("message of {} bytes on chunk stream {} over the limit of {}", stream.length, stream.id,
                             limits_.maxMessageSize));
  }
  stream.inMessage = true;
  stream.received = 0;
  stream.payload = BytesBuilder(stream.length);
  return Status::ok();
}

Status ChunkReader::endChunk(std::vector<Message>& out) {
  ChunkStream& stream = *current_;
  current_ = nullptr;
  if (stream.received < stream.length) {
    return Status::ok();
  }
  stream.inMessage = false;
  Message message;
  message.chunkStreamId = stream.id;
  message.timestamp = stream.timestamp;
  message.typeId = stream.typeId;
  message.streamId = stream.streamId;
  message.payload = stream.payload.freeze();
  if (Status status = applyControl(message); !status) {
    return status;
  }
  out.push_back(std::move(message));
  return Status::ok();
}

Status ChunkReader::applyControl(const Message& message) {
  auto type = static_cast<MessageType>(message.typeId);
  if (type != MessageType::kSetChunkSize && type != MessageType::kAbort) {
    return Status::ok();
  }
  if (message.payload.size() < 4) {
    return Error(fmt::format("protocol control message {} shorter than 4 bytes", message.typeId));
  }
  uint32_t value = loadU32(message.payload.data());
  if (type == MessageType::kSetChunkSize) {
    if (value == 0 || value > kMaxChunkSize) {
      return Error(fmt::format("chunk size {} not in 1..{}", value, kMaxChunkSize));
    }
    chunkSize_ = value;
    return Status::ok();
  }
  auto it = streams_.find(value);
  if (it != streams_.end() && it->second.inMessage) {
    it->second.inMessage = false;
    it->second.payload = BytesBuilder();
  }
  return Status::ok();
}

}  // namespace rtsedge::rtmp
