#include "collectors/timex.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace node_agent {

namespace {

constexpr double kNanoseconds = 1e9;
constexpr double kMicroseconds = 1e6;
// Frequencies are in ppm with a 16-bit binary fraction (adjtimex(2), NOTES).
constexpr double kPpm16Frac = 1000000.0 * 65536.0;

double D(long v) { return static_cast<double>(v); }

}  // namespace

void AddTimexMetrics(const struct timex& tx, int state, MetricSet& out) {
  const double divisor = (tx.status & STA_NANO) != 0 ? kNanoseconds : kMicroseconds;
  out.Gauge("node_timex_sync_status", "Is clock synchronized to a reliable server (1 = yes, 0 = no).", {},
            state == TIME_ERROR ? 0 : 1);
  out.Gauge("node_timex_offset_seconds", "Time offset in between local system and reference clock.", {},
            D(tx.offset) / divisor);
  out.Gauge("node_timex_frequency_adjustment_ratio", "Local clock frequency adjustment.", {},
            1 + D(tx.freq) / kPpm16Frac);
  out.Gauge("node_timex_maxerror_seconds", "Maximum error in seconds.", {}, D(tx.maxerror) / kMicroseconds);
  out.Gauge("node_timex_estimated_error_seconds", "Estimated error in seconds.", {},
            D(tx.esterror) / kMicroseconds);
  out.Gauge("node_timex_status", "Value of the status array bits.", {}, static_cast<double>(tx.status));
  out.Gauge("node_timex_loop_time_constant", "Phase-locked loop time constant.", {}, D(tx.constant));
  out.Gauge("node_timex_tick_seconds", "Seconds between clock ticks.", {}, D(tx.tick) / kMicroseconds);
  out.Gauge("node_timex_pps_frequency_hertz", "Pulse per second frequency.", {}, D(tx.ppsfreq) / kPpm16Frac);
  out.Gauge("node_timex_pps_jitter_seconds", "Pulse per second jitter.", {}, D(tx.jitter) / divisor);
  out.Gauge("node_timex_pps_shift_seconds", "Pulse per second interval duration.", {},
            static_cast<double>(tx.shift));
  out.Gauge("node_timex_pps_stability_hertz", "Pulse per second stability, average of recent frequency changes.",
            {}, D(tx.stabil) / kPpm16Frac);
  out.Counter("node_timex_pps_jitter_total", "Pulse per second count of jitter limit exceeded events.", {},
              D(tx.jitcnt));
  out.Counter("node_timex_pps_calibration_total", "Pulse per second count of calibration intervals.", {},
              D(tx.calcnt));
  out.Counter("node_timex_pps_error_total", "Pulse per second count of calibration errors.", {}, D(tx.errcnt));
  out.Counter("node_timex_pps_stability_exceeded_total",
              "Pulse per second count of stability limit exceeded events.", {}, D(tx.stbcnt));
  out.Gauge("node_timex_tai_offset_seconds", "International Atomic Time (TAI) offset.", {},
            static_cast<double>(tx.tai));
}

namespace {

class TimexCollector : public Collector {
 public:
  void Collect(MetricSet& out) override {
    struct timex tx {};  // modes 0: read only, no privilege needed
    int state = ::adjtimex(&tx);
    if (state < 0) {
      int err = errno;
      // A sandbox (seccomp, some containers) may refuse the call.
      if (err == EPERM || err == EACCES) return out.SetNoData(fmt::format("adjtimex: {}", std::strerror(err)));
      throw std::runtime_error(fmt::format("failed to retrieve adjtimex stats: {}", std::strerror(err)));
    }
    AddTimexMetrics(tx, state, out);
  }
};

std::unique_ptr<Collector> CreateTimex(const Paths&) { return NewTimexCollector(); }

NODE_AGENT_REGISTER_COLLECTOR("timex", kEnabledByDefault, nullptr, &CreateTimex);

}  // namespace

std::unique_ptr<Collector> NewTimexCollector() { return std::make_unique<TimexCollector>(); }

}  // namespace node_agent
