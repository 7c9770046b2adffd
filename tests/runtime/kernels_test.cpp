// The layer kernels (kernels.h) against CPU references in fp64 on fresh random data: every
// launcher in fp32, fp16 and bf16, NCHW and NHWC, odd sizes (C, H, W not multiples of 8) and
// vector-friendly ones, pads, strides and ceil_mode, in-place forms, misaligned pointers (the
// scalar paths), ResNet-50's batch-32 shapes with their bandwidth; and the argument checks
// (these need no GPU: every check runs before any launch).
#include "plantune/runtime/kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "plantune/core/device_buffer.h"
#include "plantune/core/error.h"
#include "plantune/core/event.h"
#include "plantune/core/stream.h"
#include "plantune/layouts/host_transform.h"
#include "plantune/precision/host_cast.h"
#include "support/gpu_skip.h"

namespace plantune::runtime::kernels {
namespace {

using layouts::Dims4;

constexpr DType kTypes[] = {DType::fp32, DType::fp16, DType::bf16};
constexpr Layout kLayouts[] = {Layout::nchw, Layout::nhwc};
constexpr Activation kActs[] = {Activation::none,    Activation::relu, Activation::relu6,
                                Activation::sigmoid, Activation::silu, Activation::gelu,
                                Activation::hard_swish};

std::int64_t count(const Dims4& d) { return d.n * d.c * d.h * d.w; }

// ---- host <-> device ----------------------------------------------------------------------------

// Random values exactly representable in `t` (so the reference sees what the GPU reads).
std::vector<float> random_values(std::int64_t n, DType t, std::mt19937& rng, float lo = -3.0f,
                                 float hi = 3.0f) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(static_cast<std::size_t>(n));
  for (float& x : v) x = u(rng);
  std::vector<std::byte> tmp(v.size() * static_cast<std::size_t>(dtype_size(t)));
  precision::cast_host(v.data(), DType::fp32, tmp.data(), t, n);
  precision::cast_host(tmp.data(), t, v.data(), DType::fp32, n);
  return v;
}

// A device tensor: logical NCHW values stored in `layout` as `dtype`, `offset` elements into
// its buffer (offset 1 misaligns the pointer and forces the scalar paths).
struct GpuTensor {
  DeviceBytes buf;
  TensorRef ref;
};

GpuTensor upload(const std::vector<float>& nchw, const Dims4& d, DType t, Layout layout,
                 std::size_t offset = 0) {
  const auto& tl = layout == Layout::nhwc ? layouts::kNHWC : layouts::kNCHW;
  const std::vector<float> stored = layouts::transform_host<float>(nchw, d, layouts::kNCHW, tl);
  const auto es = static_cast<std::size_t>(dtype_size(t));
  std::vector<std::byte> host((stored.size() + offset) * es, std::byte{0x7f});
  precision::cast_host(stored.data(), DType::fp32, host.data() + offset * es, t,
                       static_cast<std::int64_t>(stored.size()));
  GpuTensor g{DeviceBytes(host.size()), {}};
  g.buf.upload(host);
  g.ref = TensorRef{g.buf.data() + offset * es, t, layout, d.n, d.c, d.h, d.w};
  return g;
}

// An output tensor filled with 0x7f bytes (large finite garbage the kernel must overwrite).
GpuTensor output(const Dims4& d, DType t, Layout layout, std::size_t offset = 0) {
  const auto es = static_cast<std::size_t>(dtype_size(t));
  GpuTensor g{DeviceBytes((static_cast<std::size_t>(count(d)) + offset) * es), {}};
  g.buf.fill_bytes(0x7f);
  g.ref = TensorRef{g.buf.data() + offset * es, t, layout, d.n, d.c, d.h, d.w};
  return g;
}

// The tensor's logical NCHW values as fp32 (synchronizes the device first).
std::vector<float> download(const TensorRef& r) {
  PT_CUDA_CHECK(cudaDeviceSynchronize());
  const Dims4 d{r.n, r.c, r.h, r.w};
  const auto es = static_cast<std::size_t>(dtype_size(r.dtype));
  std::vector<std::byte> host(static_cast<std::size_t>(count(d)) * es);
  PT_CUDA_CHECK(cudaMemcpy(host.data(), r.data, host.size(), cudaMemcpyDeviceToHost));
  std::vector<float> stored(static_cast<std::size_t>(count(d)));
  precision::cast_host(host.data(), r.dtype, stored.data(), DType::fp32, count(d));
  const auto& tl = r.layout == Layout::nhwc ? layouts::kNHWC : layouts::kNCHW;
  return layouts::transform_host<float>(stored, d, tl, layouts::kNCHW);
}

// ---- comparison ---------------------------------------------------------------------------------

// |got - want| <= rtol |want| + atol: one rounding of the dtype plus fp32 arithmetic.
struct Tolerance {
  double rtol, atol;
};
Tolerance tolerance(DType t) {
  switch (t) {
    case DType::fp16: return {1.5e-3, 1e-3};
    case DType::bf16: return {1e-2, 1e-2};
    default: return {2e-5, 2e-5};
  }
}

// Counts mismatches, reporting the first few; exact=true demands equal values (max, copies).
int mismatches(const std::vector<float>& got, const std::vector<double>& want, DType t,
               const std::string& what, bool exact = false) {
  EXPECT_EQ(got.size(), want.size()) << what;
  const Tolerance tol = tolerance(t);
  int bad = 0;
  for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    const double g = got[i], w = want[i];
    const bool ok = exact ? (g == static_cast<double>(static_cast<float>(w)) ||
                             (std::isnan(g) && std::isnan(w)))
                          : std::abs(g - w) <= tol.rtol * std::abs(w) + tol.atol;
    if (!ok && bad++ < 3) {
      ADD_FAILURE() << what << ": element " << i << " got " << g << " want " << w;
    }
  }
  return bad;
}

