#pragma once
// CPU reference for 2-D convolution (cross-correlation, as frameworks define it) with fp64
// accumulation, plus the data helpers the cuDNN tests share: seeded random data and NCHW <->
// NHWC repacking. Tensors are in logical NCHW order, filters KCRS with C = channels per group.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <vector>

namespace plantune::testing {

struct ConvShape {
  std::int64_t n = 1, c = 1, h = 1, w = 1;  // input
  std::int64_t k = 1, r = 1, s = 1;         // k filters of r x s
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_h = 0, pad_w = 0;  // same padding before and after
  std::int64_t dil_h = 1, dil_w = 1;
  std::int64_t groups = 1;

  std::int64_t p() const { return (h + 2 * pad_h - dil_h * (r - 1) - 1) / stride_h + 1; }
  std::int64_t q() const { return (w + 2 * pad_w - dil_w * (s - 1) - 1) / stride_w + 1; }
  std::int64_t c_per_group() const { return c / groups; }
  std::int64_t k_per_group() const { return k / groups; }
  std::size_t x_count() const { return static_cast<std::size_t>(n * c * h * w); }
  std::size_t w_count() const { return static_cast<std::size_t>(k * c_per_group() * r * s); }
  std::size_t y_count() const { return static_cast<std::size_t>(n * k * p() * q()); }

  // "n2 c16 9x9 -> k32 3x3 stride 1 pad 1 dil 1 groups 4"
  std::string name() const {
    std::ostringstream os;
    os << "n" << n << " c" << c << " " << h << "x" << w << " -> k" << k << " " << r << "x" << s
       << " stride " << stride_h << " pad " << pad_h << " dil " << dil_h << " groups " << groups;
    return os.str();
  }
};

// Output y (NKPQ) and, per output, sum |x * w| over the terms it adds: the scale that an
// accumulation error is relative to.
struct ConvReference {
  std::vector<double> y;
  std::vector<double> abs_sum;
};

inline ConvReference conv2d_reference(const ConvShape& sh, std::span<const float> x,
                                      std::span<const float> wt) {
  const std::int64_t P = sh.p(), Q = sh.q(), cg = sh.c_per_group(), kg = sh.k_per_group();
  ConvReference out;
  out.y.assign(sh.y_count(), 0.0);
  out.abs_sum.assign(sh.y_count(), 0.0);
  for (std::int64_t n = 0; n < sh.n; ++n) {
    for (std::int64_t k = 0; k < sh.k; ++k) {
      const std::int64_t g = k / kg;
      for (std::int64_t p = 0; p < P; ++p) {
        for (std::int64_t q = 0; q < Q; ++q) {
          double acc = 0.0, abs_acc = 0.0;
          for (std::int64_t c = 0; c < cg; ++c) {
            const std::int64_t cin = g * cg + c;
            for (std::int64_t r = 0; r < sh.r; ++r) {
              const std::int64_t ih = p * sh.stride_h - sh.pad_h + r * sh.dil_h;
              if (ih < 0 || ih >= sh.h) continue;
              for (std::int64_t s = 0; s < sh.s; ++s) {
                const std::int64_t iw = q * sh.stride_w - sh.pad_w + s * sh.dil_w;
                if (iw < 0 || iw >= sh.w) continue;
                const double xv =
                    x[static_cast<std::size_t>(((n * sh.c + cin) * sh.h + ih) * sh.w + iw)];
                const double wv =
                    wt[static_cast<std::size_t>(((k * cg + c) * sh.r + r) * sh.s + s)];
                acc += xv * wv;
                abs_acc += std::fabs(xv * wv);
              }
            }
          }
          const auto o = static_cast<std::size_t>(((n * sh.k + k) * P + p) * Q + q);
          out.y[o] = acc;
          out.abs_sum[o] = abs_acc;
        }
      }
    }
  }
  return out;
}

// `count` values uniform in [-1, 1], the same for the same seed.
inline std::vector<float> random_uniform(std::size_t count, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (float& f : v) f = dist(gen);
  return v;
}

// Repacks a logical (N, C, H, W) tensor stored NCHW into NHWC storage (and back). Filters
// (K, C, R, S) repack the same way into KRSC.
template <typename T>
std::vector<T> nchw_to_nhwc(std::span<const T> src, std::int64_t N, std::int64_t C, std::int64_t H,
                            std::int64_t W) {
  std::vector<T> dst(src.size());
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t h = 0; h < H; ++h)
        for (std::int64_t w = 0; w < W; ++w)
          dst[static_cast<std::size_t>(((n * H + h) * W + w) * C + c)] =
              src[static_cast<std::size_t>(((n * C + c) * H + h) * W + w)];
  return dst;
}

template <typename T>
std::vector<T> nhwc_to_nchw(std::span<const T> src, std::int64_t N, std::int64_t C, std::int64_t H,
                            std::int64_t W) {
  std::vector<T> dst(src.size());
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t h = 0; h < H; ++h)
        for (std::int64_t w = 0; w < W; ++w)
          dst[static_cast<std::size_t>(((n * C + c) * H + h) * W + w)] =
              src[static_cast<std::size_t>(((n * H + h) * W + w) * C + c)];
  return dst;
}

// Worst |got - ref.y| / max(ref.abs_sum, tiny) over all outputs, and where. NaN in `got`
// (e.g. an output never written) gives an infinite error.
struct ConvError {
  double worst = 0.0;
  std::size_t index = 0;
  double got = 0.0, expected = 0.0, scale = 0.0;

  std::string describe() const {
    std::ostringstream os;
    os << "worst relative error " << worst << " at output " << index << ": got " << got
       << ", expected " << expected << " (sum |x*w| = " << scale << ")";
    return os.str();
  }
};

inline ConvError compare_to_reference(std::span<const double> got, const ConvReference& ref) {
  ConvError e;
  if (got.size() != ref.y.size()) {
    e.worst = std::numeric_limits<double>::infinity();
    return e;
  }
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double scale = std::max(ref.abs_sum[i], 1e-12);
    double rel = std::fabs(got[i] - ref.y[i]) / scale;
    if (std::isnan(rel)) rel = std::numeric_limits<double>::infinity();
    if (rel > e.worst) {
      e.worst = rel;
      e.index = i;
      e.got = got[i];
      e.expected = ref.y[i];
      e.scale = ref.abs_sum[i];
    }
  }
  return e;
}

}  // namespace plantune::testing
