#pragma once
// Sample tactics, candidates, entries and environments for the tuner's tests, the concurrent
// writer helper and the load benchmark. Every value is deterministic in its arguments.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "plantune/tuner/tactic_db.h"

namespace plantune::tuner::testing {

inline Environment h200_env() {
  Environment e;
  e.gpu_name = "NVIDIA H200";
  e.cc_major = 9;
  e.cc_minor = 0;
  e.sm_count = 132;
  e.driver_version = "13.0";
  e.cuda_runtime_version = "13.0";
  e.cudnn_version = "9.14.0";
  e.plantune_version = "0.1.0";
  return e;
}

inline Validation passed_validation(double err = 1.5e-4) {
  return Validation{"direct_fp64", err, 1e-2, true, true};
}

inline TimingStats timing(double median, std::int64_t n = 50, double rel_spread = 0.04) {
  TimingStats t;
  t.median_ms = median;
  t.p10_ms = median * (1 - rel_spread / 2);
  t.p90_ms = median * (1 + rel_spread / 2);
  t.n = n;
  t.cold_l2 = true;
  return t;
}

inline GraphEngineTactic graph_tactic(std::int64_t engine, std::int64_t split_k = 1,
                                      std::int64_t tile = 5) {
  GraphEngineTactic g;
  g.engine_id = engine;
  g.set_knob("CUDNN_KNOB_TYPE_TILE_SIZE", tile);
  g.set_knob("CUDNN_KNOB_TYPE_SPLIT_K", split_k);
  g.source = GraphSource::heuristic_a;
  g.behavior_notes = {"CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION"};
  g.numerical_notes = {"CUDNN_NUMERICAL_NOTE_TENSOR_CORE"};
  return g;
}

inline Candidate ok_candidate(TacticConfig t, double median, std::int64_t n = 50,
                              double rel_spread = 0.04) {
  Candidate c;
  c.tactic = std::move(t);
  c.outcome = Outcome::ok;
  c.timing = timing(median, n, rel_spread);
  c.workspace_bytes = 1 << 20;
  c.validation = passed_validation();
  return c;
}

inline Candidate failed_candidate(TacticConfig t, Outcome o, std::string detail) {
  Candidate c;
  c.tactic = std::move(t);
  c.outcome = o;
  c.detail = std::move(detail);
  if (o == Outcome::incorrect) c.validation = Validation{"direct_fp64", 0.5, 1e-2, true, true};
  if (o == Outcome::over_workspace_limit) c.workspace_bytes = std::int64_t{48} << 30;
  return c;
}

// Error metrics of a winner against fp32 with the given rel_l2 (the others consistent with it
// for an output of `count` elements).
inline precision::ErrorMetrics error_metrics(double rel_l2, std::int64_t count = 6422528) {
  precision::ErrorMetrics m;
  m.count = count;
  m.max_abs = 3 * rel_l2;
  m.max_rel = 500 * rel_l2;
  m.mean_rel = 2 * rel_l2;
  m.rel_l2 = rel_l2;
  m.sqnr_db = -20 * std::log10(rel_l2);
  m.cosine = 1 - rel_l2 * rel_l2 / 2;
  return m;
}

inline Provenance provenance(const std::string& date = "2026-11-22T04:12:25Z") {
  return Provenance{date, "plantune tune resnet50 --db tactics.json --batch 32", "156b08b", 1.25};
}

// A conv problem whose key is distinct for each i (i >= 0).
inline ConvProblem conv_problem(std::int64_t i) {
  ConvProblem p;
  p.n = 1 + i / 40000;
  p.c = 64 + 8 * (i % 1000);
  p.h = p.w = 56 - (i / 1000) % 40;
  p.k = 64;
  p.r = p.s = 3;
  p.pad_h = p.pad_w = 1;
  p.x_dtype = p.w_dtype = p.y_dtype = DType::fp16;
  p.compute = DType::fp32;
  return p;
}

// A realistic variant: `ok` graph/legacy winners and runners-up, then failures.
inline VariantResult variant_result(Variant v, double base_ms, int ok = 3, int failed = 2) {
  VariantResult r;
  r.variant = v;
  r.provenance = provenance();
  for (int i = 0; i < ok; ++i) {
    TacticConfig t =
        i % 3 == 2
            ? TacticConfig(LegacyConvTactic{LegacyAlgo::implicit_precomp_gemm, MathType::tensor_op})
            : TacticConfig(graph_tactic(20 + i, 1 + i % 2));
    r.candidates.push_back(ok_candidate(std::move(t), base_ms * (1 + 0.25 * i)));
  }
  for (int i = 0; i < failed; ++i) {
    r.candidates.push_back(failed_candidate(graph_tactic(60 + i), Outcome::not_supported,
                                            "CUDNN_STATUS_NOT_SUPPORTED"));
  }
  rank_candidates(r.candidates);
  return r;
}

// Entry i with `variants` variants (nhwc/fp16, nchw/fp16, nhwc/tf32, nchw/tf32 in turn).
inline Entry entry(std::int64_t i, int variants = 2, int ok = 3, int failed = 2) {
  static const Variant kVariants[] = {{Layout::nhwc, Precision::fp16, 0, 0},
                                      {Layout::nchw, Precision::fp16, 0, 0},
                                      {Layout::nhwc, Precision::tf32, 0, 0},
                                      {Layout::nchw, Precision::tf32, 0, 0}};
  Entry e = Entry::for_problem(conv_problem(i));
  for (int v = 0; v < variants; ++v) {
    e.variants.push_back(
        variant_result(kVariants[v % 4], 0.03 + 0.001 * (i % 17) + 0.01 * v, ok, failed));
  }
  return e;
}

inline TacticDb database(std::int64_t entries, int variants = 2, int ok = 3, int failed = 2) {
  TacticDb db(h200_env());
  for (std::int64_t i = 0; i < entries; ++i) db.insert(entry(i, variants, ok, failed));
  return db;
}

// The small database of docs/tactic-db-format.md: a ResNet-50 3x3 conv with a verified
// nhwc/fp16 variant (with its error against fp32) and an nchw/tf32 variant needing
// re-verification (measured before errors were stored: none), and the final FC layer's GEMM
// tuned through cuBLASLt.
inline TacticDb small_db() {
  TacticDb db(h200_env());
  ConvProblem conv;
  conv.n = 32, conv.c = 64, conv.h = 56, conv.w = 56, conv.k = 64, conv.r = 3, conv.s = 3;
  conv.pad_h = conv.pad_w = 1;
  conv.x_dtype = conv.w_dtype = conv.y_dtype = DType::fp16;
  conv.compute = DType::fp32;

  VariantResult nhwc;
  nhwc.variant = {Layout::nhwc, Precision::fp16, 0, 0};
  nhwc.provenance = provenance();
  Candidate best = ok_candidate(graph_tactic(28, 2), 0.0341);
  best.timing->p10_ms = 0.0339, best.timing->p90_ms = 0.035;
  best.workspace_bytes = 2359296;
  nhwc.candidates.push_back(best);
  Candidate legacy = ok_candidate(
      LegacyConvTactic{LegacyAlgo::implicit_precomp_gemm, MathType::tensor_op}, 0.1231);
  legacy.timing->p10_ms = 0.1225, legacy.timing->p90_ms = 0.1262;
  legacy.workspace_bytes = 0;
  legacy.validation->max_rel_error = 9.8e-4;
  nhwc.candidates.push_back(legacy);
  GraphEngineTactic eng9;
  eng9.engine_id = 9;
  eng9.source = GraphSource::engine_enum;
  nhwc.candidates.push_back(
      failed_candidate(eng9, Outcome::not_supported, "CUDNN_STATUS_NOT_SUPPORTED_SHAPE"));
  Candidate wrong =
      failed_candidate(LegacyConvTactic{LegacyAlgo::winograd_nonfused, MathType::tensor_op},
                       Outcome::incorrect, "max relative error 0.5 > tolerance 0.01");
  nhwc.candidates.push_back(wrong);
  nhwc.error_vs_fp32 = precision::ErrorMetrics{6422528, 0,      0.0012, 0.21,
                                               0.0009,  0.00041, 67.7,  0.99999992};
  db.insert(conv, nhwc);

  VariantResult tf32;
  tf32.variant = {Layout::nchw, Precision::tf32, 0, 0};
  tf32.provenance = provenance("2026-11-20T18:03:11Z");
  tf32.needs_reverify = true;
  tf32.reverify_reason =
      "measured in another environment: cuDNN version differs: measured with '9.12.0', now "
      "'9.14.0'";
  Candidate tf32_best = ok_candidate(graph_tactic(1, 1, 3), 0.0612, 40);
  tf32_best.timing->p10_ms = 0.0597, tf32_best.timing->p90_ms = 0.0628;
  tf32.candidates.push_back(tf32_best);
  db.insert(conv, tf32);

  GemmProblem fc;
  fc.m = 32, fc.n = 1000, fc.k = 2048, fc.transb = true, fc.bias = true;
  fc.a_dtype = fc.b_dtype = fc.d_dtype = DType::fp16;
  VariantResult gemm;
  gemm.variant = {Layout::nchw, Precision::fp16, 0, 0};
  gemm.provenance = provenance();
  CublasLtTactic lt;
  lt.algo_id = 66, lt.tile = "128x128", lt.stages = "128xAUTO", lt.split_k = 1;
  lt.cta_swizzling = 0, lt.inner_shape = "UNDEFINED", lt.cluster_shape = "1x1x1";
  Candidate g = ok_candidate(lt, 0.0108, 100);
  g.timing->p10_ms = 0.0106, g.timing->p90_ms = 0.0111;
  g.workspace_bytes = 33554432;
  gemm.candidates.push_back(g);
  db.insert(fc, gemm);
  return db;
}

}  // namespace plantune::tuner::testing