std::string describe(const char* op, DType t, Layout l, const Dims4& d) {
  std::ostringstream s;
  s << op << " " << to_string(t) << " " << to_string(l) << " " << layouts::to_string(d);
  return s.str();
}

// ---- CPU references (NCHW, fp64) ----------------------------------------------------------------

std::size_t at(const Dims4& d, std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w) {
  return static_cast<std::size_t>(((n * d.c + c) * d.h + h) * d.w + w);
}

double act_ref(Activation a, double v) {
  switch (a) {
    case Activation::none: return v;
    case Activation::relu: return std::max(v, 0.0);
    case Activation::relu6: return std::min(std::max(v, 0.0), 6.0);
    case Activation::sigmoid: return 1.0 / (1.0 + std::exp(-v));
    case Activation::silu: return v / (1.0 + std::exp(-v));
    case Activation::gelu: return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
    case Activation::hard_swish: return v * std::min(std::max(v + 3.0, 0.0), 6.0) / 6.0;
  }
  return v;
}

Dims4 pool_out_dims(const Dims4& d, const PoolAttrs& a) {
  const Op op{"pool", OpKind::max_pool, {0}, 1, a};
  const TensorShape in{{d.n, d.c, d.h, d.w}};
  const TensorShape out = infer_output_shape(op, std::span<const TensorShape>(&in, 1));
  return {out.dims[0], out.dims[1], out.dims[2], out.dims[3]};
}

// PyTorch's pooling written from its definition: the window of output (oh, ow) covers padded
// rows oh*s - p .. oh*s - p + k - 1; max skips padding; avg (count_include_pad=True) divides by
// the window positions that lie inside input + padding on both sides.
std::vector<double> pool_ref(const std::vector<float>& x, const Dims4& d, const PoolAttrs& a,
                             bool max) {
  const Dims4 o = pool_out_dims(d, a);
  std::vector<double> y(static_cast<std::size_t>(count(o)));
  for (std::int64_t n = 0; n < o.n; ++n)
    for (std::int64_t c = 0; c < o.c; ++c)
      for (std::int64_t oh = 0; oh < o.h; ++oh)
        for (std::int64_t ow = 0; ow < o.w; ++ow) {
          double m = -std::numeric_limits<double>::infinity(), sum = 0.0;
          int positions = 0;
          for (std::int64_t r = 0; r < a.kernel_h; ++r)
            for (std::int64_t s = 0; s < a.kernel_w; ++s) {
              const std::int64_t h = oh * a.stride_h - a.pad_h + r;
              const std::int64_t w = ow * a.stride_w - a.pad_w + s;
              if (h < d.h + a.pad_h && w < d.w + a.pad_w) ++positions;
              if (h < 0 || h >= d.h || w < 0 || w >= d.w) continue;
              const double v = x[at(d, n, c, h, w)];
              m = std::max(m, v);
              sum += v;
            }
          y[at(o, n, c, oh, ow)] = max ? m : sum / positions;
        }
  return y;
}

// ---- pooling ------------------------------------------------------------------------------------

struct PoolCase {
  Dims4 dims;
  PoolAttrs attrs;
};

std::vector<PoolCase> pool_cases() {
  auto pa = [](std::int64_t kh, std::int64_t kw, std::int64_t sh, std::int64_t sw,
               std::int64_t ph, std::int64_t pw, bool ceil) {
    return PoolAttrs{kh, kw, sh, sw, ph, pw, ceil};
  };
  return {
      {{2, 5, 9, 11}, pa(3, 3, 2, 2, 1, 1, false)},   // ResNet's stem pool on odd sizes
      {{2, 16, 12, 10}, pa(3, 3, 2, 2, 1, 1, false)}, // vector path (C % 8 == 0)
      {{1, 24, 7, 7}, pa(2, 2, 2, 2, 0, 0, false)},
      {{2, 3, 10, 9}, pa(3, 3, 1, 1, 1, 1, false)},   // stride 1, same size
      {{1, 8, 8, 8}, pa(3, 3, 2, 2, 0, 0, true)},     // ceil_mode adds a partial window
      {{2, 7, 11, 6}, pa(3, 2, 2, 1, 1, 0, true)},    // rectangular, ceil_mode, padding
      {{1, 32, 13, 13}, pa(5, 5, 3, 3, 2, 2, true)},  // ceil window past the padding (avg)
  };
}

