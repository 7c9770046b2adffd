#include "plantune/runtime/weights.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>

#include "plantune/core/error.h"
#include "plantune/core/graph_builder.h"
#include "plantune/models/registry.h"

namespace plantune::runtime {
namespace {

// Runs `fn`, expecting a plantune::Error of `code` whose message holds every one of `parts`.
template <typename Fn>
void expect_error(Fn&& fn, ErrorCode code, std::initializer_list<std::string> parts) {
  try {
    fn();
    ADD_FAILURE() << "no error thrown; expected " << to_string(code);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    for (const auto& p : parts) {
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos)
          << "message lacks '" << p << "': " << e.what();
    }
  }
}

HostTensor tensor(std::vector<std::int64_t> dims, std::vector<float> data) {
  return HostTensor{std::move(dims), std::move(data)};
}

TEST(HostTensor, NumelIsTheProductOfDims) {
  EXPECT_EQ(tensor({}, {1.f}).numel(), 1);
  EXPECT_EQ(tensor({2, 3}, {}).numel(), 6);
  EXPECT_EQ(tensor({4, 0, 3}, {}).numel(), 0);
  EXPECT_THROW(tensor({2, -1}, {}).numel(), Error);
  expect_error([] { tensor({1LL << 40, 1LL << 40}, {}).numel(); }, ErrorCode::overflow, {});
}

TEST(WeightStore, SetFindReplaceAndCountBytes) {
  WeightStore s;
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.find("a"), nullptr);
  s.set("fc.weight", tensor({2, 3}, {1, 2, 3, 4, 5, 6}));
  s.set("bn.bias", tensor({2}, {7, 8}));
  s.set("a", tensor({}, {9}));
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.bytes(), 9 * sizeof(float));
  EXPECT_EQ(s.names(), (std::vector<std::string>{"a", "bn.bias", "fc.weight"}));
  ASSERT_NE(s.find("fc.weight"), nullptr);
  EXPECT_EQ(s.find("fc.weight")->data[4], 5.f);
  EXPECT_TRUE(s.contains("a"));
  EXPECT_EQ(s.at("bn.bias").dims, (std::vector<std::int64_t>{2}));

  s.set("fc.weight", tensor({1}, {42}));  // replace: the byte count follows
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.bytes(), 4 * sizeof(float));
  EXPECT_EQ(s.at("fc.weight").data, std::vector<float>{42});
}

TEST(WeightStore, RejectsBadTensorsAndNamesTheMissingOne) {
  WeightStore s;
  expect_error([&] { s.set("w", tensor({2, 2}, {1, 2, 3})); }, ErrorCode::invalid_argument,
               {"'w'", "[2, 2]", "3 values"});
  expect_error([&] { s.set("w", tensor({-2}, {})); }, ErrorCode::invalid_argument, {"negative"});
  expect_error([&] { s.set("", tensor({}, {1})); }, ErrorCode::invalid_argument, {"name"});
  EXPECT_EQ(s.size(), 0u);
  expect_error([&] { s.at("layer1.0.conv1.weight"); }, ErrorCode::invalid_argument,
               {"'layer1.0.conv1.weight'"});
}

// conv2d with bias and groups, batch_norm, conv_transpose2d, fully_connected after flatten.
Graph small_graph() {
  Graph g("small");
  GraphBuilder b(g);
  auto x = b.input("x", {2, 6, 8, 8});
  auto c = b.conv("conv", x, 4, 3, 1, -1, /*groups=*/2, /*bias=*/true);
  auto n = b.batch_norm("bn", c);
  auto r = b.act("relu", n, Activation::relu);
  auto t = b.conv_transpose("up", r, 3, 2, 2, /*bias=*/true);
  auto p = b.global_avg_pool("pool", t);
  auto f = b.flatten("flatten", p);
  b.output(b.fc("fc", f, 5));
  return g;
}

TEST(WeightSpecs, PyTorchNamesAndShapesInGraphOrder) {
  const Graph g = small_graph();
  const std::vector<WeightSpec> specs = weight_specs(g);
  struct Want {
    std::string name;
    std::vector<std::int64_t> dims;
    std::size_t op;
  };
  const std::vector<Want> want = {
      {"conv.weight", {4, 3, 3, 3}, 0},  // [K, C/groups, R, S]
      {"conv.bias", {4}, 0},
      {"bn.weight", {4}, 1},
      {"bn.bias", {4}, 1},
      {"bn.running_mean", {4}, 1},
      {"bn.running_var", {4}, 1},
      {"up.weight", {4, 3, 2, 2}, 3},  // transposed: [C, K/groups, R, S]
      {"up.bias", {3}, 3},
      {"fc.weight", {5, 3}, 6},
      {"fc.bias", {5}, 6},
  };
  ASSERT_EQ(specs.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(specs[i].name, want[i].name);
    EXPECT_EQ(specs[i].dims, want[i].dims) << want[i].name;
    EXPECT_EQ(specs[i].op_index, want[i].op) << want[i].name;
  }
}

