#include "bench/rtsbench/http_response_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>

namespace rtsedge::bench {

namespace {
constexpr size_t kMaxHeadSize = 16 * 1024;
constexpr size_t kMaxLineSize = 1024;  // a chunk-size line (extensions included) or a chunk's CRLF
constexpr std::string_view kHeadEnd = "\r\n\r\n";

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}
}  // namespace

Status HttpResponseReader::feed(std::span<const uint8_t> data, std::vector<std::span<const uint8_t>>& body) {
  while (!data.empty()) {
    switch (phase_) {
      case Phase::kHead: {
        // Appended whole, then cut back at the blank line: what follows it is body.
        size_t before = head_.size();
        head_.append(reinterpret_cast<const char*>(data.data()), data.size());
        size_t end = head_.find(kHeadEnd, before >= 3 ? before - 3 : 0);
        if (end == std::string::npos) {
          if (head_.size() > kMaxHeadSize) {
            return Error("response head over " + std::to_string(kMaxHeadSize) + " bytes");
          }
          return Status::ok();
        }
        size_t bodyStart = end + kHeadEnd.size();
        data = data.subspan(bodyStart - before);
        head_.resize(end);
        if (Status status = onHead(); !status) {
          return status;
        }
        break;
      }
      case Phase::kRaw: body.push_back(data); return Status::ok();
      case Phase::kLength: {
        size_t taken = static_cast<size_t>(std::min<uint64_t>(chunkLeft_, data.size()));
        body.push_back(data.first(taken));
        chunkLeft_ -= taken;
        if (chunkLeft_ == 0) {
          phase_ = Phase::kEnded;
        }
        return Status::ok();  // what follows the body is no part of it
      }
      case Phase::kChunkSize: {
        auto whole = readLine(data);
        if (!whole) {
          return whole.error();
        }
        if (*whole) {
          if (Status status = onChunkSizeLine(); !status) {
            return status;
          }
        }
        break;
      }
      case Phase::kChunkData: {
        size_t taken = static_cast<size_t>(std::min<uint64_t>(chunkLeft_, data.size()));
        body.push_back(data.first(taken));
        data = data.subspan(taken);
        chunkLeft_ -= taken;
        if (chunkLeft_ == 0) {
          phase_ = Phase::kChunkEnd;
        }
        break;
      }
      case Phase::kChunkEnd: {
        auto whole = readLine(data);
        if (!whole) {
          return whole.error();
        }
        if (*whole) {
          if (!trim(line_).empty()) {
            return Error("chunk data not followed by CRLF");
          }
          line_.clear();
          phase_ = Phase::kChunkSize;
        }
        break;
      }
      case Phase::kEnded: return Status::ok();  // trailers, if any: nothing of the stream
    }
  }
  return Status::ok();
}

Status HttpResponseReader::onHead() {
  std::string_view head = head_;
  size_t lineEnd = head.find("\r\n");
  std::string_view statusLine = head.substr(0, lineEnd);
  // "HTTP/1.1 200 OK": the code is the second field.
  size_t space = statusLine.find(' ');
  int code = 0;
  if (!statusLine.starts_with("HTTP/") || space == std::string_view::npos ||
      std::from_chars(statusLine.data() + space + 1, statusLine.data() + statusLine.size(), code).ec != std::errc()) {
    return Error("not an HTTP response: " + std::string(statusLine.substr(0, 80)));
  }
  status_ = code;
  if (expectedStatus_ && code != *expectedStatus_) {
    return Error("HTTP status " + std::string(trim(statusLine.substr(space + 1))));
  }
  while (lineEnd != std::string_view::npos) {
    head.remove_prefix(lineEnd + 2);
    lineEnd = head.find("\r\n");
    std::string_view line = head.substr(0, lineEnd);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      headers_.emplace_back(lowercase(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
    }
  }
  head_.clear();
  head_.shrink_to_fit();
  const std::string* encoding = header("transfer-encoding");
  const std::string* length = header("content-length");
  if (encoding != nullptr && lowercase(*encoding).find("chunked") != std::string::npos) {
    phase_ = Phase::kChunkSize;
  } else if (length != nullptr) {
    uint64_t size = 0;
    auto [end, ec] = std::from_chars(length->data(), length->data() + length->size(), size);
    if (ec != std::errc() || end != length->data() + length->size()) {
      return Error("bad Content-Length \"" + length->substr(0, 40) + "\"");
    }
    chunkLeft_ = size;
    phase_ = size == 0 ? Phase::kEnded : Phase::kLength;
  } else {
    phase_ = Phase::kRaw;
  }
  return Status::ok();
}

const std::string* HttpResponseReader::header(std::string_view lowercaseName) const {
  for (const auto& [name, value] : headers_) {
    if (name == lowercaseName) {
      return &value;
    }
  }
  return nullptr;
}

Result<bool> HttpResponseReader::readLine(std::span<const uint8_t>& data) {
  auto newline = std::find(data.begin(), data.end(), '\n');
  bool whole = newline != data.end();
  size_t length = static_cast<size_t>(newline - data.begin());
  line_.append(reinterpret_cast<const char*>(data.data()), length);
  data = data.subspan(whole ? length + 1 : length);
  if (line_.size() > kMaxLineSize) {
    return Error("chunk framing line over " + std::to_string(kMaxLineSize) + " bytes");
  }
  return whole;
}

Status HttpResponseReader::onChunkSizeLine() {
  std::string_view line = trim(std::string_view(line_).substr(0, line_.find(';')));  // without chunk extensions
  uint64_t size = 0;
  auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
  if (ec != std::errc() || end != line.data() + line.size()) {
    return Error("bad chunk size \"" + std::string(line.substr(0, 40)) + "\"");
  }
  line_.clear();
  chunkLeft_ = size;
  phase_ = size == 0 ? Phase::kEnded : Phase::kChunkData;
  return Status::ok();
}

}  // namespace rtsedge::bench