TEST(Pool, MaxAndAvgMatchCpuReferenceForEveryTypeAndLayout) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: pooling kernels";
  std::mt19937 rng(11);
  int bad = 0, cases = 0;
  for (const PoolCase& pc : pool_cases()) {
    const Dims4 od = pool_out_dims(pc.dims, pc.attrs);
    for (DType t : kTypes) {
      for (Layout l : kLayouts) {
        for (std::size_t offset : {0, 1}) {
          const auto xv = random_values(count(pc.dims), t, rng);
          const GpuTensor x = upload(xv, pc.dims, t, l, offset);
          GpuTensor ymax = output(od, t, l, offset), yavg = output(od, t, l, offset);
          max_pool(x.ref, ymax.ref, pc.attrs, nullptr);
          avg_pool(x.ref, yavg.ref, pc.attrs, nullptr);
          const std::string what = describe("pool", t, l, pc.dims) + " offset " +
                                   std::to_string(offset);
          bad += mismatches(download(ymax.ref), pool_ref(xv, pc.dims, pc.attrs, true), t,
                            "max_" + what, /*exact=*/true);
          bad += mismatches(download(yavg.ref), pool_ref(xv, pc.dims, pc.attrs, false), t,
                            "avg_" + what);
          ++cases;
          ASSERT_LT(bad, 20);
        }
      }
    }
  }
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(cases, 7 * 3 * 2 * 2);
}

TEST(Pool, MaxPoolPropagatesNaN) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: pooling kernels";
  const Dims4 d{1, 8, 4, 4};
  std::mt19937 rng(3);
  for (Layout l : kLayouts) {
    auto xv = random_values(count(d), DType::fp32, rng);
    xv[at(d, 0, 2, 1, 1)] = std::numeric_limits<float>::quiet_NaN();
    const GpuTensor x = upload(xv, d, DType::fp32, l);
    const PoolAttrs a{2, 2, 2, 2, 0, 0, false};
    GpuTensor y = output({1, 8, 2, 2}, DType::fp32, l);
    max_pool(x.ref, y.ref, a, nullptr);
    const auto got = download(y.ref);
    EXPECT_TRUE(std::isnan(got[at({1, 8, 2, 2}, 0, 2, 0, 0)])) << to_string(l);
    EXPECT_FALSE(std::isnan(got[at({1, 8, 2, 2}, 0, 2, 0, 1)])) << to_string(l);
  }
}

TEST(Pool, GlobalAvgPoolMatchesCpuReference) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: pooling kernels";
  std::mt19937 rng(12);
  const Dims4 shapes[] = {{2, 5, 3, 7}, {2, 64, 7, 7}, {1, 24, 1, 1}, {3, 40, 17, 13},
                          {1, 3, 64, 64}};
  int bad = 0;
  for (const Dims4& d : shapes) {
    for (DType t : kTypes) {
      for (Layout l : kLayouts) {
        for (std::size_t offset : {0, 1}) {
          const auto xv = random_values(count(d), t, rng);
          const GpuTensor x = upload(xv, d, t, l, offset);
          GpuTensor y = output({d.n, d.c, 1, 1}, t, l, offset);
          global_avg_pool(x.ref, y.ref, nullptr);
          std::vector<double> want(static_cast<std::size_t>(d.n * d.c), 0.0);
          for (std::int64_t n = 0; n < d.n; ++n)
            for (std::int64_t c = 0; c < d.c; ++c) {
              double s = 0.0;
              for (std::int64_t h = 0; h < d.h; ++h)
                for (std::int64_t w = 0; w < d.w; ++w) s += xv[at(d, n, c, h, w)];
              want[static_cast<std::size_t>(n * d.c + c)] = s / static_cast<double>(d.h * d.w);
            }
          bad += mismatches(download(y.ref), want, t, describe("global_avg_pool", t, l, d));
        }
      }
    }
  }
  EXPECT_EQ(bad, 0);
}

// ---- element-wise -------------------------------------------------------------------------------

const Dims4 kEltShapes[] = {
    {2, 5, 3, 7},    // nothing a multiple of 8: scalar paths
    {2, 16, 4, 6},   // C and H*W multiples of 8: vector paths in both layouts
    {1, 24, 5, 5},   // NHWC vector (C % 8 == 0), NCHW per-channel scalar (H*W = 25)
    {3, 7, 8, 8},    // NCHW vector (H*W % 8 == 0), NHWC per-channel scalar
    {5, 11, 1, 1},   // [N, F]
};

