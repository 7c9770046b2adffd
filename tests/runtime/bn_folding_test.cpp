#include "plantune/runtime/bn_folding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "plantune/core/error.h"
#include "plantune/models/registry.h"
#include "plantune/runtime/fusion.h"

namespace plantune::runtime {
namespace {

struct ConvShape {
  std::int64_t n, c, h, w, k, r, s, stride, pad, groups;
  std::int64_t p() const { return (h + 2 * pad - r) / stride + 1; }
  std::int64_t q() const { return (w + 2 * pad - s) / stride + 1; }
};

// Direct NCHW convolution in double: y[n, k, p, q] = bias[k] + sum over the group's channels.
std::vector<double> direct_conv(const ConvShape& cs, const std::vector<float>& x,
                                const std::vector<float>& wt, const std::vector<float>* bias) {
  const std::int64_t cg = cs.c / cs.groups, kg = cs.k / cs.groups, P = cs.p(), Q = cs.q();
  std::vector<double> y(static_cast<std::size_t>(cs.n * cs.k * P * Q));
  for (std::int64_t n = 0; n < cs.n; ++n)
    for (std::int64_t k = 0; k < cs.k; ++k)
      for (std::int64_t p = 0; p < P; ++p)
        for (std::int64_t q = 0; q < Q; ++q) {
          double acc = bias ? double{(*bias)[static_cast<std::size_t>(k)]} : 0.0;
          for (std::int64_t c = 0; c < cg; ++c) {
            const std::int64_t ci = (k / kg) * cg + c;
            for (std::int64_t r = 0; r < cs.r; ++r)
              for (std::int64_t s = 0; s < cs.s; ++s) {
                const std::int64_t h = p * cs.stride - cs.pad + r;
                const std::int64_t w = q * cs.stride - cs.pad + s;
                if (h < 0 || h >= cs.h || w < 0 || w >= cs.w) continue;
                acc += double{wt[static_cast<std::size_t>(((k * cg + c) * cs.r + r) * cs.s + s)]} *
                       double{x[static_cast<std::size_t>(((n * cs.c + ci) * cs.h + h) * cs.w + w)]};
              }
          }
          y[static_cast<std::size_t>(((n * cs.k + k) * P + p) * Q + q)] = acc;
        }
  return y;
}

std::vector<float> uniform(std::mt19937_64& rng, std::size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

HostTensor channels(std::vector<float> v) {
  const auto k = static_cast<std::int64_t>(v.size());
  return HostTensor{{k}, std::move(v)};
}

// conv then BN (in double, on the original weights) against conv with the folded weights.
void expect_folding_matches(const ConvShape& cs, bool conv_bias, std::uint64_t seed) {
  SCOPED_TRACE("k " + std::to_string(cs.k) + " groups " + std::to_string(cs.groups) +
               (conv_bias ? " with bias" : " no bias"));
  std::mt19937_64 rng(seed);
  const auto ks = static_cast<std::size_t>(cs.k);
  const std::vector<float> x =
      uniform(rng, static_cast<std::size_t>(cs.n * cs.c * cs.h * cs.w), -2, 2);
  HostTensor w{{cs.k, cs.c / cs.groups, cs.r, cs.s}, {}};
  w.data = uniform(rng, static_cast<std::size_t>(w.numel()), -0.5f, 0.5f);
  const std::vector<float> b = uniform(rng, ks, -1, 1);
  const HostTensor gamma = channels(uniform(rng, ks, -2, 2));  // negative scales too
  const HostTensor beta = channels(uniform(rng, ks, -1, 1));
  const HostTensor mean = channels(uniform(rng, ks, -1, 1));
  const HostTensor var = channels(uniform(rng, ks, 0.01f, 4));
  const double eps = 1e-5;

  const std::vector<float>* bias = conv_bias ? &b : nullptr;
  std::vector<double> ref = direct_conv(cs, x, w.data, bias);
  const std::int64_t pq = cs.p() * cs.q();
  for (std::size_t j = 0; j < ref.size(); ++j) {
    const auto k = static_cast<std::size_t>((static_cast<std::int64_t>(j) / pq) % cs.k);
    ref[j] = (ref[j] - mean.data[k]) / std::sqrt(double{var.data[k]} + eps) * gamma.data[k] +
             beta.data[k];
  }
  const FoldedConv f = fold_batch_norm(w, bias, gamma, beta, mean, var, eps);
  ASSERT_EQ(f.weight.dims, w.dims);
  ASSERT_EQ(f.bias.size(), ks);
  const std::vector<double> got = direct_conv(cs, x, f.weight.data, &f.bias);

  double mean_abs = 0;
  for (double v : ref) mean_abs += std::abs(v);
  mean_abs /= static_cast<double>(ref.size());
  ASSERT_GT(mean_abs, 0.1);  // the data is not degenerate
  double worst = 0;
  for (std::size_t j = 0; j < ref.size(); ++j) {
    // Relative error, with outputs near zero measured against the typical magnitude.
    worst = std::max(worst, std::abs(got[j] - ref[j]) / std::max(std::abs(ref[j]), mean_abs));
  }
  EXPECT_LT(worst, 1e-5);
}

TEST(FoldBatchNorm, ConvThenBatchNormEqualsTheFoldedConv) {
  // n c h w k r s stride pad groups
  expect_folding_matches({2, 6, 9, 7, 8, 3, 3, 1, 1, 1}, false, 1);
  expect_folding_matches({2, 6, 9, 7, 8, 3, 3, 2, 1, 1}, true, 2);
  expect_folding_matches({1, 8, 6, 6, 12, 3, 3, 1, 0, 4}, true, 3);    // grouped
  expect_folding_matches({2, 6, 8, 8, 6, 3, 3, 1, 1, 6}, false, 4);    // depthwise
  expect_folding_matches({1, 16, 5, 5, 32, 1, 1, 1, 0, 1}, true, 5);   // pointwise
}

TEST(FoldBatchNorm, HandComputedChannel) {
  // s = 2 / sqrt(3 + 1) = 1; w' = 2 * 1; b' = (3 - 1) * 1 + 0.5.
  HostTensor w{{1, 1, 1, 1}, {2.f}};
  const std::vector<float> b{3.f};
  const FoldedConv f = fold_batch_norm(w, &b, channels({2.f}), channels({0.5f}),
                                       channels({1.f}), channels({3.f}), 1.0);
  EXPECT_EQ(f.weight.data, std::vector<float>{2.f});
  EXPECT_EQ(f.bias, std::vector<float>{2.5f});
  // Without a conv bias: b' = -mean * s + beta; epsilon 0 is allowed.
  const FoldedConv g = fold_batch_norm(w, nullptr, channels({3.f}), channels({1.f}),
                                       channels({2.f}), channels({9.f}), 0.0);
  EXPECT_EQ(g.weight.data, std::vector<float>{2.f});
  EXPECT_EQ(g.bias, std::vector<float>{-1.f});
}

TEST(FoldBatchNorm, FullyConnectedWeightsFoldPerOutputRow) {
  HostTensor w{{2, 3}, {1, 2, 3, 4, 5, 6}};
  const FoldedConv f = fold_batch_norm(w, nullptr, channels({1.f, 2.f}), channels({0.f, 0.f}),
                                       channels({0.f, 0.f}), channels({4.f, 1.f}), 0.0);
  EXPECT_EQ(f.weight.data, (std::vector<float>{0.5f, 1.f, 1.5f, 8.f, 10.f, 12.f}));
  EXPECT_EQ(f.bias, (std::vector<float>{0.f, 0.f}));
}

template <typename Fn>
void expect_invalid(Fn&& fn, const std::string& part) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected one containing '" << part << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(FoldBatchNorm, MismatchedSizesAndBadStatisticsAreErrors) {
  const HostTensor w{{2, 1, 1, 1}, {1, 1}};
  const HostTensor two = channels({1.f, 1.f});
  const HostTensor three = channels({1.f, 1.f, 1.f});
  expect_invalid([&] { fold_batch_norm(w, nullptr, three, two, two, two, 1e-5); }, "gamma");
  expect_invalid([&] { fold_batch_norm(w, nullptr, two, three, two, two, 1e-5); }, "beta");
  expect_invalid([&] { fold_batch_norm(w, nullptr, two, two, three, two, 1e-5); }, "running_mean");
  expect_invalid([&] { fold_batch_norm(w, nullptr, two, two, two, three, 1e-5); }, "running_var");
  const HostTensor two_by_one{{2, 1}, {1.f, 1.f}};  // right count, wrong rank
  expect_invalid([&] { fold_batch_norm(w, nullptr, two_by_one, two, two, two, 1e-5); },
                 "[2, 1]");
  const std::vector<float> bias3{0, 0, 0};
  expect_invalid([&] { fold_batch_norm(w, &bias3, two, two, two, two, 1e-5); }, "conv bias");
  expect_invalid([&] { fold_batch_norm(HostTensor{{}, {1}}, nullptr, two, two, two, two, 1e-5); },
                 "scalar");
  expect_invalid([&] { fold_batch_norm(HostTensor{{2, 2}, {1, 1}}, nullptr, two, two, two, two,
                                       1e-5); },
                 "2 values");
  expect_invalid([&] { fold_batch_norm(w, nullptr, two, two, two, two, -1.0); }, "epsilon");
  expect_invalid([&] { fold_batch_norm(w, nullptr, two, two, two, two, NAN); }, "epsilon");
  expect_invalid([&] { fold_batch_norm(w, nullptr, two, two, two, channels({1.f, -1.f}), 0.5); },
                 "channel 1");
}

// The fusion pass's conv + bn pairs of a real network fold with random weights, and the folded
// scale stays bounded (Note [random weight ranges]: gamma <= 1, var >= 0.5).
TEST(FoldBatchNorm, EveryFoldedPairOfResNet18) {
  const Graph g = models::build_model("resnet18");
  const WeightStore ws = random_weights(g, 11);
  const FusionResult fused = fuse(g);
  int folded = 0;
  for (const Layer& l : fused.layers) {
    if (!l.folded_bn) continue;
    const std::string conv = g.ops()[l.primary_op].name;
    const Op& bn = g.ops()[*l.folded_bn];
    const HostTensor& w = ws.at(conv + ".weight");
    const FoldedConv f = fold_batch_norm(
        w, nullptr, ws.at(bn.name + ".weight"), ws.at(bn.name + ".bias"),
        ws.at(bn.name + ".running_mean"), ws.at(bn.name + ".running_var"),
        std::get<BatchNormAttrs>(bn.attrs).epsilon);
    for (std::size_t i = 0; i < w.data.size(); ++i) {
      ASSERT_LE(std::abs(f.weight.data[i]), std::abs(w.data[i]) * 1.4143f) << conv;
    }
    ++folded;
  }
  EXPECT_EQ(folded, 20);  // every conv of resnet18 is followed by its batch norm
}

}  // namespace
}  // namespace plantune::runtime
