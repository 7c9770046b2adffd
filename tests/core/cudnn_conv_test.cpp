// Real cuDNN convolutions through plantune's wrappers, each output compared with the fp64 CPU
// reference (conv_reference.h) on fresh random data in [-1, 1]:
//   legacy API: TensorDescriptor / FilterDescriptor / ConvolutionDescriptor, every algorithm
//               cudnnGetConvolutionForwardAlgorithm_v7 proposes, with its workspace;
//   graph API:  make_tensor / make_conv_forward / make_operation_graph, then heuristics (mode A,
//               then fallback), every global engine with default knobs, a configuration rebuilt
//               from its engine index and knob values (what the tactic database stores), and a
//               plan replayed from a CUDA graph.
// fp32 runs NCHW with true fp32 math (TF32 excluded, Note [cuDNN math types]); fp16 runs NHWC
// with fp32 accumulation.
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "conv_reference.h"
#include "plantune/core/cuda_check.h"
#include "plantune/core/cuda_graph.h"
#include "plantune/core/cudnn_backend.h"
#include "plantune/core/cudnn_backend_names.h"
#include "plantune/core/cudnn_descriptors.h"
#include "plantune/core/cudnn_engines.h"
#include "plantune/core/cudnn_graph_ops.h"
#include "plantune/core/cudnn_handle.h"
#include "plantune/core/device_buffer.h"
#include "plantune/core/stream.h"
#include "support/gpu_skip.h"

namespace {

using plantune::BackendDescriptor;
using plantune::testing::ConvError;
using plantune::testing::ConvShape;

enum class Precision { fp32_nchw, fp16_nhwc };

const char* name(Precision p) { return p == Precision::fp32_nchw ? "fp32 NCHW" : "fp16 NHWC"; }
cudnnDataType_t data_type(Precision p) {
  return p == Precision::fp32_nchw ? CUDNN_DATA_FLOAT : CUDNN_DATA_HALF;
}

// Error bounds relative to sum |x*w| of each output. fp32 accumulates ~1e-7 per term; the
// transform algorithms (FFT, Winograd) round in the transform domain and get 1e-3; fp16
// outputs are rounded to 11 bits (5e-4) and some engines reduce in lower precision.
constexpr double kFp32Tolerance = 1e-4;
constexpr double kFp32TransformTolerance = 1e-3;
constexpr double kFp16Tolerance = 1e-2;
// Plans run per problem in the heuristics test (the first ones that are allowed and build).
constexpr int kPlansPerProblem = 2;

// Strides 1 and 2, pads 0/1/2/3, dilation 2, groups (4, and depthwise), 1x1, 3x3, 7x7, odd sizes.
std::vector<ConvShape> test_shapes() {
  return {
      {.n = 2, .c = 8, .h = 12, .w = 12, .k = 16, .r = 3, .s = 3, .pad_h = 1, .pad_w = 1},
      {.n = 1, .c = 16, .h = 15, .w = 17, .k = 8, .r = 3, .s = 3, .stride_h = 2, .stride_w = 2},
      {.n = 2,
       .c = 3,
       .h = 32,
       .w = 32,
       .k = 16,
       .r = 7,
       .s = 7,
       .stride_h = 2,
       .stride_w = 2,
       .pad_h = 3,
       .pad_w = 3},
      {.n = 1, .c = 32, .h = 10, .w = 10, .k = 32, .r = 1, .s = 1},
      {.n = 1, .c = 16, .h = 8, .w = 8, .k = 32, .r = 1, .s = 1, .stride_h = 2, .stride_w = 2},
      {.n = 1,
       .c = 16,
       .h = 14,
       .w = 14,
       .k = 16,
       .r = 3,
       .s = 3,
       .pad_h = 2,
       .pad_w = 2,
       .dil_h = 2,
       .dil_w = 2},
      {.n = 2,
       .c = 16,
       .h = 9,
       .w = 9,
       .k = 32,
       .r = 3,
       .s = 3,
       .pad_h = 1,
       .pad_w = 1,
       .groups = 4},
      {.n = 1,
       .c = 32,
       .h = 12,
       .w = 12,
       .k = 32,
       .r = 3,
       .s = 3,
       .pad_h = 1,
       .pad_w = 1,
       .groups = 32},
      {.n = 1,
       .c = 32,
       .h = 12,
       .w = 12,
       .k = 32,
       .r = 3,
       .s = 3,
       .stride_h = 2,
       .stride_w = 2,
       .pad_h = 1,
       .pad_w = 1,
       .groups = 32},
  };
}

// One convolution on the device: x, w in the precision's layout and y, plus the reference
// computed from exactly the values uploaded (fp16 inputs are rounded before the reference).
struct Problem {
  Problem(const ConvShape& s, Precision p, std::uint32_t seed) : shape(s), precision(p) {
    std::vector<float> xv = plantune::testing::random_uniform(s.x_count(), seed);
    std::vector<float> wv = plantune::testing::random_uniform(s.w_count(), seed + 1000);
    if (p == Precision::fp16_nhwc) {
      for (float& v : xv) v = __half2float(__float2half_rn(v));
      for (float& v : wv) v = __half2float(__float2half_rn(v));
    }
    ref = plantune::testing::conv2d_reference(s, xv, wv);
    x = upload(xv, s.n, s.c, s.h, s.w);
    w = upload(wv, s.k, s.c_per_group(), s.r, s.s);
    y = plantune::DeviceBytes(s.y_count() * element_bytes());
  }

