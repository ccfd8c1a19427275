#pragma once

#include <string>

namespace rtsedge::metrics {

// The standard process_* series (CPU, resident memory, open fds, start time), read from
// the kernel at scrape time, and the C heap's allocated and free bytes, in the text
// exposition format.
std::string processMetrics();

}  // namespace rtsedge::metrics
