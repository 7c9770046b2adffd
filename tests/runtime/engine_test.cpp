// The Engine against the independent ReferenceExecutor (fp32, op by op, its own kernels) on
// random weights and inputs, with the arena poisoned before each checked run. The schedule's
// convolutions run cuDNN's legacy fused conv + bias + residual + ReLU (a real tactic; the
// database around it is made up, see schedule_test_db.h); the fully connected layer runs
// cuBLASLt's heuristic choice.
#include "plantune/runtime/engine.h"

#include <gtest/gtest.h>

#include <random>

#include "plantune/core/error.h"

#include "plantune/models/registry.h"
#include "plantune/precision/error_metrics.h"
#include "plantune/runtime/reference_executor.h"
#include "schedule_test_db.h"
#include "support/gpu_skip.h"

namespace plantune::runtime {
namespace {

struct Built {
  Schedule schedule;
  WeightStore weights;
};

Built resnet18(std::int64_t batch, Layout layout, tuner::Precision precision) {
  models::ModelOptions mo;
  mo.batch = batch;
  mo.image_size = 64;
  const Graph g = models::build_model("resnet18", mo);
  ScheduleOptions o;
  o.layouts = {layout};
  o.precision = precision;
  // 16 MiB planned per step: the legacy tactic's real need is below it on these shapes (an
  // engine refuses a tactic that needs more than the schedule planned).
  tuner::TacticDb db = testing::made_up_db(g, o, 0.05, 0.02, 16 << 20, /*with_gemms=*/false);
  return {build_schedule(g, db, o), random_weights(g, 7)};
}

std::vector<float> random_input(std::int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = u(rng);
  return v;
}

void expect_matches_reference(const Built& b, const EngineOptions& eo, double tolerance) {
  Engine engine(b.schedule, b.weights, eo);
  ASSERT_EQ(engine.input_sizes().size(), 1u);
  const auto x = random_input(engine.input_sizes()[0], 11);
  ReferenceExecutor ref(b.schedule.graph, b.weights);
  const std::vector<std::vector<float>> inputs = {x};
  const auto want = ref.run(inputs);
  std::vector<float> first;
  for (int ctx = 0; ctx < engine.contexts(); ++ctx) {
    for (int rep = 0; rep < 3; ++rep) {
      engine.set_input(ctx, 0, x);
      engine.poison_arena(ctx);
      engine.run(ctx);
      const auto got = engine.output(ctx, 0);
      const auto m = precision::compare(got, want[0]);
      EXPECT_EQ(m.nonfinite, 0) << "context " << ctx << " run " << rep;
      EXPECT_LE(m.rel_l2, tolerance) << "context " << ctx << " run " << rep;
      // Replays are deterministic: every run gives the same bytes.
      if (first.empty()) first = got;
      else EXPECT_EQ(got, first) << "context " << ctx << " run " << rep;
    }
  }
}

TEST(Engine, Resnet18Fp16NhwcMatchesTheReferenceEveryReplay) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: the engine runs cuDNN";
  const Built b = resnet18(4, Layout::nhwc, tuner::Precision::fp16);
  expect_matches_reference(b, EngineOptions{2, true}, 1e-2);
}

TEST(Engine, EagerEnqueueMatchesToo) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: the engine runs cuDNN";
  const Built b = resnet18(2, Layout::nhwc, tuner::Precision::fp16);
  expect_matches_reference(b, EngineOptions{1, false}, 1e-2);
}

TEST(Engine, Fp32NchwMatchesTightly) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: the engine runs cuDNN";
  const Built b = resnet18(2, Layout::nchw, tuner::Precision::fp32);
  expect_matches_reference(b, EngineOptions{1, true}, 1e-4);
}

TEST(Engine, BenchmarkAndProfileReportEveryRunAndStep) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: the engine runs cuDNN";
  const Built b = resnet18(2, Layout::nhwc, tuner::Precision::fp16);
  Engine engine(b.schedule, b.weights, EngineOptions{2, true});
  BenchmarkOptions o;
  o.iterations = 5;
  o.warmup_seconds = 0.01;
  const RunStats s = engine.benchmark(o);
  EXPECT_EQ(s.inferences, 10);
  EXPECT_EQ(s.latency_ms.n, 10);
  EXPECT_GT(s.compute_ms.median, 0.0);
  EXPECT_GE(s.latency_ms.median, s.compute_ms.median);
  EXPECT_GT(s.throughput_per_s(), 0.0);
  EXPECT_EQ(engine.profile_steps(3).size(), b.schedule.steps.size());
}

TEST(Engine, BadArgumentsAreErrors) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: the engine runs cuDNN";
  const Built b = resnet18(1, Layout::nhwc, tuner::Precision::fp16);
  EXPECT_THROW(Engine(b.schedule, b.weights, EngineOptions{0, true}), Error);
  WeightStore missing;
  EXPECT_THROW(Engine(b.schedule, missing, EngineOptions{}), Error);
  Engine engine(b.schedule, b.weights, EngineOptions{});
  EXPECT_THROW(engine.set_input(0, 0, std::vector<float>(3)), Error);
  EXPECT_THROW(engine.set_input(1, 0, std::vector<float>(3)), Error);
}

}  // namespace
}  // namespace plantune::runtime