  std::size_t element_bytes() const { return precision == Precision::fp32_nchw ? 4 : 2; }

  // Logical NCHW values -> device bytes in this precision's layout.
  plantune::DeviceBytes upload(const std::vector<float>& v, std::int64_t n, std::int64_t c,
                               std::int64_t h, std::int64_t w_) const {
    plantune::DeviceBytes d(v.size() * element_bytes());
    if (precision == Precision::fp32_nchw) {
      d.upload(std::as_bytes(std::span<const float>(v)));
    } else {
      std::vector<float> nhwc = plantune::testing::nchw_to_nhwc<float>(v, n, c, h, w_);
      std::vector<__half> halves(nhwc.size());
      for (std::size_t i = 0; i < nhwc.size(); ++i) halves[i] = __float2half_rn(nhwc[i]);
      d.upload(std::as_bytes(std::span<const __half>(halves)));
    }
    return d;
  }

  // Every output byte 0xFF (NaN in fp32 and fp16): an output never written fails the check.
  void poison_output() {
    y.fill_bytes(0xFF);
    PT_CUDA_CHECK(cudaDeviceSynchronize());
  }

  // y, downloaded, in logical NCHW order.
  std::vector<double> output() const {
    const std::vector<std::byte> bytes = y.to_host();
    std::vector<double> out(shape.y_count());
    if (precision == Precision::fp32_nchw) {
      std::vector<float> f(out.size());
      std::memcpy(f.data(), bytes.data(), bytes.size());
      for (std::size_t i = 0; i < f.size(); ++i) out[i] = f[i];
    } else {
      std::vector<__half> h(out.size());
      std::memcpy(static_cast<void*>(h.data()), bytes.data(), bytes.size());
      std::vector<float> nhwc(h.size());
      for (std::size_t i = 0; i < h.size(); ++i) nhwc[i] = __half2float(h[i]);
      std::vector<float> nchw =
          plantune::testing::nhwc_to_nchw<float>(nhwc, shape.n, shape.k, shape.p(), shape.q());
      for (std::size_t i = 0; i < nchw.size(); ++i) out[i] = nchw[i];
    }
    return out;
  }

  ConvError check() const { return plantune::testing::compare_to_reference(output(), ref); }

  std::string label() const { return shape.name() + ", " + name(precision); }

