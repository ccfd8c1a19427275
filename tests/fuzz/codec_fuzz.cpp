// Decoder configuration records and parameter sets as publishers send them.
#include "protocols/codec/aac.h"
#include "protocols/codec/avc.h"
#include "protocols/codec/hevc.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rtsedge;
  std::span<const uint8_t> input(data, size);
  if (auto avc = codec::parseAvcDecoderConfigurationRecord(input)) {
    for (auto sps : avc->sps) {
      (void)codec::parseH264Sps(sps);
    }
  }
  (void)codec::parseH264Sps(input);
  if (auto hevc = codec::parseHevcDecoderConfigurationRecord(input)) {
    (void)codec::parseH265Sps(hevc->firstNalUnit(codec::HevcNalType::kSps));
  }
  (void)codec::parseH265Sps(input);
  (void)codec::parseAudioSpecificConfig(input);
  return 0;
}