std::int64_t spec_elements(const std::vector<WeightSpec>& specs) {
  std::int64_t n = 0;
  for (const auto& s : specs) n += HostTensor{s.dims, {}}.numel();
  return n;
}

std::int64_t batch_norm_channels(const Graph& g) {
  std::int64_t n = 0;
  for (std::size_t i = 0; i < g.ops().size(); ++i)
    if (g.ops()[i].kind == OpKind::batch_norm) n += g.input_shapes(i)[0].dims[1];
  return n;
}

TEST(WeightSpecs, ResNetsMatchParamCountPlusRunningStatsAndTorchvisionNames) {
  struct Case {
    const char* model;
    std::size_t tensors;      // torchvision state_dict entries without num_batches_tracked
    std::int64_t params;      // torchvision's parameter count
  };
  for (const Case& c : {Case{"resnet18", 102, 11'689'512}, Case{"resnet50", 267, 25'557'032}}) {
    SCOPED_TRACE(c.model);
    const Graph g = models::build_model(c.model);
    const std::vector<WeightSpec> specs = weight_specs(g);
    EXPECT_EQ(specs.size(), c.tensors);
    EXPECT_EQ(g.param_count(), c.params);
    EXPECT_EQ(spec_elements(specs), g.param_count() + 2 * batch_norm_channels(g));
  }
  const std::vector<WeightSpec> specs = weight_specs(models::build_model("resnet50"));
  std::map<std::string, std::vector<std::int64_t>> by_name;
  for (const auto& s : specs) by_name[s.name] = s.dims;
  using D = std::vector<std::int64_t>;
  EXPECT_EQ(by_name["conv1.weight"], (D{64, 3, 7, 7}));
  EXPECT_EQ(by_name["bn1.running_var"], (D{64}));
  EXPECT_EQ(by_name["layer1.0.conv1.weight"], (D{64, 64, 1, 1}));
  EXPECT_EQ(by_name["layer1.0.downsample.0.weight"], (D{256, 64, 1, 1}));
  EXPECT_EQ(by_name["layer1.0.downsample.1.running_mean"], (D{256}));
  EXPECT_EQ(by_name["layer4.2.conv3.weight"], (D{2048, 512, 1, 1}));
  EXPECT_EQ(by_name["fc.weight"], (D{1000, 2048}));
  EXPECT_EQ(by_name["fc.bias"], (D{1000}));
  EXPECT_EQ(by_name.size(), specs.size());  // names are unique
}

TEST(RandomWeights, DeterministicInTheSeedAndFitTheGraph) {
  const Graph g = models::build_model("resnet18");
  const WeightStore a = random_weights(g, 7);
  const WeightStore b = random_weights(g, 7);
  const WeightStore c = random_weights(g, 8);
  EXPECT_NO_THROW(check_weights(g, a));
  ASSERT_EQ(a.names(), b.names());
  EXPECT_EQ(a.size(), weight_specs(g).size());
  for (const auto& name : a.names()) {
    EXPECT_EQ(a.at(name).data, b.at(name).data) << name;
    EXPECT_NE(a.at(name).data, c.at(name).data) << name;
  }
  // Each tensor's stream depends on its name only: another graph sharing the op agrees.
  Graph h("other");
  GraphBuilder hb(h);
  auto x = hb.input("input", {1, 3, 32, 32});
  hb.output(hb.batch_norm("bn1", hb.conv("conv1", x, 64, 7, 2, 3)));
  const WeightStore d = random_weights(h, 7);
  EXPECT_EQ(d.at("conv1.weight").data, a.at("conv1.weight").data);
  EXPECT_EQ(d.at("bn1.running_var").data, a.at("bn1.running_var").data);
}