  ConvShape shape;
  Precision precision;
  plantune::testing::ConvReference ref;
  plantune::DeviceBytes x, w, y;
};

// A handle on its own stream: what every test below runs on.
struct Gpu {
  plantune::Stream stream;
  plantune::CudnnHandle handle{stream.get()};
};

// ---------------------------------------------------------------- legacy API

bool is_transform_algo(cudnnConvolutionFwdAlgo_t a) {
  return a == CUDNN_CONVOLUTION_FWD_ALGO_FFT || a == CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING ||
         a == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD ||
         a == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED;
}

// Runs every algorithm the v7 heuristic proposes as supported; returns how many ran.
int run_legacy(Gpu& gpu, Problem& pb) {
  const ConvShape& s = pb.shape;
  const cudnnTensorFormat_t format =
      pb.precision == Precision::fp32_nchw ? CUDNN_TENSOR_NCHW : CUDNN_TENSOR_NHWC;
  const cudnnDataType_t dtype = data_type(pb.precision);
  plantune::TensorDescriptor xd, yd;
  plantune::FilterDescriptor wd;
  plantune::ConvolutionDescriptor cd;
  xd.set_4d(format, dtype, int(s.n), int(s.c), int(s.h), int(s.w));
  wd.set_4d(dtype, format, int(s.k), int(s.c_per_group()), int(s.r), int(s.s));
  cd.set_2d(int(s.pad_h), int(s.pad_w), int(s.stride_h), int(s.stride_w), int(s.dil_h),
            int(s.dil_w), CUDNN_DATA_FLOAT)
      .set_group_count(int(s.groups));
  // Note [cuDNN math types]: FMA keeps fp32 out of TF32.
  if (pb.precision == Precision::fp32_nchw) cd.set_math_type(CUDNN_FMA_MATH);
  int on = 0, oc = 0, oh = 0, ow = 0;
  PT_CUDNN_CHECK(
      cudnnGetConvolution2dForwardOutputDim(cd.get(), xd.get(), wd.get(), &on, &oc, &oh, &ow));
  EXPECT_EQ(oc, s.k);
  EXPECT_EQ(oh, s.p());
  EXPECT_EQ(ow, s.q());
  yd.set_4d(format, dtype, int(s.n), int(s.k), int(s.p()), int(s.q()));

  cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  int returned = 0;
  PT_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(
      gpu.handle.get(), xd.get(), wd.get(), cd.get(), yd.get(), CUDNN_CONVOLUTION_FWD_ALGO_COUNT,
      &returned, perf));
  int ran = 0;
  for (int i = 0; i < returned; ++i) {
    if (perf[i].status != CUDNN_STATUS_SUCCESS) continue;
    const cudnnConvolutionFwdAlgo_t algo = perf[i].algo;
    SCOPED_TRACE("legacy algorithm " + std::to_string(int(algo)) + " (heuristic rank " +
                 std::to_string(i) + ")");
    if (pb.precision == Precision::fp16_nhwc) cd.set_math_type(perf[i].mathType);
    std::size_t ws_bytes = 0;
    const cudnnStatus_t ws_status = cudnnGetConvolutionForwardWorkspaceSize(
        gpu.handle.get(), xd.get(), wd.get(), cd.get(), yd.get(), algo, &ws_bytes);
    if (plantune::is_not_supported(ws_status)) continue;
    PT_CUDNN_CHECK(ws_status);
    plantune::DeviceBytes workspace(ws_bytes);
    pb.poison_output();
    const float alpha = 1.0f, beta = 0.0f;
    const cudnnStatus_t st = cudnnConvolutionForward(
        gpu.handle.get(), &alpha, xd.get(), pb.x.data(), wd.get(), pb.w.data(), cd.get(), algo,
        workspace.data(), ws_bytes, &beta, yd.get(), pb.y.data());
    if (plantune::is_not_supported(st)) continue;
    PT_CUDNN_CHECK(st);
    gpu.stream.synchronize();
    const ConvError e = pb.check();
    const double tol = pb.precision == Precision::fp16_nhwc ? kFp16Tolerance
                       : is_transform_algo(algo)            ? kFp32TransformTolerance
                                                            : kFp32Tolerance;
    EXPECT_LE(e.worst, tol) << e.describe();
    ++ran;
  }
  return ran;
}

