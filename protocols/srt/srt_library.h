#pragma once

namespace rtsedge::srt {

// libsrt's process-wide state: started once before any SRT socket, cleaned up after
// the last; its log lines (warnings and errors only: a refused passphrase, say) go to
// spdlog instead of stderr.
class SrtLibrary {
 public:
  SrtLibrary();
  ~SrtLibrary();
  SrtLibrary(const SrtLibrary&) = delete;
  SrtLibrary& operator=(const SrtLibrary&) = delete;
};

}  // namespace rtsedge::srt