TEST(Eltwise, AddAndActivationMatchCpuReferenceIncludingInPlace) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: eltwise kernels";
  std::mt19937 rng(21);
  int bad = 0;
  for (const Dims4& d : kEltShapes) {
    for (DType t : kTypes) {
      for (Layout l : kLayouts) {
        for (Activation act : kActs) {
          const std::string what = describe("add", t, l, d) + " " + std::string(to_string(act));
          const auto av = random_values(count(d), t, rng, -8.0f, 8.0f);
          const auto bv = random_values(count(d), t, rng);
          std::vector<double> want_add(av.size()), want_act(av.size());
          for (std::size_t i = 0; i < av.size(); ++i) {
            want_add[i] = act_ref(act, static_cast<double>(av[i]) + bv[i]);
            want_act[i] = act_ref(act, av[i]);
          }
          const GpuTensor a = upload(av, d, t, l), b = upload(bv, d, t, l);
          GpuTensor y = output(d, t, l);
          add(a.ref, b.ref, y.ref, act, nullptr);
          bad += mismatches(download(y.ref), want_add, t, what);
          // In place on either operand.
          const GpuTensor a2 = upload(av, d, t, l), b2 = upload(bv, d, t, l);
          add(a2.ref, b2.ref, a2.ref, act, nullptr);
          bad += mismatches(download(a2.ref), want_add, t, what + " y == a");
          add(a.ref, b2.ref, b2.ref, act, nullptr);
          bad += mismatches(download(b2.ref), want_add, t, what + " y == b");
          // Misaligned (scalar path).
          const GpuTensor a3 = upload(av, d, t, l, 1), b3 = upload(bv, d, t, l, 1);
          GpuTensor y3 = output(d, t, l, 1);
          add(a3.ref, b3.ref, y3.ref, act, nullptr);
          bad += mismatches(download(y3.ref), want_add, t, what + " misaligned");
          // activation, out of place and in place.
          GpuTensor ya = output(d, t, l);
          activation(a.ref, ya.ref, act, nullptr);
          bad += mismatches(download(ya.ref), want_act, t, what + " activation");
          activation(a3.ref, a3.ref, act, nullptr);
          bad += mismatches(download(a3.ref), want_act, t, what + " activation in place");
          ASSERT_LT(bad, 20);
        }
      }
    }
  }
  EXPECT_EQ(bad, 0);
}

TEST(Eltwise, MulFullAndBroadcastMatchCpuReference) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: eltwise kernels";
  std::mt19937 rng(22);
  int bad = 0;
  for (const Dims4& d : kEltShapes) {
    for (DType t : kTypes) {
      for (Layout l : kLayouts) {
        for (Activation act : {Activation::none, Activation::sigmoid, Activation::relu}) {
          const std::string what = describe("mul", t, l, d) + " " + std::string(to_string(act));
          const Dims4 bd{d.n, d.c, 1, 1};
          const auto av = random_values(count(d), t, rng);
          const auto fv = random_values(count(d), t, rng);
          const auto bv = random_values(count(bd), t, rng);
          std::vector<double> want_full(av.size()), want_bc(av.size());
          for (std::int64_t n = 0; n < d.n; ++n)
            for (std::int64_t c = 0; c < d.c; ++c)
              for (std::int64_t h = 0; h < d.h; ++h)
                for (std::int64_t w = 0; w < d.w; ++w) {
                  const std::size_t i = at(d, n, c, h, w);
                  want_full[i] = act_ref(act, static_cast<double>(av[i]) * fv[i]);
                  want_bc[i] = act_ref(act, static_cast<double>(av[i]) *
                                                bv[static_cast<std::size_t>(n * d.c + c)]);
                }
          for (std::size_t offset : {0, 1}) {
            const std::string w2 = what + " offset " + std::to_string(offset);
            const GpuTensor a = upload(av, d, t, l, offset), f = upload(fv, d, t, l, offset);
            const GpuTensor b = upload(bv, bd, t, l, offset);
            GpuTensor y = output(d, t, l, offset);
            mul(a.ref, f.ref, y.ref, act, nullptr);
            bad += mismatches(download(y.ref), want_full, t, w2 + " full");
            mul(a.ref, b.ref, y.ref, act, nullptr);
            bad += mismatches(download(y.ref), want_bc, t, w2 + " broadcast");
            mul(a.ref, b.ref, a.ref, act, nullptr);
            bad += mismatches(download(a.ref), want_bc, t, w2 + " broadcast in place");
          }
          ASSERT_LT(bad, 20);
        }
      }
    }
  }
  EXPECT_EQ(bad, 0);
}