void legacy_algorithms_match(Precision p, std::uint32_t seed) {
  Gpu gpu;
  for (const ConvShape& s : test_shapes()) {
    Problem pb(s, p, seed++);
    SCOPED_TRACE(pb.label());
    EXPECT_GT(run_legacy(gpu, pb), 0) << "no legacy algorithm ran";
  }
}

TEST(CudnnConvLegacy, EveryProposedAlgorithmMatchesReferenceFp32Nchw) {
  if (!plantune::testing::has_cuda_device()) {
    GTEST_SKIP() << "no CUDA device: cuDNN convolutions need a GPU";
  }
  legacy_algorithms_match(Precision::fp32_nchw, 1);
}

TEST(CudnnConvLegacy, EveryProposedAlgorithmMatchesReferenceFp16Nhwc) {
  if (!plantune::testing::has_cuda_device()) {
    GTEST_SKIP() << "no CUDA device: cuDNN convolutions need a GPU";
  }
  legacy_algorithms_match(Precision::fp16_nhwc, 51);
}

// ---------------------------------------------------------------- graph API

constexpr std::int64_t kX = 1, kW = 2, kY = 3;

// The conv-forward graph of a problem; keeps every descriptor it refers to alive.
struct ConvGraph {
  std::vector<BackendDescriptor> parts;
  std::vector<BackendDescriptor> ops;
  BackendDescriptor graph;
};

ConvGraph build_graph(cudnnHandle_t handle, const Problem& pb) {
  const ConvShape& s = pb.shape;
  const bool nhwc = pb.precision == Precision::fp16_nhwc;
  const cudnnDataType_t dtype = data_type(pb.precision);
  // Note [cuDNN layouts]: logical dims, layout in the strides, W as (K, C/groups, R, S).
  const std::vector<std::int64_t> xd = {s.n, s.c, s.h, s.w};
  const std::vector<std::int64_t> wd = {s.k, s.c_per_group(), s.r, s.s};
  const std::vector<std::int64_t> yd = {s.n, s.k, s.p(), s.q()};
  ConvGraph g;
  g.parts.push_back(plantune::make_tensor(kX, dtype, xd, plantune::packed_strides(xd, nhwc)));
  g.parts.push_back(plantune::make_tensor(kW, dtype, wd, plantune::packed_strides(wd, nhwc)));
  g.parts.push_back(plantune::make_tensor(kY, dtype, yd, plantune::packed_strides(yd, nhwc)));
  const std::vector<std::int64_t> pad = {s.pad_h, s.pad_w}, stride = {s.stride_h, s.stride_w},
                                  dil = {s.dil_h, s.dil_w};
  g.parts.push_back(plantune::make_convolution(pad, pad, stride, dil, CUDNN_DATA_FLOAT));
  g.ops.push_back(plantune::make_conv_forward(g.parts[0], g.parts[1], g.parts[2], g.parts[3],
                                              CUDNN_DATA_FLOAT));
  g.graph = plantune::make_operation_graph(handle, g.ops);
  return g;
}

// Whether an engine's numerics fit the precision under test; `why` says why not.
bool allowed(const plantune::EngineInfo& info, Precision p, std::string* why) {
  if (p == Precision::fp32_nchw && (info.has(CUDNN_NUMERICAL_NOTE_TENSOR_CORE) ||
                                    info.has(CUDNN_NUMERICAL_NOTE_DOWN_CONVERT_INPUTS))) {
    *why = "TF32 / down-converting engine excluded for fp32";
    return false;
  }
  return true;
}

double tolerance(const plantune::EngineInfo& info, Precision p) {
  if (p == Precision::fp16_nhwc) return kFp16Tolerance;
  const bool transform = info.has(CUDNN_NUMERICAL_NOTE_FFT) ||
                         info.has(CUDNN_NUMERICAL_NOTE_WINOGRAD) ||
                         info.has(CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_4x4) ||
                         info.has(CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_6x6) ||
                         info.has(CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_13x13);
  return transform ? kFp32TransformTolerance : kFp32Tolerance;
}

