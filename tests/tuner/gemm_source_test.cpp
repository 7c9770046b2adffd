// cuBLASLt tactics for GEMMs: enum names of the stored fields, the row-major -> column-major
// mapping (checked on the CPU), heuristic and enumerated tactics validated against the fp64
// reference, a runner rebuilt from a stored description, and what cannot run.
#include "plantune/tuner/gemm_source.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <random>
#include <set>
#include <vector>

#include "cublaslt_names.h"
#include "plantune/core/cublaslt_handle.h"
#include "plantune/core/error.h"
#include "plantune/core/stream.h"
#include "plantune/tuner/reference.h"
#include "plantune/tuner/tactic_json.h"
#include "support/gpu_skip.h"
#include "tuner/gemm_shapes.h"

namespace {

using namespace plantune;
using namespace plantune::tuner;
namespace lt = plantune::tuner::detail;
using lt::LtField;
using plantune::tuner::testing::fc;

#define NEED_GPU()                           \
  if (!plantune::testing::has_cuda_device()) \
  GTEST_SKIP() << "no CUDA device: cuBLASLt runs on the GPU"

template <typename F>
ErrorCode code_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "expected an Error";
  return ErrorCode::internal;
}

// ---- CPU ------------------------------------------------------------------------------------

TEST(CublasLtNames, EveryKnownValueRoundTripsAndIsAValidTacticField) {
  for (LtField f : {LtField::tile, LtField::stages, LtField::inner_shape, LtField::cluster_shape}) {
    ASSERT_GT(lt::lt_known_count(f), 1u) << lt::to_string(f);
    std::set<std::string> names;
    for (std::size_t i = 0; i < lt::lt_known_count(f); ++i) {
      const std::uint32_t v = lt::lt_known_value(f, i);
      const std::string name = lt::lt_name(f, v);
      EXPECT_TRUE(names.insert(name).second) << name;
      EXPECT_EQ(lt::lt_value(f, name), v) << name;
      CublasLtTactic t;
      t.tile = name;  // the same token rule holds for every field
      EXPECT_NO_THROW(validate(TacticConfig{t})) << name;
    }
  }
  EXPECT_EQ(lt::lt_name(LtField::tile, 20), "128x128");
  EXPECT_EQ(lt::lt_name(LtField::stages, 0), "UNDEFINED");
  EXPECT_EQ(lt::lt_name(LtField::inner_shape, 4), "MMA16816");
  EXPECT_EQ(lt::lt_name(LtField::cluster_shape, 0), "AUTO");
  EXPECT_EQ(lt::lt_name(LtField::cluster_shape, 2), "1x1x1");
}

TEST(CublasLtNames, UnknownValuesAndMalformedNames) {
  EXPECT_EQ(lt::lt_name(LtField::tile, 60000), "ID60000");
  EXPECT_EQ(lt::lt_value(LtField::tile, "ID60000"), 60000u);
  EXPECT_EQ(lt::lt_value(LtField::cluster_shape, "UNDEFINED"), 0u);  // the struct default
  EXPECT_EQ(lt::lt_value(LtField::tile, "UNDEFINED"), 0u);
  for (const char* bad : {"", "128x", "128X128", "ID", "ID012", "ID-1", "ID1x", "AUTO"}) {
    EXPECT_FALSE(lt::lt_value(LtField::tile, bad).has_value()) << bad;
  }
  EXPECT_FALSE(lt::lt_value(LtField::stages, "128x128").has_value());
}

TEST(GemmSource, OnlyNoneReluAndGeluHaveEpilogues) {
  EXPECT_TRUE(gemm_epilogue_supported(Activation::none));
  EXPECT_TRUE(gemm_epilogue_supported(Activation::relu));
  EXPECT_TRUE(gemm_epilogue_supported(Activation::gelu));
  for (Activation a :
       {Activation::relu6, Activation::sigmoid, Activation::silu, Activation::hard_swish}) {
    EXPECT_FALSE(gemm_epilogue_supported(a));
  }
}

// Column-major D'[m', n'] = op'(A') op'(B') exactly as cuBLASLt would run it, on the bytes of
// the row-major operands.
std::vector<double> column_major_gemm(const LtGemmShape& s, const std::vector<double>& a_bytes,
                                      const std::vector<double>& b_bytes) {
  std::vector<double> d(s.m * s.n, 0.0);
  auto A = [&](std::uint64_t i, std::uint64_t k) {  // op'(A')[i, k]
    return s.transa ? a_bytes[i * s.lda + k] : a_bytes[k * s.lda + i];
  };
  auto B = [&](std::uint64_t k, std::uint64_t j) {  // op'(B')[k, j]
    return s.transb ? b_bytes[k * s.ldb + j] : b_bytes[j * s.ldb + k];
  };
  for (std::uint64_t j = 0; j < s.n; ++j)
    for (std::uint64_t i = 0; i < s.m; ++i) {
      double acc = 0;
      for (std::uint64_t k = 0; k < s.k; ++k) acc += A(i, k) * B(k, j);
      d[j * s.ldd + i] = acc;
    }
  return d;
}