TEST(Eltwise, BiasResidualActivationMatchesCpuReference) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: eltwise kernels";
  std::mt19937 rng(23);
  int bad = 0;
  for (const Dims4& d : kEltShapes) {
    for (DType t : kTypes) {
      for (Layout l : kLayouts) {
        for (Activation act : kActs) {
          for (int variant = 0; variant < 4; ++variant) {
            const bool with_bias = variant & 1, with_res = variant & 2;
            const std::string what = describe("bias_residual_activation", t, l, d) + " " +
                                     std::string(to_string(act)) + (with_bias ? " +bias" : "") +
                                     (with_res ? " +residual" : "");
            const auto yv = random_values(count(d), t, rng);
            const auto zv = random_values(count(d), t, rng);
            const auto bv = random_values(d.c, t, rng);
            std::vector<double> want(yv.size());
            for (std::int64_t n = 0; n < d.n; ++n)
              for (std::int64_t c = 0; c < d.c; ++c)
                for (std::int64_t h = 0; h < d.h; ++h)
                  for (std::int64_t w = 0; w < d.w; ++w) {
                    const std::size_t i = at(d, n, c, h, w);
                    double v = yv[i];
                    if (with_bias) v += bv[static_cast<std::size_t>(c)];
                    if (with_res) v += zv[i];
                    want[i] = act_ref(act, v);
                  }
            for (std::size_t offset : {0, 1}) {
              const GpuTensor y = upload(yv, d, t, l, offset), z = upload(zv, d, t, l, offset);
              const GpuTensor b = upload(bv, {1, d.c, 1, 1}, t, Layout::nchw);
              bias_residual_activation(y.ref, with_bias ? b.ref.data : nullptr,
                                       with_res ? &z.ref : nullptr, act, nullptr);
              bad += mismatches(download(y.ref), want, t,
                                what + " offset " + std::to_string(offset));
            }
            ASSERT_LT(bad, 20);
          }
        }
      }
    }
  }
  EXPECT_EQ(bad, 0);
}

TEST(Eltwise, ScaleShiftMatchesCpuReference) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: eltwise kernels";
  std::mt19937 rng(24);
  int bad = 0;
  for (const Dims4& d : kEltShapes) {
    for (DType t : kTypes) {
      for (Layout l : kLayouts) {
        for (Activation act : {Activation::none, Activation::relu, Activation::silu}) {
          const auto xv = random_values(count(d), t, rng);
          const auto sv = random_values(d.c, DType::fp32, rng, 0.2f, 2.0f);
          const auto hv = random_values(d.c, DType::fp32, rng);
          std::vector<double> want(xv.size());
          for (std::int64_t n = 0; n < d.n; ++n)
            for (std::int64_t c = 0; c < d.c; ++c)
              for (std::int64_t h = 0; h < d.h; ++h)
                for (std::int64_t w = 0; w < d.w; ++w) {
                  const std::size_t i = at(d, n, c, h, w);
                  const auto ci = static_cast<std::size_t>(c);
                  want[i] = act_ref(act, static_cast<double>(xv[i]) * sv[ci] + hv[ci]);
                }
          DeviceBuffer<float> scale(sv.size()), shift(hv.size());
          scale.upload(sv);
          shift.upload(hv);
          const std::string what = describe("scale_shift", t, l, d) + " " +
                                   std::string(to_string(act));
          for (std::size_t offset : {0, 1}) {
            const GpuTensor x = upload(xv, d, t, l, offset);
            GpuTensor y = output(d, t, l, offset);
            scale_shift(x.ref, y.ref, scale.data(), shift.data(), nullptr, act);
            bad += mismatches(download(y.ref), want, t, what);
            scale_shift(x.ref, x.ref, scale.data(), shift.data(), nullptr, act);
            bad += mismatches(download(x.ref), want, t, what + " in place");
          }
          ASSERT_LT(bad, 20);
        }
      }
    }
  }
  EXPECT_EQ(bad, 0);
}

// ---- softmax ------------------------------------------------------------------------------------

TEST(Softmax, ChannelSoftmaxMatchesCpuReference) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: softmax kernel";
  std::mt19937 rng(31);
  const Dims4 shapes[] = {{4, 10, 1, 1}, {2, 1000, 1, 1}, {3, 37, 1, 1}, {1, 1, 1, 1},
                          {2, 21, 5, 7}, {1, 64, 4, 4}};
  int bad = 0;
  for (const Dims4& d : shapes) {
    for (DType t : kTypes) {
      for (Layout l : kLayouts) {
        // Wide logits: without the max subtraction exp() would overflow fp32.
        const auto xv = random_values(count(d), t, rng, -60.0f, 120.0f);
        std::vector<double> want(xv.size());
        for (std::int64_t n = 0; n < d.n; ++n)
          for (std::int64_t h = 0; h < d.h; ++h)
            for (std::int64_t w = 0; w < d.w; ++w) {
              double m = -std::numeric_limits<double>::infinity(), s = 0.0;
              for (std::int64_t c = 0; c < d.c; ++c) m = std::max<double>(m, xv[at(d, n, c, h, w)]);
              for (std::int64_t c = 0; c < d.c; ++c) s += std::exp(xv[at(d, n, c, h, w)] - m);
              for (std::int64_t c = 0; c < d.c; ++c) {
                want[at(d, n, c, h, w)] = std::exp(xv[at(d, n, c, h, w)] - m) / s;
              }
            }
        const GpuTensor x = upload(xv, d, t, l);
        GpuTensor y = output(d, t, l);
        softmax(x.ref, y.ref, nullptr);
        bad += mismatches(download(y.ref), want, t, describe("softmax", t, l, d));
        softmax(x.ref, x.ref, nullptr);
        bad += mismatches(download(x.ref), want, t, describe("softmax in place", t, l, d));
        ASSERT_LT(bad, 20);
      }
    }
  }
  EXPECT_EQ(bad, 0);
}