// Binds the problem's buffers and a workspace to `plan`, runs it and compares with the
// reference. False (with `why`) when cuDNN declines to execute it.
bool run_plan(Gpu& gpu, Problem& pb, const BackendDescriptor& plan, double tol, std::string* why) {
  plantune::DeviceBytes workspace(static_cast<std::size_t>(plantune::workspace_size(plan)));
  pb.poison_output();
  const std::vector<std::int64_t> uids = {kX, kW, kY};
  const std::vector<void*> ptrs = {pb.x.data(), pb.w.data(), pb.y.data()};
  BackendDescriptor pack = plantune::make_variant_pack(uids, ptrs, workspace.data());
  const cudnnStatus_t st = plantune::try_execute(gpu.handle.get(), plan, pack);
  if (plantune::is_not_supported(st)) {
    *why = "execute: " + plantune::status_string(st);
    return false;
  }
  PT_CUDNN_CHECK_MSG(st, "executing a plan for " << pb.label());
  gpu.stream.synchronize();
  const ConvError e = pb.check();
  EXPECT_LE(e.worst, tol) << e.describe();
  return true;
}

// Tries the configurations (of `graph`) in order and runs up to `limit` of them; returns how
// many ran and appends one line per configuration that did not.
int run_configs(Gpu& gpu, Problem& pb, const BackendDescriptor& graph,
                const std::vector<BackendDescriptor>& configs, int limit,
                std::vector<std::string>* skipped) {
  int ran = 0;
  for (const BackendDescriptor& cfg : configs) {
    if (ran >= limit) break;
    // The engine's notes, from the engine rebuilt by its index (the configuration-rebuilt test
    // checks that reading them through engine_of(cfg) agrees).
    const std::int64_t index = plantune::engine_of(cfg).get_int64(CUDNN_ATTR_ENGINE_GLOBAL_INDEX);
    const plantune::EngineInfo info = plantune::query_engine(plantune::make_engine(graph, index));
    const std::string tag =
        plantune::describe_config(info.global_index, plantune::knob_choices_of(cfg));
    SCOPED_TRACE(tag);
    std::string why;
    if (!allowed(info, pb.precision, &why)) {
      skipped->push_back(tag + ": " + why);
      continue;
    }
    BackendDescriptor plan = plantune::try_make_execution_plan(gpu.handle.get(), cfg);
    if (!plan.finalized()) {
      skipped->push_back(tag + ": plan " + plantune::status_string(plan.finalize_status()));
      continue;
    }
    if (run_plan(gpu, pb, plan, tolerance(info, pb.precision), &why)) {
      ++ran;
    } else {
      skipped->push_back(tag + ": " + why);
    }
  }
  return ran;
}

// Every global engine with its default knobs, as engine configurations.
std::vector<BackendDescriptor> default_configs(const BackendDescriptor& graph,
                                               bool skip_runtime_compiled) {
  std::vector<BackendDescriptor> configs;
  const std::int64_t count = plantune::engine_global_count(graph);
  for (std::int64_t i = 0; i < count; ++i) {
    BackendDescriptor engine = plantune::try_make_engine(graph, i);
    if (!engine.finalized()) continue;
    if (skip_runtime_compiled &&
        plantune::query_engine(engine).has(CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION)) {
      continue;
    }
    BackendDescriptor cfg = plantune::try_make_engine_config(engine);
    if (cfg.finalized()) configs.push_back(std::move(cfg));
  }
  return configs;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::ostringstream os;
  for (const std::string& l : lines) os << "\n  " << l;
  return os.str();
}

// Heuristic mode A's configurations in order (then fallback's, then every engine's), running
// the first kPlansPerProblem that the precision allows and that build.
void heuristic_plans_match(Precision p, std::uint32_t seed) {
  Gpu gpu;
  for (const ConvShape& s : test_shapes()) {
    Problem pb(s, p, seed++);
    SCOPED_TRACE(pb.label());
    ConvGraph g = build_graph(gpu.handle.get(), pb);
    std::vector<std::string> skipped;
    int ran = run_configs(gpu, pb, g.graph,
                          plantune::heuristic_engine_configs(g.graph, CUDNN_HEUR_MODE_A),
                          kPlansPerProblem, &skipped);
    if (ran == 0) {
      ran = run_configs(gpu, pb, g.graph,
                        plantune::heuristic_engine_configs(g.graph, CUDNN_HEUR_MODE_FALLBACK),
                        kPlansPerProblem, &skipped);
    }
    if (ran == 0) {
      ran = run_configs(gpu, pb, g.graph, default_configs(g.graph, false), kPlansPerProblem,
                        &skipped);
    }
    EXPECT_GT(ran, 0) << "no plan ran; declined:" << join_lines(skipped);
  }
}