TEST(GemmSource, RowMajorProblemMapsToTheSwappedColumnMajorGemm) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-1, 1);
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      GemmProblem p;
      p.m = 3, p.n = 5, p.k = 4, p.transa = ta, p.transb = tb;
      const LtGemmShape s = lt_gemm_shape(p);
      EXPECT_EQ(s.m, 5u);
      EXPECT_EQ(s.n, 3u);
      EXPECT_EQ(s.k, 4u);
      EXPECT_EQ(s.a_rows * s.a_cols, 20u);
      EXPECT_EQ(s.b_rows * s.b_cols, 12u);
      EXPECT_EQ(s.lda, static_cast<std::int64_t>(s.a_rows));
      // Row-major A: [M, K], or [K, M] when transa; B: [K, N], or [N, K] when transb.
      std::vector<double> a(12), b(20);
      for (double& v : a) v = u(rng);
      for (double& v : b) v = u(rng);
      auto opA = [&](std::int64_t m, std::int64_t k) { return ta ? a[k * 3 + m] : a[m * 4 + k]; };
      auto opB = [&](std::int64_t k, std::int64_t n) { return tb ? b[n * 4 + k] : b[k * 5 + n]; };
      const std::vector<double> d = column_major_gemm(s, /*A'=*/b, /*B'=*/a);
      for (std::int64_t m = 0; m < 3; ++m)
        for (std::int64_t n = 0; n < 5; ++n) {
          double want = 0;
          for (std::int64_t k = 0; k < 4; ++k) want += opA(m, k) * opB(k, n);
          EXPECT_NEAR(d[m * 5 + n], want, 1e-12) << "ta=" << ta << " tb=" << tb;  // row-major D
        }
    }
  }
}

// ---- GPU ------------------------------------------------------------------------------------

struct Rig {
  Stream stream;
  CublasLtHandle handle;
};

GemmSourceContext context_for(const Rig& rig, const GemmProblem& p, Precision pr) {
  GemmSourceContext ctx;
  ctx.handle = rig.handle.get();
  ctx.exec = gemm_exec_problem(p, pr);
  ctx.precision = pr;
  return ctx;
}

// Runs `r` once on slot 0 of `wl` and checks the output.
Validation run_and_check(GemmRunner& r, GemmWorkload& wl, const GemmReference& ref,
                         cudaStream_t s) {
  r.prepare();
  void* ws = wl.workspace(r.workspace_bytes(), s);
  wl.poison_output(s);
  r.enqueue(wl.operands(0), ws, s);
  EXPECT_EQ(cudaStreamSynchronize(s), cudaSuccess);
  return check_gemm_output(wl, ref, default_tolerance(wl.precision()), s);
}

TEST(GemmSource, HeuristicAndEnumeratedTacticsValidate) {
  NEED_GPU();
  Rig rig;
  WorkloadOptions wo;
  wo.cold_l2 = false;
  GemmSourceOptions so;
  so.max_heuristic = 8;
  so.max_enumerated = 12;
  for (const auto& shape : plantune::tuner::testing::gemm_test_shapes()) {
    for (Precision pr : {Precision::fp32, Precision::fp16}) {
      for (Activation act : {Activation::none, Activation::relu}) {
        GemmProblem p = shape.problem;
        p.activation = act;
        const std::string what = shape.name + " " + std::string(to_string(pr)) +
                                 (act == Activation::relu ? " bias+relu" : " bias");
        GemmWorkload wl(p, pr, wo, rig.stream.get());
        const GemmReference ref(wl, rig.stream.get());
        GemmTactics g = gemm_tactics(context_for(rig, p, pr), so);
        EXPECT_GT(g.heuristic_count, 0) << what;
        int ok[2] = {0, 0}, runnable[2] = {0, 0};
        double worst = 0;
        for (PreparedGemmTactic& t : g.tactics) {
          const int src = t.config.source == CublasLtSource::heuristic ? 0 : 1;
          if (t.outcome != Outcome::ok) continue;
          ++runnable[src];
          const Validation v = run_and_check(*t.runner, wl, ref, rig.stream.get());
          EXPECT_TRUE(v.passed()) << what << " " << tactic_id(TacticConfig{t.config})
                                  << " max rel error " << v.max_rel_error;
          ok[src] += v.passed() ? 1 : 0;
          worst = std::max(worst, v.max_rel_error);
        }
        EXPECT_GT(ok[0], 0) << what;
        EXPECT_GT(ok[1], 0) << what << ": no enumerated configuration validated";
        std::cout << "[ facts ] " << what << ": heuristic " << ok[0] << "/" << runnable[0]
                  << " validated, enumerated " << ok[1] << "/" << runnable[1]
                  << ", worst rel error " << worst << ", tolerance " << default_tolerance(pr)
                  << "; first " << tactic_id(TacticConfig{g.tactics.front().config}) << "\n";
        for (const auto& n : g.notes) std::cout << "[ facts ]   " << n << "\n";
      }
    }
  }
}