// ---- concat -------------------------------------------------------------------------------------

TEST(Concat, ChannelConcatMatchesCpuReference) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: concat kernel";
  std::mt19937 rng(41);
  struct Case {
    Dims4 base;  // C unused
    std::vector<std::int64_t> channels;
  };
  const Case cases[] = {{{2, 0, 5, 7}, {3, 8, 5}},
                        {{1, 0, 4, 4}, {8, 16}},
                        {{3, 0, 3, 3}, {1, 1, 1, 1}},
                        {{2, 0, 1, 1}, {10, 6}},
                        {{1, 0, 6, 5}, {32, 24, 7}}};
  int bad = 0;
  for (const Case& cs : cases) {
    for (DType t : kTypes) {
      for (Layout l : kLayouts) {
        for (std::size_t offset : {0, 1}) {
          std::int64_t total = 0;
          for (auto c : cs.channels) total += c;
          const Dims4 yd{cs.base.n, total, cs.base.h, cs.base.w};
          std::vector<GpuTensor> xs;
          std::vector<TensorRef> refs;
          std::vector<double> want(static_cast<std::size_t>(count(yd)));
          std::int64_t c0 = 0;
          for (auto c : cs.channels) {
            const Dims4 xd{yd.n, c, yd.h, yd.w};
            const auto xv = random_values(count(xd), t, rng);
            for (std::int64_t n = 0; n < yd.n; ++n)
              for (std::int64_t k = 0; k < c; ++k)
                for (std::int64_t h = 0; h < yd.h; ++h)
                  for (std::int64_t w = 0; w < yd.w; ++w) {
                    want[at(yd, n, c0 + k, h, w)] = xv[at(xd, n, k, h, w)];
                  }
            xs.push_back(upload(xv, xd, t, l, offset));
            refs.push_back(xs.back().ref);
            c0 += c;
          }
          GpuTensor y = output(yd, t, l, offset);
          concat(refs, y.ref, nullptr);
          bad += mismatches(download(y.ref), want, t, describe("concat", t, l, yd), true);
        }
      }
    }
  }
  EXPECT_EQ(bad, 0);
}

// ---- upsample -----------------------------------------------------------------------------------

// PyTorch's nn.Upsample(scale_factor=s, mode=...), align_corners=False, from its definition.
std::vector<double> upsample_ref(const std::vector<float>& x, const Dims4& d,
                                 const UpsampleAttrs& a) {
  const Dims4 o{d.n, d.c, d.h * a.scale_h, d.w * a.scale_w};
  std::vector<double> y(static_cast<std::size_t>(count(o)));
  auto source = [](std::int64_t dst, std::int64_t scale) {
    return std::max((dst + 0.5) / static_cast<double>(scale) - 0.5, 0.0);
  };
  for (std::int64_t n = 0; n < o.n; ++n)
    for (std::int64_t c = 0; c < o.c; ++c)
      for (std::int64_t oh = 0; oh < o.h; ++oh)
        for (std::int64_t ow = 0; ow < o.w; ++ow) {
          double v;
          if (a.mode == UpsampleMode::nearest) {
            v = x[at(d, n, c, oh / a.scale_h, ow / a.scale_w)];
          } else {
            const double sy = source(oh, a.scale_h), sx = source(ow, a.scale_w);
            const auto y0 = static_cast<std::int64_t>(std::floor(sy));
            const auto x0 = static_cast<std::int64_t>(std::floor(sx));
            const std::int64_t y1 = std::min(y0 + 1, d.h - 1), x1 = std::min(x0 + 1, d.w - 1);
            const double ly = sy - y0, lx = sx - x0;
            v = (1 - ly) * ((1 - lx) * x[at(d, n, c, y0, x0)] + lx * x[at(d, n, c, y0, x1)]) +
                ly * ((1 - lx) * x[at(d, n, c, y1, x0)] + lx * x[at(d, n, c, y1, x1)]);
          }
          y[at(o, n, c, oh, ow)] = v;
        }
  return y;
}

