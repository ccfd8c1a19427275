#include "protocols/srt/srt_sender.h"

#include <algorithm>

#include "protocols/mpegts/ts_types.h"

namespace rtsedge::srt {

SrtSender::SrtSender(EgressQueue& queue, uint32_t payloadSize)
    : queue_(queue), chunk_(payloadSize / mpegts::kPacketSize * mpegts::kPacketSize) {}

bool SrtSender::send(SRTSOCKET socket) {
  while (true) {
    if (index_ == batch_.size()) {
      if (!batch_.empty()) {
        batch_.clear();
        queue_.onBatchWritten();
      }
      queue_.takeBatch(batch_);
      index_ = 0;
      offset_ = 0;
      if (batch_.empty()) {
        return true;
      }
    }
    const Bytes& buffer = batch_[index_];
    size_t size = std::min(chunk_, buffer.size() - offset_);
    if (srt_sendmsg(socket, reinterpret_cast<const char*>(buffer.data() + offset_), static_cast<int>(size), -1, 1) ==
        SRT_ERROR) {
      return srt_getlasterror(nullptr) == SRT_EASYNCSND;  // full: SRT_EPOLL_OUT resumes here
    }
    bytesSent_ += size;
    offset_ += size;
    if (offset_ == buffer.size()) {
      ++index_;
      offset_ = 0;
    }
  }
}

}  // namespace rtsedge::srt
