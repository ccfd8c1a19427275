#pragma once

#include <string>
#include <string_view>

#include "relay/quoted.h"

namespace rtsedge {

// Text from outside (a config value, a URL, a peer's bytes) in double quotes for a
// message: printable ASCII as it is, quote and backslash escaped, every other byte as
// \xNN. fmt's "{:?}" does the same for valid UTF-8 but aborts on some invalid input
// (fmt 9.1's assertion, compiled into Debian's libspdlog), so messages use this.
std::string quoted(std::string_view text);

}  // namespace rtsedge