// Pinned values: the generator is ours (SplitMix64 seeded by seed ^ FNV-1a(name), then one
// step for the tensor's stream), so these hold on every platform and compiler. The expected
// values were computed by an independent Python transcription of that definition.
TEST(RandomWeights, ValuesArePinned) {
  Graph g("pin");
  GraphBuilder b(g);
  b.output(b.fc("fc", b.input("x", {1, 6}), 2));  // fan_in 6: bound sqrt(6/6) = 1
  const WeightStore s = random_weights(g, 1);
  const auto& w = s.at("fc.weight").data;
  ASSERT_EQ(w.size(), 12u);
  EXPECT_EQ(w[0], -0x1.a3b4fp-1f);
  EXPECT_EQ(w[1], 0x1.8cc5a2p-2f);
  EXPECT_EQ(w[2], -0x1.4a2426p-1f);
  for (float v : w) EXPECT_LE(std::abs(v), 1.0f);
}

TEST(RandomWeights, RangesFollowTheNote) {
  const Graph g = small_graph();
  const WeightStore s = random_weights(g, 123);
  auto range = [&](const std::string& name) {
    const auto& d = s.at(name).data;
    return std::pair{*std::min_element(d.begin(), d.end()), *std::max_element(d.begin(), d.end())};
  };
  auto within = [&](const std::string& name, double lo, double hi) {
    auto [mn, mx] = range(name);
    EXPECT_GE(mn, lo) << name;
    EXPECT_LE(mx, hi) << name;
  };
  within("conv.weight", -std::sqrt(6.0 / 27), std::sqrt(6.0 / 27));  // fan_in 3 x 3 x 3
  within("conv.bias", -0.1, 0.1);
  within("bn.weight", 0.5, 1.0);
  within("bn.bias", -0.1, 0.1);
  within("bn.running_mean", -0.1, 0.1);
  within("bn.running_var", 0.5, 1.5);
  within("up.weight", -std::sqrt(6.0 / 4), std::sqrt(6.0 / 4));  // 4 inputs x 1 tap (k 2, s 2)
  within("up.bias", -0.1, 0.1);
  within("fc.weight", -std::sqrt(6.0 / 3), std::sqrt(6.0 / 3));
  within("fc.bias", -0.1, 0.1);

  // A large tensor fills its range: Kaiming uniform, not a narrower one.
  const WeightStore r = random_weights(models::build_model("resnet18"), 5);
  const auto& w = r.at("layer4.1.conv2.weight").data;  // fan_in 512 x 9
  const double bound = std::sqrt(6.0 / (512 * 9));
  double sum_sq = 0;
  float max_abs = 0;
  for (float v : w) {
    sum_sq += double{v} * v;
    max_abs = std::max(max_abs, std::abs(v));
  }
  EXPECT_LE(max_abs, bound);
  EXPECT_GT(max_abs, 0.999 * bound);
  EXPECT_NEAR(sum_sq / static_cast<double>(w.size()), bound * bound / 3, 0.01 * bound * bound);
}

TEST(CheckWeights, NamesTheFirstMissingOrMisShapedTensor) {
  const Graph g = small_graph();
  WeightStore s = random_weights(g, 1);
  s.set("unused.extra", tensor({1}, {0}));  // tensors the graph does not need are ignored
  EXPECT_NO_THROW(check_weights(g, s));

  WeightStore missing;
  for (const auto& name : s.names())
    if (name != "bn.running_var") missing.set(name, s.at(name));
  expect_error([&] { check_weights(g, missing); }, ErrorCode::invalid_argument,
               {"'bn.running_var'", "missing", "[4]", "'bn'"});

  WeightStore wrong = s;
  wrong.set("conv.weight", tensor({4, 6, 3, 3}, std::vector<float>(216)));
  expect_error([&] { check_weights(g, wrong); }, ErrorCode::invalid_argument,
               {"'conv.weight'", "[4, 6, 3, 3]", "expected [4, 3, 3, 3]"});
}

// ---- a CPU forward pass of the ops ResNet uses, to show random weights are fp16-sane ----

// x rounded to the nearest fp16 value (round half to even; inf beyond 65504).
float round_fp16(float x) {
  if (!std::isfinite(x) || x == 0) return x;
  const float a = std::abs(x);
  if (a >= 65520.f) return std::copysign(INFINITY, x);
  int e = 0;
  std::frexp(a, &e);                 // a = m * 2^e, m in [0.5, 1)
  const int ulp_exp = std::max(e - 11, -24);  // 11 significant bits; subnormals step 2^-24
  const float q = std::ldexp(std::nearbyint(std::ldexp(a, -ulp_exp)), ulp_exp);
  return std::copysign(q, x);
}

struct ForwardStats {
  float max_abs = 0;                   // over every activation
  std::vector<float> output;
};

float apply(Activation a, float v) {
  switch (a) {
    case Activation::none: return v;
    case Activation::relu: return std::max(v, 0.f);
    default: ADD_FAILURE() << "activation not in this reference"; return v;
  }
}

