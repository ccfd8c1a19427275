#pragma once

#include <chrono>
#include <cstdint>

namespace rtsedge {

using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;
using Micros = std::chrono::microseconds;
using Millis = std::chrono::milliseconds;

// The time source of the core. Tests inject a manual clock; the process uses the
// steady clock. Passed by reference, never a singleton.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual SteadyTime now() const = 0;
};

class SteadyClock final : public Clock {
 public:
  SteadyTime now() const override { return std::chrono::steady_clock::now(); }
};

class ManualClock final : public Clock {
 public:
  SteadyTime now() const override { return now_; }
  void advance(Micros by) { now_ += by; }

 private:
  SteadyTime now_{std::chrono::seconds(1000)};
};

}  // namespace rtsedge
