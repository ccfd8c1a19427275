// The server side of the RTMP handshake, fed in two reads.
#include "protocols/rtmp/handshake.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rtsedge;
  rtmp::ServerHandshake handshake;
  std::vector<uint8_t> reply;
  for (auto part : {fuzz::split(data, size).first, fuzz::split(data, size).second}) {
    size_t consumed = 0;
    auto done = handshake.feed(part, consumed, reply);
    if (!done) {
      return 0;
    }
    fuzz::check(consumed <= part.size());  // a parse never claims bytes it was not given
    if (*done) {
      break;
    }
  }
  fuzz::check(reply.empty() || reply.size() == 1 + 2 * rtmp::kHandshakeSize);
  return 0;
}
