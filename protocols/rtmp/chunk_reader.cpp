#include "protocols/rtmp/chunk_reader.h"

#include <algorithm>

#include <fmt/format.h>

namespace rtsedge::rtmp {

namespace {
constexpr size_t kMessageHeaderLength[4] = {11, 7, 3, 0};
constexpr uint32_t kExtendedTimestamp = 0xFFFFFF;

size_t basicHeaderLength(uint8_t first) {
  uint8_t id = first & 0x3f;
  return id == 0 ? 2 : id == 1 ? 3 : 1;
}
}  // namespace

Result<size_t> ChunkReader::headerLength() {
  if (headerSize_ < 1) {
    return size_t{1};
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
    uint32_t id = header_[0] & 0x3f;
    id = id == 0 ? 64 + header_[1] : id == 1 ? 64 + header_[1] + header_[2] * 256u : id;
    auto it = streams_.find(id);
    extended = it != streams_.end() && it->second.extended;
  }
  return total + (extended ? 4 : 0);
}

Status ChunkReader::feed(std::span<const uint8_t> data, std::vector<Message>& out) {
  size_t pos = 0;
  while (true) {
    if (!inPayload_) {
      auto length = headerLength();
      if (!length) {
        return length.error();
      }
      if (headerSize_ < *length) {
        if (pos == data.size()) {
          return Status::ok();
        }
        size_t take = std::min(*length - headerSize_, data.size() - pos);
        std::copy_n(data.begin() + static_cast<ptrdiff_t>(pos), take, header_.begin() + headerSize_);
        headerSize_ += take;
        pos += take;
        continue;  // the length may grow once more bytes are in (basic form, extended timestamp)
      }
      if (Status status = onHeader(); !status) {
        return status;
      }
      headerSize_ = 0;
      inPayload_ = true;
    }
    if (chunkLeft_ > 0) {
      if (pos == data.size()) {
        return Status::ok();
      }
      uint32_t take = static_cast<uint32_t>(std::min<size_t>(chunkLeft_, data.size() - pos));
      current_->payload.append(data.subspan(pos, take));
      current_->received += take;
      chunkLeft_ -= take;
      pos += take;
    }
    if (chunkLeft_ == 0) {
      inPayload_ = false;
      if (current_->received == current_->length) {
        if (Status status = completeMessage(*current_, out); !status) {
          return status;
        }
      }
    }
  }
}

Status ChunkReader::onHeader() {
  size_t basic = basicHeaderLength(header_[0]);
  uint8_t format = header_[0] >> 6;
  uint32_t id = header_[0] & 0x3f;
  id = id == 0 ? 64 + header_[1] : id == 1 ? 64 + header_[1] + header_[2] * 256u : id;
  auto it = streams_.find(id);
  if (it == streams_.end()) {
    if (format != 0) {
      return Error(fmt::format("chunk type {} on chunk stream {} that has no previous header", format, id));
    }
    if (streams_.size() >= limits_.maxChunkStreams) {
      return Error(fmt::format("more than {} chunk streams", limits_.maxChunkStreams));
    }
    it = streams_.try_emplace(id).first;
    it->second.id = id;
  }
  ChunkStream& stream = it->second;
  const uint8_t* field = &header_[basic];
  if (format < 3) {
    uint32_t timestampField = loadU24(field);
    stream.extended = timestampField == kExtendedTimestamp;
    if (stream.extended) {
      timestampField = loadU32(&header_[basic + kMessageHeaderLength[format]]);
    }
    if (stream.inMessage) {
      return Error(fmt::format("new message header on chunk stream {} before its message completed", id));
    }
    stream.timestampField = timestampField;
    if (format <= 1) {
      stream.length = loadU24(field + 3);
      stream.typeId = field[6];
    }
    if (format == 0) {
      stream.streamId = loadU32Le(field + 7);
      stream.timestamp = timestampField;
    } else {
      stream.timestamp += timestampField;
    }
  } else if (!stream.inMessage) {
    stream.timestamp += stream.timestampField;  // a type-3 message repeats the last delta
  }
  if (!stream.inMessage) {
    if (stream.length > limits_.maxMessageSize) {
      return Error(fmt::format("message of {} bytes over the limit of {}", stream.length, limits_.maxMessageSize));
    }
    stream.inMessage = true;
    stream.received = 0;
    stream.payload = BytesBuilder(stream.length);
  }
  current_ = &stream;
  chunkLeft_ = std::min(chunkSize_, stream.length - stream.received);
  return Status::ok();
}

Status ChunkReader::completeMessage(ChunkStream& stream, std::vector<Message>& out) {
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
