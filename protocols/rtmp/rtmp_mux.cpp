#include "protocols/rtmp/rtmp_mux.h"

#include "protocols/flv/flv_tag.h"
#include "protocols/rtmp/chunk_writer.h"
#include "protocols/rtmp/message.h"

namespace rtsedge::rtmp {

namespace {

Bytes chunked(const MessageHeader& header, std::initializer_list<std::span<const uint8_t>> pieces, uint32_t chunkSize) {
  size_t total = 0;
  for (auto piece : pieces) {
    total += piece.size();
  }
  BytesBuilder out(chunkedSize(header, total, chunkSize));
  appendChunked(out, header, pieces, chunkSize);
  return out.freeze();
}

MessageHeader headerFor(TrackKind kind, uint32_t timestamp) {
  switch (kind) {
    case TrackKind::kVideo:
      return {kVideoChunkStream, timestamp, static_cast<uint8_t>(MessageType::kVideo), kMediaMessageStream};
    case TrackKind::kAudio:
      return {kAudioChunkStream, timestamp, static_cast<uint8_t>(MessageType::kAudio), kMediaMessageStream};
    case TrackKind::kData: break;
  }
  return {kDataChunkStream, timestamp, static_cast<uint8_t>(MessageType::kDataAmf0), kMediaMessageStream};
}

}  // namespace

Bytes muxFrame(const MediaFrame& frame, uint32_t chunkSize) {
  MessageHeader header = headerFor(frame.kind, rtmpTimestamp(frame.dtsUs));
  switch (frame.kind) {
    case TrackKind::kVideo: {
      flv::TagHeader tag = flv::videoFrameHeader(frame);
      return chunked(header, {tag.span(), frame.payload.span()}, chunkSize);
    }
    case TrackKind::kAudio: {
      flv::TagHeader tag = flv::audioFrameHeader(frame);
      return chunked(header, {tag.span(), frame.payload.span()}, chunkSize);
    }
    case TrackKind::kData: break;
  }
  return chunked(header, {frame.payload.span()}, chunkSize);
}

Bytes muxTrackConfig(const TrackConfig& config, uint32_t timestamp, uint32_t chunkSize) {
  Bytes body = config.kind == TrackKind::kVideo ? flv::videoConfigBody(config) : flv::audioConfigBody(config);
  if (body.empty()) {
    return body;
  }
  return chunked(headerFor(config.kind, timestamp), {body.span()}, chunkSize);
}

Bytes muxMetadata(const Bytes& amf0, uint32_t timestamp, uint32_t chunkSize) {
  return chunked(headerFor(TrackKind::kData, timestamp), {amf0.span()}, chunkSize);
}

Bytes RtmpMuxer::frame(const FramePtr& frame) {
  if (frame->kind != TrackKind::kData && !flv::isFlvMediaCodec(frame->codec)) {
    return {};  // Opus: see carriesAudio()
  }
  uint32_t chunkSize = chunkSize_;
  return frame->serialized(EgressFormat::kRtmp, [chunkSize](const MediaFrame& f) { return muxFrame(f, chunkSize); });
}

}  // namespace rtsedge::rtmp
