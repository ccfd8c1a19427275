// The RTMP chunk stream as a peer sends it after the handshake.
#include "protocols/rtmp/chunk_reader.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rtsedge;
  constexpr uint32_t kLimit = 64 * 1024;
  rtmp::ChunkReader reader(rtmp::ChunkReaderLimits{kLimit, 16});
  std::vector<rtmp::Message> out;
  auto [first, second] = fuzz::split(data, size);
  if (reader.feed(first, out)) {
    (void)reader.feed(second, out);
  }
  size_t total = 0;
  for (const auto& message : out) {
    fuzz::check(message.payload.size() <= kLimit);  // nothing past the limit is ever assembled
    total += message.payload.size();
  }
  fuzz::check(total <= size);  // messages carry no byte that was not received
  return 0;
}
