#include "protocols/http/flv_muxer.h"

#include "protocols/flv/flv_mux.h"
#include "protocols/flv/flv_tag.h"
#include "protocols/http/response.h"

namespace rtsedge::http {

Bytes FlvMuxer::frameBody(const Bytes& body) const {
  return chunked_ ? chunkFrame(body.span()) : body;
}

Bytes FlvMuxer::metadata(const Bytes& amf0) {
  BytesBuilder tag(flv::kTagHeaderSize + amf0.size() + flv::kPreviousTagSize);
  flv::appendTag(tag, flv::kScriptTag, 0, {amf0.span()});
  return frameBody(tag.freeze());
}

Bytes FlvMuxer::trackConfig(const TrackConfig& config, int64_t dtsUs) {
  Bytes body = config.kind == TrackKind::kVideo ? flv::videoConfigBody(config) : flv::audioConfigBody(config);
  if (body.empty()) {
    return body;
  }
  BytesBuilder tag(flv::kTagHeaderSize + body.size() + flv::kPreviousTagSize);
  flv::appendTag(tag, config.kind == TrackKind::kVideo ? flv::kVideoTag : flv::kAudioTag,
                 static_cast<uint32_t>(static_cast<uint64_t>(dtsUs / 1000)), {body.span()});
  return frameBody(tag.freeze());
}

Bytes FlvMuxer::frame(const FramePtr& frame) {
  if (frame->kind != TrackKind::kData && !flv::isFlvMediaCodec(frame->codec)) {
    return {};  // Opus: see carriesAudio()
  }
  Bytes framed = frame->serialized(EgressFormat::kFlv, [](const MediaFrame& f) {
    BytesBuilder tag(flv::frameTagSize(f));
    flv::appendFrameTag(tag, f);
    return chunkFrame(tag.freeze().span());
  });
  if (chunked_) {
    return framed;
  }
  size_t tagSize = flv::frameTagSize(*frame);
  return framed.slice(chunkPrefixSize(tagSize), tagSize);
}

}  // namespace rtsedge::http