TEST(Upsample, NearestAndBilinearMatchCpuReference) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: upsample kernel";
  std::mt19937 rng(51);
  const Dims4 shapes[] = {{2, 5, 3, 7}, {1, 16, 4, 4}, {2, 3, 1, 5}, {1, 8, 6, 1}};
  const std::pair<std::int64_t, std::int64_t> scales[] = {{2, 2}, {3, 2}, {1, 3}, {4, 4}};
  int bad = 0;
  for (const Dims4& d : shapes) {
    for (auto [sh, sw] : scales) {
      for (UpsampleMode mode : {UpsampleMode::nearest, UpsampleMode::bilinear}) {
        for (DType t : kTypes) {
          for (Layout l : kLayouts) {
            for (std::size_t offset : {0, 1}) {
              const UpsampleAttrs a{sh, sw, mode};
              const auto xv = random_values(count(d), t, rng);
              const GpuTensor x = upload(xv, d, t, l, offset);
              GpuTensor y = output({d.n, d.c, d.h * sh, d.w * sw}, t, l, offset);
              upsample(x.ref, y.ref, a, nullptr);
              const std::string what = describe("upsample", t, l, d) + " " +
                                       std::string(to_string(mode)) + " " +
                                       std::to_string(sh) + "x" + std::to_string(sw);
              bad += mismatches(download(y.ref), upsample_ref(xv, d, a), t, what,
                                mode == UpsampleMode::nearest);
              ASSERT_LT(bad, 20);
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(bad, 0);
}

// ---- ResNet-50 at batch 32, fp16 NHWC: correct and near memory bandwidth ------------------------

// Median milliseconds of `reps` enqueues of `f` on `stream`, after two warm-up calls.
template <typename F>
double median_ms(cudaStream_t stream, int reps, F&& f) {
  f();
  f();
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    Event start, stop;
    start.record(stream);
    f();
    stop.record(stream);
    stop.synchronize();
    ms.push_back(stop - start);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

TEST(Bandwidth, ResNet50Batch32MaxPoolAndResidualAddFp16Nhwc) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: kernel timing";
  std::mt19937 rng(61);
  Stream stream;
  const DType t = DType::fp16;
  const Layout l = Layout::nhwc;

  // The stem's 3x3/2 max pool: [32, 64, 112, 112] -> [32, 64, 56, 56].
  const Dims4 pd{32, 64, 112, 112};
  const PoolAttrs pa{3, 3, 2, 2, 1, 1, false};
  const auto xv = random_values(count(pd), t, rng);
  const GpuTensor x = upload(xv, pd, t, l);
  GpuTensor y = output(pool_out_dims(pd, pa), t, l);
  const double pool_ms =
      median_ms(stream.get(), 20, [&] { max_pool(x.ref, y.ref, pa, stream.get()); });
  EXPECT_EQ(mismatches(download(y.ref), pool_ref(xv, pd, pa, true), t, "max_pool", true), 0);

  // A bottleneck's residual add + relu in place: [32, 256, 56, 56].
  const Dims4 ad{32, 256, 56, 56};
  const auto av = random_values(count(ad), t, rng), bv = random_values(count(ad), t, rng);
  GpuTensor a = upload(av, ad, t, l);
  const GpuTensor b = upload(bv, ad, t, l);
  const double add_ms = median_ms(stream.get(), 20, [&] {
    add(a.ref, b.ref, a.ref, Activation::relu, stream.get());
  });
  // Checked on a fresh copy: the timed runs applied the add 22 times.
  GpuTensor a2 = upload(av, ad, t, l);
  add(a2.ref, b.ref, a2.ref, Activation::relu, nullptr);
  std::vector<double> want(av.size());
  for (std::size_t i = 0; i < av.size(); ++i) want[i] = std::max(0.0, double{av[i]} + bv[i]);
  EXPECT_EQ(mismatches(download(a2.ref), want, t, "add"), 0);

  const double pool_gbs = static_cast<double>(bytes(x.ref) + bytes(y.ref)) / pool_ms / 1e6;
  const double add_gbs = 3.0 * static_cast<double>(bytes(a.ref)) / add_ms / 1e6;
  RecordProperty("max_pool_ms", std::to_string(pool_ms));
  RecordProperty("max_pool_GBps", std::to_string(pool_gbs));
  RecordProperty("add_relu_ms", std::to_string(add_ms));
  RecordProperty("add_relu_GBps", std::to_string(add_gbs));
  std::printf("max_pool [32,64,112,112] fp16 nhwc: %.3f ms, %.0f GB/s\n", pool_ms, pool_gbs);
  std::printf("add+relu [32,256,56,56] fp16 nhwc:  %.3f ms, %.0f GB/s\n", add_ms, add_gbs);
  // A loose floor (an H100 moves ~3 TB/s): catches a kernel that lost its vector path or
  // coalescing, not a tuning regression.
  EXPECT_GT(pool_gbs, 500.0);
  EXPECT_GT(add_gbs, 500.0);
}

// ---- argument checks (no GPU needed: they throw before any launch) ------------------------------

// Fake device pointers far apart: never dereferenced, since every call below throws first.
TensorRef fake(std::uintptr_t base, Dims4 d, DType t = DType::fp16, Layout l = Layout::nhwc) {
  return TensorRef{reinterpret_cast<void*>(base << 32), t, l, d.n, d.c, d.h, d.w};
}

template <typename F>
void expect_invalid(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(KernelArguments, MismatchesThrowInvalidArgumentNamingTheProblem) {
  const Dims4 d{2, 8, 6, 6};
  const Activation none = Activation::none;
  expect_invalid([&] { add(fake(1, d), fake(2, {2, 8, 6, 5}), fake(3, d), none, nullptr); },
                 "b fp16 nhwc [2, 8, 6, 5] must have the dims");
  expect_invalid([&] {
    add(fake(1, d), fake(2, d, DType::fp32), fake(3, d), Activation::none, nullptr);
  }, "must have the dims, dtype and layout");
  expect_invalid([&] {
    activation(fake(1, d, DType::int8), fake(2, d, DType::int8), Activation::relu, nullptr);
  }, "dtype int8 is not supported");
  expect_invalid([&] { mul(fake(1, d), fake(2, {1, 8, 1, 1}), fake(3, d), none, nullptr); },
                 "must be [2, 8, 1, 1]");
  expect_invalid([&] {
    max_pool(fake(1, d), fake(2, {2, 8, 4, 4}), PoolAttrs{3, 3, 2, 2, 1, 1, false}, nullptr);
  }, "must be [2, 8, 3, 3]");
  expect_invalid([&] {
    avg_pool(fake(1, d), fake(2, {2, 8, 3, 3}, DType::fp16, Layout::nchw),
             PoolAttrs{3, 3, 2, 2, 1, 1, false}, nullptr);
  }, "dtype and layout of x");
  expect_invalid([&] { global_avg_pool(fake(1, d), fake(2, {2, 8, 2, 1}), nullptr); },
                 "must be [2, 8, 1, 1]");
  const TensorRef parts[] = {fake(1, {2, 3, 6, 6}), fake(2, {2, 4, 6, 6})};
  expect_invalid([&] { concat(parts, fake(3, d), nullptr); }, "7 channels in all");
  const TensorRef bad_parts[] = {fake(1, {2, 3, 6, 6}), fake(2, {2, 5, 6, 5})};
  expect_invalid([&] { concat(bad_parts, fake(3, d), nullptr); }, "input 1");
  expect_invalid([&] {
    upsample(fake(1, d), fake(2, {2, 8, 12, 13}), UpsampleAttrs{2, 2, UpsampleMode::nearest},
             nullptr);
  }, "must be [2, 8, 12, 12]");
  expect_invalid([&] { softmax(fake(1, d), fake(2, {2, 9, 6, 6}), nullptr); },
                 "must have the dims");
  const TensorRef y = fake(1, d);
  TensorRef overlapping = y;
  overlapping.data = static_cast<std::byte*>(y.data) + 2;
  expect_invalid([&] { add(y, fake(2, d), overlapping, Activation::none, nullptr); },
                 "overlaps a without being it");
  expect_invalid([&] { bias_residual_activation(y, nullptr, &y, Activation::relu, nullptr); },
                 "residual overlaps y");
  expect_invalid([&] { scale_shift(y, y, nullptr, nullptr, nullptr); }, "scale and shift");
  TensorRef null_data = y;
  null_data.data = nullptr;
  expect_invalid([&] { activation(null_data, y, Activation::relu, nullptr); }, "null data");
  expect_invalid([&] { activation(fake(1, {0, 8, 6, 6}), y, Activation::relu, nullptr); },
                 "every dim must be >= 1");
}

TEST(KernelArguments, TensorRefHelpers) {
  const TensorRef r = fake(1, {2, 3, 4, 5}, DType::bf16, Layout::nchw);
  EXPECT_EQ(numel(r), 120);
  EXPECT_EQ(bytes(r), 240);
  EXPECT_EQ(to_string(r), "bf16 nchw [2, 3, 4, 5]");
  TensorRef next = r;
  next.data = static_cast<std::byte*>(r.data) + 240;
  EXPECT_FALSE(overlap(r, next));
  next.data = static_cast<std::byte*>(r.data) + 239;
  EXPECT_TRUE(overlap(r, next));
  EXPECT_TRUE(same_tensor_type(r, next));
  next.layout = Layout::nhwc;
  EXPECT_FALSE(same_tensor_type(r, next));
}

}  // namespace
}  // namespace plantune::runtime::kernels
