// The YAML configuration loader: any text is a config or an error with a position.
#include <string_view>

#include "relay/config.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rtsedge;
  auto config = parseConfig(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
  if (!config) {
    fuzz::check(config.error().message().starts_with("fuzz.yaml:"));
  }
  return 0;
}
