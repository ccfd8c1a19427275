// MPEG-TS as an SRT peer or a TS pull source sends it.
#include "protocols/mpegts/ts_demuxer.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using namespace rtsedge;

constexpr size_t kLimit = 64 * 1024;
constexpr size_t kStreams = 4;

struct Sink final : mpegts::TsDemuxer::Listener {
  void onProgram(const std::vector<mpegts::ElementaryStream>& streams) override {
    fuzz::check(streams.size() <= kStreams);
  }
  void onPes(mpegts::PesPacket&& pes) override {
    fuzz::check(pes.payload.size() <= kLimit);  // nothing past the limit is ever assembled
    total += pes.payload.size();
  }

  size_t total = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Sink sink;
  mpegts::TsDemuxer demuxer(sink, {kLimit, kStreams});
  auto [first, second] = fuzz::split(data, size);
  demuxer.feed(first);
  demuxer.feed(second);
  demuxer.flush();
  fuzz::check(sink.total <= size);  // PES carry no byte that was not received
  fuzz::check(demuxer.stats().packets * mpegts::kPacketSize <= size);
  return 0;
}
