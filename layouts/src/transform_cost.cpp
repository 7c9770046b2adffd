#include "plantune/layouts/transform_cost.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "plantune/core/error.h"

namespace plantune::layouts {

TransformCost make_transform_cost(const TransformDesc& desc, std::string provider,
                                  std::span<const double> samples_ms) {
  validate(desc);
  PT_REQUIRE(!samples_ms.empty(), invalid_argument,
             "transform cost of " << to_string(desc) << ": no timing samples");
  for (double s : samples_ms) {
    PT_REQUIRE(std::isfinite(s) && s > 0.0, invalid_argument,
               "transform cost of " << to_string(desc) << ": sample " << s
                                    << " ms is not a positive time");
  }
  std::vector<double> sorted(samples_ms.begin(), samples_ms.end());
  std::sort(sorted.begin(), sorted.end());
  const std::size_t m = sorted.size() / 2;
  TransformCost c;
  c.desc = desc;
  c.provider = std::move(provider);
  c.bytes_moved = bytes_moved(desc);
  c.median_ms = sorted.size() % 2 ? sorted[m] : 0.5 * (sorted[m - 1] + sorted[m]);
  c.min_ms = sorted.front();
  c.max_ms = sorted.back();
  c.repetitions = static_cast<int>(sorted.size());
  c.gbps = static_cast<double>(c.bytes_moved) / (c.median_ms * 1e6);
  return c;
}

double estimate_ms(const TransformCost& measured, const TransformDesc& desc) {
  const TransformDesc& m = measured.desc;
  PT_REQUIRE(m.src_layout == desc.src_layout && m.dst_layout == desc.dst_layout &&
                 m.src_dtype == desc.src_dtype && m.dst_dtype == desc.dst_dtype,
             invalid_argument,
             "estimate_ms: measurement of " << to_string(m) << " cannot predict "
                                            << to_string(desc) << " (layouts or dtypes differ)");
  PT_REQUIRE(measured.gbps > 0.0 && std::isfinite(measured.gbps), invalid_argument,
             "estimate_ms: measurement of " << to_string(m) << " has no bandwidth ("
                                            << measured.gbps << " GB/s)");
  return static_cast<double>(bytes_moved(desc)) / (measured.gbps * 1e6);
}

std::optional<double> predict_ms(std::span<const TransformCost> measured,
                                 const TransformDesc& desc, std::string_view provider) {
  std::optional<double> exact;
  const TransformCost* nearest = nullptr;
  const auto want = static_cast<double>(bytes_moved(desc));
  auto distance = [&](const TransformCost& c) {
    return std::abs(std::log(static_cast<double>(c.bytes_moved) / want));
  };
  for (const TransformCost& c : measured) {
    if (c.provider != provider) continue;
    if (c.desc == desc && c.median_ms > 0.0) {
      exact = exact ? std::min(*exact, c.median_ms) : c.median_ms;
      continue;
    }
    const TransformDesc& m = c.desc;
    if (m.src_layout != desc.src_layout || m.dst_layout != desc.dst_layout ||
        m.src_dtype != desc.src_dtype || m.dst_dtype != desc.dst_dtype) {
      continue;
    }
    if (!(c.gbps > 0.0 && std::isfinite(c.gbps)) || c.bytes_moved <= 0) continue;
    if (nearest == nullptr || distance(c) < distance(*nearest)) nearest = &c;
  }
  if (exact) return exact;
  if (nearest != nullptr) return estimate_ms(*nearest, desc);
  return std::nullopt;
}

}  // namespace plantune::layouts