TEST(GemmSource, ARunnerRebuiltFromTheStoredDescriptionReproducesTheResult) {
  NEED_GPU();
  Rig rig;
  WorkloadOptions wo;
  wo.cold_l2 = false;
  for (Precision pr : {Precision::fp32, Precision::fp16}) {
    const GemmProblem p = fc(32, 1000, 2048, true, Activation::relu);
    GemmWorkload wl(p, pr, wo, rig.stream.get());
    const GemmReference ref(wl, rig.stream.get());
    GemmSourceOptions so;
    so.max_heuristic = 4;
    so.enumerate = false;
    GemmTactics g = gemm_tactics(context_for(rig, p, pr), so);
    ASSERT_FALSE(g.tactics.empty());
    PreparedGemmTactic& first = g.tactics.front();
    ASSERT_EQ(first.outcome, Outcome::ok) << first.detail;
    ASSERT_TRUE(run_and_check(*first.runner, wl, ref, rig.stream.get()).passed());
    std::vector<std::uint8_t> d1(static_cast<std::size_t>(wl.d_bytes()));
    ASSERT_EQ(cudaMemcpy(d1.data(), wl.operands(0).d, d1.size(), cudaMemcpyDeviceToHost),
              cudaSuccess);

    // Through the database's JSON form and back, then rebuilt as a runtime would.
    const TacticConfig stored =
        tactic_config_from_json_string(to_json_string(TacticConfig{first.config}));
    ASSERT_TRUE(same_tactic(stored, TacticConfig{first.config}));
    std::unique_ptr<GemmRunner> again =
        make_gemm_runner(rig.handle.get(), p, pr, std::get<CublasLtTactic>(stored));
    EXPECT_EQ(again->workspace_bytes(), first.runner->workspace_bytes());
    const Validation v = run_and_check(*again, wl, ref, rig.stream.get());
    EXPECT_TRUE(v.passed()) << v.max_rel_error;
    std::vector<std::uint8_t> d2(d1.size());
    ASSERT_EQ(cudaMemcpy(d2.data(), wl.operands(0).d, d2.size(), cudaMemcpyDeviceToHost),
              cudaSuccess);
    if (first.config.reduction == ReductionScheme::none) {
      EXPECT_EQ(d1, d2) << "the same configuration computes the same bits";
    }
    std::cout << "[ facts ] " << to_string(pr) << " heuristic first "
              << tactic_id(TacticConfig{first.config}) << ", workspace "
              << first.runner->workspace_bytes()
              << " B, bitwise equal on rebuild: " << (d1 == d2 ? "yes" : "no") << "\n";

    // Without a tactic: the heuristic's first configuration that runs.
    std::unique_ptr<GemmRunner> h = make_gemm_runner(rig.handle.get(), p, pr, std::nullopt);
    EXPECT_TRUE(run_and_check(*h, wl, ref, rig.stream.get()).passed());
  }
}