TEST(CudnnConvGraph, HeuristicPlansMatchReferenceFp32Nchw) {
  if (!plantune::testing::has_cuda_device()) {
    GTEST_SKIP() << "no CUDA device: cuDNN execution plans need a GPU";
  }
  heuristic_plans_match(Precision::fp32_nchw, 101);
}

TEST(CudnnConvGraph, HeuristicPlansMatchReferenceFp16Nhwc) {
  if (!plantune::testing::has_cuda_device()) {
    GTEST_SKIP() << "no CUDA device: cuDNN execution plans need a GPU";
  }
  heuristic_plans_match(Precision::fp16_nhwc, 151);
}

// Every precompiled global engine with its default knobs, on two problems.
void every_engine_matches(Precision p, std::uint32_t seed) {
  Gpu gpu;
  const std::vector<ConvShape> shapes = {
      {.n = 2, .c = 32, .h = 16, .w = 16, .k = 64, .r = 3, .s = 3, .pad_h = 1, .pad_w = 1},
      {.n = 2, .c = 64, .h = 8, .w = 8, .k = 32, .r = 1, .s = 1}};
  for (const ConvShape& s : shapes) {
    Problem pb(s, p, seed++);
    SCOPED_TRACE(pb.label());
    ConvGraph g = build_graph(gpu.handle.get(), pb);
    // Runtime-compiled engines take seconds each to build; the heuristics tests cover them.
    std::vector<BackendDescriptor> configs = default_configs(g.graph, true);
    std::vector<std::string> skipped;
    const int ran = run_configs(gpu, pb, g.graph, configs, 1 << 20, &skipped);
    std::cout << "[          ] " << pb.label() << ": " << plantune::engine_global_count(g.graph)
              << " global engines, " << configs.size() << " precompiled ones configured, " << ran
              << " ran\n";
    EXPECT_GT(ran, 0) << "no engine ran; declined:" << join_lines(skipped);
  }
}

TEST(CudnnConvGraph, EveryGlobalEngineWithDefaultKnobsMatchesReferenceFp32Nchw) {
  if (!plantune::testing::has_cuda_device()) {
    GTEST_SKIP() << "no CUDA device: cuDNN execution plans need a GPU";
  }
  every_engine_matches(Precision::fp32_nchw, 201);
}

TEST(CudnnConvGraph, EveryGlobalEngineWithDefaultKnobsMatchesReferenceFp16Nhwc) {
  if (!plantune::testing::has_cuda_device()) {
    GTEST_SKIP() << "no CUDA device: cuDNN execution plans need a GPU";
  }
  every_engine_matches(Precision::fp16_nhwc, 251);
}

