#include "plantune/planner/random_problem.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "plantune/core/error.h"

namespace plantune::planner {
namespace {

// splitmix64: small, fast, and the same everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) for n >= 1 (the modulo bias is irrelevant here).
  std::int64_t below(std::int64_t n) { return static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(n)); }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

}  // namespace

Problem random_problem(const RandomProblemOptions& o) {
  PT_REQUIRE(o.buffers >= 0, invalid_argument, "random_problem: negative buffer count " << o.buffers);
  PT_REQUIRE(o.min_size >= 1 && o.max_size >= o.min_size, invalid_argument,
             "random_problem: size range [" << o.min_size << ", " << o.max_size << "] is empty");
  Rng rng(o.seed);
  const std::int64_t steps = o.steps > 0 ? o.steps : std::max<std::int64_t>(o.buffers, 1);
  const double log_lo = std::log(static_cast<double>(o.min_size));
  const double log_hi = std::log(static_cast<double>(o.max_size));
  Problem p;
  p.buffers.resize(static_cast<std::size_t>(o.buffers));
  std::int64_t pinned_top = 0;
  for (std::int32_t i = 0; i < o.buffers; ++i) {
    Buffer& b = p.buffers[static_cast<std::size_t>(i)];
    b.id = i;
    b.name = "b" + std::to_string(i);
    const double kind = rng.unit();
    const std::int64_t max_len = kind < o.long_fraction ? std::max<std::int64_t>(steps / 4, 1)
                                 : kind < o.long_fraction + o.medium_fraction ? 1000
                                                                              : 32;
    b.first = rng.below(steps);
    b.last = std::min(steps, b.first + 1 + rng.below(max_len));
    const double s = std::exp(log_lo + (log_hi - log_lo) * rng.unit());
    b.size = std::clamp(static_cast<std::int64_t>(s), o.min_size, o.max_size);
    if (o.random_alignment) b.alignment = std::int64_t{1} << rng.below(9);
    if (rng.unit() < o.empty_fraction) b.size = 0;
    const double role = rng.unit();
    if (role < o.alias_fraction && i > 0) {
      // Alias an earlier root with room for it, at an offset aligned for this buffer.
      const auto base = static_cast<std::int32_t>(rng.below(i));
      const Buffer& r = p.buffers[static_cast<std::size_t>(base)];
      if (!r.alias && !r.fixed_offset && r.size > 0) {
        b.alignment = std::min(b.alignment, r.alignment);
        b.size = std::min(b.size, r.size);
        const std::int64_t room = (r.size - b.size) / b.alignment;
        b.alias = Alias{base, rng.below(room + 1) * b.alignment};
        // Live near the base: in place (right after it) or as a view (within it).
        b.first = std::max<std::int64_t>(0, r.last - 1 - rng.below(2));
        b.last = std::min(steps, b.first + 1 + rng.below(8));
        if (b.first >= b.last) b.first = b.last - 1;
      }
    } else if (role < o.alias_fraction + o.pinned_fraction) {
      pinned_top = (pinned_top + b.alignment - 1) / b.alignment * b.alignment;
      b.fixed_offset = pinned_top;
      pinned_top += b.size;
    }
  }
  return p;
}

}  // namespace plantune::planner
