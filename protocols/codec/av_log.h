#pragma once

namespace rtsedge::codec {

// Routes libav*'s log (av_log) into spdlog, once per process; later calls do nothing.
// AV_LOG_ERROR and worse go out at warn, the rest at debug; lines above av_log's own level
// (av_log_set_level, AV_LOG_INFO by default) are dropped as libav would. At most
// kAvLogLinesPerSecond lines a second reach the log: a stream of garbage makes libav log
// every packet, and one publisher must not flood it. What was held back is counted and
// said with the next line let through.
inline constexpr int kAvLogLinesPerSecond = 5;
void routeAvLogToSpdlog();

}  // namespace rtsedge::codec