// Forward pass over fp32 values; with `fp16`, weights and every activation are rounded to fp16.
ForwardStats forward(const Graph& g, const WeightStore& w, const std::vector<float>& input,
                     bool fp16) {
  auto r = [&](float v) { return fp16 ? round_fp16(v) : v; };
  auto weights = [&](const std::string& name) {
    std::vector<float> d = w.at(name).data;
    for (float& v : d) v = r(v);
    return d;
  };
  std::map<TensorId, std::vector<float>> val;
  val[g.inputs()[0]] = input;
  for (float& v : val[g.inputs()[0]]) v = r(v);
  ForwardStats stats;
  for (std::size_t i = 0; i < g.ops().size(); ++i) {
    const Op& op = g.ops()[i];
    const auto& xd = g.tensor(op.inputs[0]).shape.dims;
    const auto& yd = g.tensor(op.output).shape.dims;
    const std::vector<float>& x = val.at(op.inputs[0]);
    std::vector<float> y(static_cast<std::size_t>(g.tensor(op.output).shape.numel()), 0.f);
    switch (op.kind) {
      case OpKind::conv2d: {
        const auto& a = std::get<ConvAttrs>(op.attrs);
        const auto wt = weights(op.name + ".weight");
        const std::int64_t N = xd[0], C = xd[1], H = xd[2], W = xd[3];
        const std::int64_t K = yd[1], P = yd[2], Q = yd[3], G = a.groups;
        const std::int64_t cg = C / G, kg = K / G, R = a.kernel_h, S = a.kernel_w;
        const std::vector<float> bias =
            a.bias ? weights(op.name + ".bias") : std::vector<float>(static_cast<std::size_t>(K));
        for (std::int64_t n = 0; n < N; ++n)
          for (std::int64_t k = 0; k < K; ++k) {
            float* out = &y[static_cast<std::size_t>((n * K + k) * P * Q)];
            for (std::int64_t c = 0; c < cg; ++c) {
              const std::int64_t ci = (k / kg) * cg + c;
              const float* in = &x[static_cast<std::size_t>((n * C + ci) * H * W)];
              for (std::int64_t rr = 0; rr < R; ++rr)
                for (std::int64_t ss = 0; ss < S; ++ss) {
                  const float wv = wt[static_cast<std::size_t>(((k * cg + c) * R + rr) * S + ss)];
                  for (std::int64_t p = 0; p < P; ++p) {
                    const std::int64_t h = p * a.stride_h - a.pad_h + rr * a.dilation_h;
                    if (h < 0 || h >= H) continue;
                    for (std::int64_t q = 0; q < Q; ++q) {
                      const std::int64_t ww = q * a.stride_w - a.pad_w + ss * a.dilation_w;
                      if (ww >= 0 && ww < W) out[p * Q + q] += wv * in[h * W + ww];
                    }
                  }
                }
            }
            const float b = bias[static_cast<std::size_t>(k)];
            for (std::int64_t j = 0; j < P * Q; ++j) out[j] = apply(a.activation, out[j] + b);
          }
        break;
      }
      case OpKind::batch_norm: {
        const double eps = std::get<BatchNormAttrs>(op.attrs).epsilon;
        const auto gamma = weights(op.name + ".weight"), beta = weights(op.name + ".bias");
        const auto mean = weights(op.name + ".running_mean");
        const auto var = weights(op.name + ".running_var");
        const std::int64_t C = xd[1], HW = xd[2] * xd[3];
        for (std::size_t j = 0; j < x.size(); ++j) {
          const auto c = static_cast<std::size_t>((static_cast<std::int64_t>(j) / HW) % C);
          y[j] = static_cast<float>((x[j] - mean[c]) / std::sqrt(var[c] + eps) * gamma[c] +
                                    beta[c]);
        }
        break;
      }
      case OpKind::activation:
        for (std::size_t j = 0; j < x.size(); ++j)
          y[j] = apply(std::get<ActivationAttrs>(op.attrs).kind, x[j]);
        break;
      case OpKind::add: {
        const auto& z = val.at(op.inputs[1]);
        for (std::size_t j = 0; j < x.size(); ++j)
          y[j] = apply(std::get<EltwiseAttrs>(op.attrs).activation, x[j] + z[j]);
        break;
      }
      case OpKind::max_pool: {
        const auto& a = std::get<PoolAttrs>(op.attrs);
        const std::int64_t NC = xd[0] * xd[1], H = xd[2], W = xd[3], P = yd[2], Q = yd[3];
        for (std::int64_t nc = 0; nc < NC; ++nc)
          for (std::int64_t p = 0; p < P; ++p)
            for (std::int64_t q = 0; q < Q; ++q) {
              float m = -INFINITY;
              for (std::int64_t rr = 0; rr < a.kernel_h; ++rr)
                for (std::int64_t ss = 0; ss < a.kernel_w; ++ss) {
                  const std::int64_t h = p * a.stride_h - a.pad_h + rr;
                  const std::int64_t ww = q * a.stride_w - a.pad_w + ss;
                  if (h >= 0 && h < H && ww >= 0 && ww < W)
                    m = std::max(m, x[static_cast<std::size_t>((nc * H + h) * W + ww)]);
                }
              y[static_cast<std::size_t>((nc * P + p) * Q + q)] = m;
            }
        break;
      }
      case OpKind::global_avg_pool: {
        const std::int64_t NC = xd[0] * xd[1], HW = xd[2] * xd[3];
        for (std::int64_t nc = 0; nc < NC; ++nc) {
          double s = 0;
          for (std::int64_t j = 0; j < HW; ++j) s += x[static_cast<std::size_t>(nc * HW + j)];
          y[static_cast<std::size_t>(nc)] = static_cast<float>(s / static_cast<double>(HW));
        }
        break;
      }
      case OpKind::flatten:
        y = x;
        break;
      case OpKind::fully_connected: {
        const auto& a = std::get<FullyConnectedAttrs>(op.attrs);
        const auto wt = weights(op.name + ".weight");
        const std::int64_t N = xd[0], F = xd[1], O = yd[1];
        const std::vector<float> bias =
            a.bias ? weights(op.name + ".bias") : std::vector<float>(static_cast<std::size_t>(O));
        for (std::int64_t n = 0; n < N; ++n)
          for (std::int64_t o = 0; o < O; ++o) {
            double s = bias[static_cast<std::size_t>(o)];
            for (std::int64_t f = 0; f < F; ++f)
              s += double{wt[static_cast<std::size_t>(o * F + f)]} *
                   x[static_cast<std::size_t>(n * F + f)];
            y[static_cast<std::size_t>(n * O + o)] = apply(a.activation, static_cast<float>(s));
          }
        break;
      }
      default:
        ADD_FAILURE() << "op kind " << to_string(op.kind) << " not in this reference";
        return stats;
    }
    for (float& v : y) {
      v = r(v);
      stats.max_abs = std::max(stats.max_abs, std::abs(v));
    }
    val[op.output] = std::move(y);
  }
  stats.output = val.at(g.outputs()[0]);
  return stats;
}