TEST(CudnnConvGraph, ConfigurationRebuiltFromEngineAndKnobsRunsTheSame) {
  if (!plantune::testing::has_cuda_device()) {
    GTEST_SKIP() << "no CUDA device: cuDNN execution plans need a GPU";
  }
  Gpu gpu;
  const ConvShape s{
      .n = 2, .c = 32, .h = 16, .w = 16, .k = 64, .r = 3, .s = 3, .pad_h = 1, .pad_w = 1};
  Problem pb(s, Precision::fp16_nhwc, 301);
  ConvGraph g = build_graph(gpu.handle.get(), pb);
  for (const BackendDescriptor& cfg :
       plantune::heuristic_engine_configs(g.graph, CUDNN_HEUR_MODE_A)) {
    BackendDescriptor plan = plantune::try_make_execution_plan(gpu.handle.get(), cfg);
    if (!plan.finalized()) continue;
    // What a tactic database stores: the engine's global index and the knob values.
    const plantune::EngineInfo from_cfg = plantune::query_engine(plantune::engine_of(cfg));
    const std::int64_t index = from_cfg.global_index;
    std::vector<plantune::KnobChoice> knobs = plantune::knob_choices_of(cfg);
    SCOPED_TRACE(plantune::describe_config(index, knobs));
    // ... rebuilt from scratch: the same engine, notes and knob ranges.
    BackendDescriptor engine = plantune::make_engine(g.graph, index);
    const plantune::EngineInfo rebuilt_info = plantune::query_engine(engine);
    EXPECT_EQ(rebuilt_info.global_index, index);
    EXPECT_EQ(rebuilt_info.numerical_notes, from_cfg.numerical_notes);
    EXPECT_EQ(rebuilt_info.behavior_notes, from_cfg.behavior_notes);
    EXPECT_EQ(rebuilt_info.knobs.size(), from_cfg.knobs.size());
    BackendDescriptor rebuilt_cfg = plantune::make_engine_config(engine, knobs);
    std::vector<plantune::KnobChoice> back = plantune::knob_choices_of(rebuilt_cfg);
    auto by_type = [](const plantune::KnobChoice& a, const plantune::KnobChoice& b) {
      return a.type < b.type;
    };
    std::sort(knobs.begin(), knobs.end(), by_type);
    std::sort(back.begin(), back.end(), by_type);
    EXPECT_EQ(back, knobs);
    BackendDescriptor rebuilt = plantune::make_execution_plan(gpu.handle.get(), rebuilt_cfg);
    EXPECT_EQ(plantune::workspace_size(rebuilt), plantune::workspace_size(plan));
    EXPECT_GE(plantune::workspace_size(rebuilt_cfg), 0);
    std::string why;
    EXPECT_TRUE(run_plan(gpu, pb, rebuilt, kFp16Tolerance, &why)) << why;
    return;
  }
  FAIL() << "no heuristic configuration built a plan";
}

TEST(CudnnConvGraph, PlanReplaysFromACudaGraph) {
  if (!plantune::testing::has_cuda_device()) {
    GTEST_SKIP() << "no CUDA device: cuDNN execution plans need a GPU";
  }
  Gpu gpu;
  const ConvShape s{
      .n = 1, .c = 16, .h = 14, .w = 14, .k = 32, .r = 3, .s = 3, .pad_h = 1, .pad_w = 1};
  Problem pb(s, Precision::fp16_nhwc, 401);
  ConvGraph g = build_graph(gpu.handle.get(), pb);
  for (const BackendDescriptor& cfg :
       plantune::heuristic_engine_configs(g.graph, CUDNN_HEUR_MODE_A)) {
    BackendDescriptor plan = plantune::try_make_execution_plan(gpu.handle.get(), cfg);
    if (!plan.finalized()) continue;
    plantune::DeviceBytes workspace(static_cast<std::size_t>(plantune::workspace_size(plan)));
    const std::vector<std::int64_t> uids = {kX, kW, kY};
    const std::vector<void*> ptrs = {pb.x.data(), pb.w.data(), pb.y.data()};
    BackendDescriptor pack = plantune::make_variant_pack(uids, ptrs, workspace.data());
    // Warm up outside the capture (first executions may load kernels).
    plantune::execute(gpu.handle.get(), plan, pack);
    gpu.stream.synchronize();
    plantune::CudaGraph cuda_graph;
    cuda_graph.begin_capture(gpu.stream.get());
    plantune::execute(gpu.handle.get(), plan, pack);
    cuda_graph.end_capture();
    EXPECT_GT(cuda_graph.node_count(), 0u);
    pb.poison_output();
    cuda_graph.launch(gpu.stream.get());
    gpu.stream.synchronize();
    const ConvError e = pb.check();
    EXPECT_LE(e.worst, kFp16Tolerance) << e.describe();
    return;
  }
  FAIL() << "no heuristic configuration built a plan";
}

}  // namespace
