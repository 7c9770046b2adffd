#pragma once
// INT8 calibration on the host: choose the symmetric range [-amax, amax] that maps onto the int8
// levels [-127, 127] (scale = amax / 127), per tensor from sample data, or per channel for weights.
//   minmax      amax = max |x|: nothing clips, but one outlier stretches every step
//   percentile  amax = the given percentile of |x| (e.g. 99.99): clips the rarest values
//   entropy     TensorRT's method: a 2048-bin histogram of |x|; for each candidate threshold
//               (bin 128..2048) compare the clipped distribution P with its 128-level quantized
//               version Q and keep the threshold of least KL(P || Q)
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "plantune/precision/host_cast.h"

namespace plantune::precision {

enum class CalibrationMethod { minmax, percentile, entropy };

std::string_view to_string(CalibrationMethod m);
std::optional<CalibrationMethod> calibration_method_from_string(std::string_view s);

struct CalibrationOptions {
  CalibrationMethod method = CalibrationMethod::entropy;
  double percentile = 99.99;  // percent of |x| kept unclipped (method percentile), in (0, 100]
  int bins = 2048;            // histogram bins (method entropy)
  int levels = 128;           // quantized levels per sign (int8: 128), <= bins
};

// Equal-width histogram of |x| over [0, range]; values above `range` count in the last bin, as
// when later calibration batches exceed the range the first batch set. NaNs are skipped.
class AbsHistogram {
 public:
  // bins >= 1; range >= 0 and finite (range 0: everything lands in bin 0).
  AbsHistogram(int bins, double range);
  // A histogram with given counts (at least one bin), e.g. merged from several calibration runs.
  AbsHistogram(std::vector<std::uint64_t> counts, double range);

  void add(std::span<const float> data);

  int bins() const { return static_cast<int>(counts_.size()); }
  double range() const { return range_; }
  double bin_width() const { return range_ / static_cast<double>(counts_.size()); }
  const std::vector<std::uint64_t>& counts() const { return counts_; }
  std::uint64_t total() const { return total_; }

 private:
  std::vector<std::uint64_t> counts_;
  double range_;
  std::uint64_t total_ = 0;
};

// max |x| over the finite values (0 for empty or all-zero data).
float amax_minmax(std::span<const float> data);
// The `percentile`-th percentile of |x| (exact, nearest rank), percentile in (0, 100].
float amax_percentile(std::span<const float> data, double percentile);
// TensorRT's entropy threshold over a histogram: returns (argmin KL) * bin_width. Throws
// invalid_argument when levels < 1 or levels > bins.
float amax_entropy(const AbsHistogram& histogram, int levels = 128);

// One tensor's amax by `options.method` (entropy builds a histogram over [0, max|x|]).
float calibrate_amax(std::span<const float> data, const CalibrationOptions& options = {});

// Per-channel min-max for weights: amax of each channel, element i in channel
// (i / layout.inner) % layout.channels (KCRS per output channel: channels=K, inner=C*R*S).
std::vector<float> per_channel_amax(std::span<const float> data, ScaleLayout layout);

// amax / 127; an all-zero tensor (amax 0) gets scale 1 so that quantizing it stays well defined.
float scale_from_amax(float amax);
std::vector<float> scales_from_amax(std::span<const float> amax);

}  // namespace plantune::precision