// With K = 8 the pre-activation values reach |x| ~ 3, where the tanh and erf forms of GELU
// differ by up to 4.7e-4: on this problem the fp32 tolerance tells them apart.
TEST(GemmSource, GeluEpilogueComputesTheTanhForm) {
  NEED_GPU();
  Rig rig;
  WorkloadOptions wo;
  wo.cold_l2 = false;
  const GemmProblem p = fc(64, 96, 8, true, Activation::gelu);
  GemmWorkload wl(p, Precision::fp32, wo, rig.stream.get());
  const GemmReference ref(wl, rig.stream.get());
  std::unique_ptr<GemmRunner> r =
      make_gemm_runner(rig.handle.get(), p, Precision::fp32, std::nullopt);
  const Validation v = run_and_check(*r, wl, ref, rig.stream.get());
  EXPECT_TRUE(v.passed()) << v.max_rel_error;
  // Against both forms on the host: the output must be the tanh one.
  std::vector<float> d(static_cast<std::size_t>(p.m * p.n)), a(static_cast<std::size_t>(p.m * p.k)),
      bt(static_cast<std::size_t>(p.n * p.k)), bias(static_cast<std::size_t>(p.n));
  ASSERT_EQ(cudaMemcpy(d.data(), wl.operands(0).d, d.size() * 4, cudaMemcpyDeviceToHost),
            cudaSuccess);
  ASSERT_EQ(cudaMemcpy(a.data(), wl.a_ref(), a.size() * 4, cudaMemcpyDeviceToHost), cudaSuccess);
  ASSERT_EQ(cudaMemcpy(bt.data(), wl.bt_ref(), bt.size() * 4, cudaMemcpyDeviceToHost), cudaSuccess);
  ASSERT_EQ(cudaMemcpy(bias.data(), wl.bias_ref(), bias.size() * 4, cudaMemcpyDeviceToHost),
            cudaSuccess);
  double err_tanh = 0, err_erf = 0;
  for (std::int64_t m = 0; m < p.m; ++m)
    for (std::int64_t n = 0; n < p.n; ++n) {
      double x = bias[static_cast<std::size_t>(n)];
      for (std::int64_t k = 0; k < p.k; ++k)
        x += static_cast<double>(a[static_cast<std::size_t>(m * p.k + k)]) *
             bt[static_cast<std::size_t>(n * p.k + k)];
      const double t = 0.5 * x * (1.0 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
      const double e = 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
      const double got = d[static_cast<std::size_t>(m * p.n + n)];
      err_tanh = std::max(err_tanh, std::fabs(got - t));
      err_erf = std::max(err_erf, std::fabs(got - e));
    }
  std::cout << "[ facts ] cuBLASLt GELU_BIAS (fp32, K = 8): max |d - gelu_tanh| " << err_tanh
            << ", max |d - gelu_erf| " << err_erf << "\n";
  EXPECT_LT(err_tanh, err_erf);
}

TEST(GemmSource, ConfigurationsThatCannotRunAreNotSupported) {
  NEED_GPU();
  Rig rig;
  const GemmProblem p = fc(32, 1000, 2048);
  const auto h = rig.handle.get();
  auto make = [&](const CublasLtTactic& t) { return make_gemm_runner(h, p, Precision::fp16, t); };
  CublasLtTactic t;
  t.algo_id = 999999;
  EXPECT_EQ(code_of([&] { make(t); }), ErrorCode::not_supported);
  GemmSourceContext ctx = context_for(rig, p, Precision::fp16);
  const auto picks = gemm_heuristic_tactics(ctx, 1);
  ASSERT_FALSE(picks.empty());
  t = picks[0];
  t.tile = "999x999";
  EXPECT_EQ(code_of([&] { make(t); }), ErrorCode::not_supported);
  t = picks[0];
  t.tile = "ID60000";
  EXPECT_EQ(code_of([&] { make(t); }), ErrorCode::not_supported);
  t = picks[0];
  t.split_k = 0;
  EXPECT_EQ(code_of([&] { make(t); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] {
              make_gemm_runner(h, fc(4, 8, 16, true, Activation::silu), Precision::fp16, picks[0]);
            }),
            ErrorCode::not_supported);
  // prepare_gemm reports instead of throwing.
  t = picks[0];
  t.algo_id = 999999;
  const PreparedGemmTactic prep = prepare_gemm(ctx, t);
  EXPECT_EQ(prep.outcome, Outcome::not_supported);
  EXPECT_FALSE(prep.detail.empty());
  EXPECT_EQ(prepare_gemm(ctx, picks[0]).outcome, Outcome::ok);
}

TEST(GemmSource, EnqueueRefusesMissingPointersAndShortWorkspaces) {
  NEED_GPU();
  Rig rig;
  WorkloadOptions wo;
  wo.cold_l2 = false;
  const GemmProblem p = fc(16, 256, 512);
  GemmWorkload wl(p, Precision::fp16, wo, rig.stream.get());
  auto r = make_gemm_runner(rig.handle.get(), p, Precision::fp16, std::nullopt);
  void* ws = wl.workspace(r->workspace_bytes(), rig.stream.get());
  GemmOperands o = wl.operands(0);
  o.bias = nullptr;
  EXPECT_EQ(code_of([&] { r->enqueue(o, ws, rig.stream.get()); }), ErrorCode::invalid_argument);
  o = wl.operands(0);
  o.d = nullptr;
  EXPECT_EQ(code_of([&] { r->enqueue(o, ws, rig.stream.get()); }), ErrorCode::invalid_argument);
  o = wl.operands(0);
  EXPECT_EQ(code_of([&] { r->enqueue(o, ws, r->workspace_bytes() - 1, rig.stream.get()); }),
            ErrorCode::invalid_argument);
  EXPECT_NO_THROW(r->enqueue(o, ws, r->workspace_bytes(), rig.stream.get()));
  EXPECT_EQ(cudaStreamSynchronize(rig.stream.get()), cudaSuccess);
}

}  // namespace
