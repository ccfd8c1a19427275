// SRT stream ids as callers send them in the handshake (at most 512 bytes): the
// "#!::" key list or a plain key, with tokens passed through as the query.
#include <string_view>
#include <variant>

#include "protocols/srt/stream_id.h"
#include "relay/stream_key.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rtsedge;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = srt::parseStreamId(text);
  if (const auto* id = std::get_if<srt::SrtStreamId>(&parsed)) {
    // What is accepted names a valid stream key, as every protocol's keys must.
    auto again = parseStreamKey(id->key.app, id->key.name);
    fuzz::check(again.isOk());
    fuzz::check(id->key.key().size() <= text.size());
  } else {
    fuzz::check(!std::get<srt::StreamIdRejection>(parsed).message.empty());
  }
  return 0;
}
