#include "bench/rtsbench/flv_stream_reader.h"

#include <algorithm>
#include <string>

#include "protocols/flv/flv_mux.h"

namespace rtsedge::bench {

namespace {
constexpr size_t kFileHeaderSize = 9;
}  // namespace

Status FlvStreamReader::feed(std::span<const uint8_t> data, std::vector<rtmp::Message>& out) {
  while (!data.empty()) {
    if (skip_ > 0) {
      size_t skipped = static_cast<size_t>(std::min<uint64_t>(skip_, data.size()));
      skip_ -= skipped;
      data = data.subspan(skipped);
      continue;
    }
    switch (phase_) {
      case Phase::kFileHeader:
        if (fillHeader(data, kFileHeaderSize)) {
          if (Status status = onFileHeader(); !status) {
            return status;
          }
        }
        break;
      case Phase::kTagHeader:
        if (fillHeader(data, flv::kTagHeaderSize)) {
          if (Status status = onTagHeader(out); !status) {
            return status;
          }
        }
        break;
      case Phase::kTagBody: {
        size_t taken = std::min<size_t>(bodyLeft_, data.size());
        body_.append(data.first(taken));
        bodyLeft_ -= static_cast<uint32_t>(taken);
        data = data.subspan(taken);
        if (bodyLeft_ == 0) {
          endTag(out);
        }
        break;
      }
    }
  }
  return Status::ok();
}

bool FlvStreamReader::fillHeader(std::span<const uint8_t>& data, size_t size) {
  size_t taken = std::min(size - headerSize_, data.size());
  std::copy_n(data.begin(), taken, header_.begin() + static_cast<ptrdiff_t>(headerSize_));
  headerSize_ += taken;
  data = data.subspan(taken);
  if (headerSize_ < size) {
    return false;
  }
  headerSize_ = 0;
  return true;
}

Status FlvStreamReader::onFileHeader() {
  if (header_[0] != 'F' || header_[1] != 'L' || header_[2] != 'V') {
    return Error("not an FLV stream: no FLV signature");
  }
  uint32_t dataOffset = loadU32(&header_[5]);
  if (dataOffset < kFileHeaderSize) {
    return Error("FLV header size " + std::to_string(dataOffset) + " is under 9");
  }
  skip_ = dataOffset - kFileHeaderSize + flv::kPreviousTagSize;  // PreviousTagSize0 too
  phase_ = Phase::kTagHeader;
  return Status::ok();
}

Status FlvStreamReader::onTagHeader(std::vector<rtmp::Message>& out) {
  uint32_t size = loadU24(&header_[1]);
  if (size > maxTagSize_) {
    return Error("FLV tag of " + std::to_string(size) + " bytes is over the limit of " + std::to_string(maxTagSize_));
  }
  tag_ = rtmp::Message{};
  tag_.typeId = header_[0] & 0x1f;  // the top bits: reserved, and the filter (encryption) flag
  tag_.timestamp = loadU24(&header_[4]) | (static_cast<uint32_t>(header_[7]) << 24);
  body_ = BytesBuilder(size);
  bodyLeft_ = size;
  phase_ = Phase::kTagBody;
  if (size == 0) {
    endTag(out);
  }
  return Status::ok();
}

void FlvStreamReader::endTag(std::vector<rtmp::Message>& out) {
  tag_.payload = body_.freeze();
  out.push_back(std::move(tag_));
  skip_ = flv::kPreviousTagSize;
  phase_ = Phase::kTagHeader;
}

}  // namespace rtsedge::bench
