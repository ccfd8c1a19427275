// AMF0 command and data bodies: what decodes must re-encode to something that
// decodes to the same values.
#include "protocols/rtmp/amf0.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rtsedge;
  auto values = amf0::decodeAll({data, size});
  if (!values) {
    return 0;
  }
  BytesBuilder out;
  for (const auto& value : *values) {
    amf0::encode(value, out);
  }
  Bytes encoded = out.freeze();
  auto again = amf0::decodeAll(encoded.span());
  fuzz::check(again.isOk() && *again == *values);
  return 0;
}