TEST(RandomWeights, ResNet50StaysInFp16RangeAndFp16AgreesWithFp32) {
  models::ModelOptions opts;
  opts.image_size = 64;  // all 53 convs and 16 residual additions, at 1/12 of the work of 224
  const Graph g = models::build_model("resnet50", opts);
  const WeightStore w = random_weights(g, 2024);
  // Input like a normalized image: U(-1.7, 1.7) has unit variance.
  std::vector<float> input(static_cast<std::size_t>(g.tensor(g.inputs()[0]).shape.numel()));
  std::uint64_t state = 99;
  for (float& v : input) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    v = static_cast<float>((static_cast<double>(state >> 11) * 0x1.0p-53 * 2 - 1) * 1.7320508);
  }
  const ForwardStats f32 = forward(g, w, input, false);
  const ForwardStats f16 = forward(g, w, input, true);
  // No activation comes near fp16's 65504, and the logits are neither exploded nor dead.
  EXPECT_LT(f32.max_abs, 1000.f);
  double ss = 0, diff = 0;
  for (std::size_t j = 0; j < f32.output.size(); ++j) {
    ss += double{f32.output[j]} * f32.output[j];
    diff += std::pow(double{f16.output[j]} - f32.output[j], 2);
  }
  const double rms = std::sqrt(ss / static_cast<double>(f32.output.size()));
  EXPECT_GT(rms, 1e-2);
  EXPECT_LT(rms, 1e2);
  // fp16 storage of weights and activations changes the logits by well under 1% (RMS).
  EXPECT_LT(std::sqrt(diff / ss), 1e-2);
  std::printf("resnet50 64x64 random weights: max |activation| %.3g, logits rms %.3g, "
              "fp16 vs fp32 relative rms error %.3g\n",
              f32.max_abs, rms, std::sqrt(diff / ss));
}

}  // namespace
}  // namespace plantune::runtime
