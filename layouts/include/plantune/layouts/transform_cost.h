#pragma once
// What a transform costs on a device, from measurements: the record the tactic database keeps
// per (shape, layouts, dtypes) so that a schedule can weigh a layout change against the faster
// convolution it buys. Plain data; JSON in transform_cost_json.h.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "plantune/layouts/transform_desc.h"

namespace plantune::layouts {

struct TransformCost {
  TransformDesc desc;
  std::string provider = "plantune";  // who ran it: "plantune", "cudnnTransformTensor", ...
  std::int64_t bytes_moved = 0;       // bytes read + written (bytes_moved(desc))
  double median_ms = 0.0;             // median over the repetitions
  double min_ms = 0.0;
  double max_ms = 0.0;
  int repetitions = 0;
  double gbps = 0.0;                  // bytes_moved / median, in 1e9 bytes per second
  bool operator==(const TransformCost&) const = default;
};

// A cost record from timing samples (ms, at least one, each > 0): median (mean of the middle
// two for an even count), min, max, and GB/s at the median. Throws invalid_argument otherwise.
TransformCost make_transform_cost(const TransformDesc& desc, std::string provider,
                                  std::span<const double> samples_ms);

// Predicted time for `desc` from a measurement of the same kind of transform (same layouts and
// dtypes, another shape): bytes_moved(desc) at the measured GB/s, which holds for
// memory-bound transforms of similar size. Throws invalid_argument when the layouts or dtypes
// differ or the measurement has no bandwidth.
double estimate_ms(const TransformCost& measured, const TransformDesc& desc);

// The best prediction the records of `provider` in `measured` give for `desc`: the median of
// a measurement of exactly `desc` (the fastest, when measured several times); else
// estimate_ms() from the same kind of transform whose bytes_moved is closest to desc's
// (memory-bound kernels reach their bandwidth only on large tensors, so the nearest size
// predicts best); nullopt when nothing of that kind was measured.
std::optional<double> predict_ms(std::span<const TransformCost> measured, const TransformDesc& desc,
                                 std::string_view provider = "plantune");

}  // namespace plantune::layouts
