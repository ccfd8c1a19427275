// Elementary streams inside well-formed TS: what an SRT publisher's encoder sends,
// past the demuxer into the codec paths (Annex-B, parameter sets, ADTS, Opus).
#include "metrics/registry.h"
#include "protocols/mpegts/ts_publisher.h"
#include "protocols/mpegts/ts_writer.h"
#include "relay/clock.h"
#include "relay/stream.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using namespace rtsedge;

struct Replaced final : StreamSource::Listener {
  void onPublisherReplaced() override {}
};

// The first input byte picks the program; then each chunk is a length byte and a PES
// payload, alternating video and audio, 40 ms apart.
Bytes transportStream(std::span<const uint8_t> input) {
  BytesBuilder out;
  if (input.empty()) {
    return out.freeze();
  }
  bool hevc = (input[0] & 1) != 0;
  bool opus = (input[0] & 2) != 0;
  std::array<mpegts::ElementaryStream, 2> streams{
      mpegts::ElementaryStream{0x100, hevc ? uint8_t{mpegts::kH265} : uint8_t{mpegts::kH264}, false, 0},
      mpegts::ElementaryStream{0x101, opus ? uint8_t{mpegts::kPrivateData} : uint8_t{mpegts::kAdtsAac}, opus,
                               static_cast<uint8_t>(input[0] >> 4)}};
  uint8_t pat = 0;
  uint8_t pmt = 0;
  std::array<uint8_t, 2> continuity{};
  mpegts::writePat(out, 0x1000, pat);
  mpegts::writePmt(out, 0x1000, 0x100, 0, streams, pmt);
  input = input.subspan(1);
  for (int64_t index = 0; !input.empty(); ++index) {
    size_t length = std::min<size_t>(input[0] * 8u, input.size() - 1);
    auto payload = input.subspan(1, length);
    input = input.subspan(1 + length);
    size_t track = static_cast<size_t>(index % 2);
    int64_t pts = 90'000 + index * 3600;
    mpegts::writePes(out, streams[track].pid, track == 0 ? 0xe0 : 0xc0, mpegts::PesTiming{pts, pts, {}, index % 8 == 0},
                     payload, continuity[track]);
  }
  return out.freeze();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ManualClock clock;
  StreamSettings settings;
  Stream stream("live/fuzz", settings, clock);
  metrics::Registry registry;
  Replaced listener;
  mpegts::TsPublisher publisher(clock, registry.counter("frames", "", {}).labels({}), listener);
  fuzz::check(static_cast<bool>(publisher.attachTo(stream)));
  Bytes ts = transportStream(std::span(data, size));
  // Two reads, cut where the first input byte says: state kept across reads is exercised.
  size_t cut = size == 0 ? 0 : ts.size() * data[0] / 256;
  publisher.feed(ts.span().first(cut));
  publisher.feed(ts.span().subspan(cut));
  fuzz::check(publisher.stats().framesPublished <= size);
  return 0;
}
