#pragma once
// A tactic database for schedule tests: every problem a graph's schedule looks up, with a
// made-up winner per variant (these are test inputs, not measurements): NHWC convolutions take
// `nhwc_ms`, NCHW ones `nchw_ms`; `workspace` bytes each.
#include <vector>

#include "plantune/runtime/schedule_builder.h"
#include "plantune/tuner/tactic_db.h"

namespace plantune::runtime::testing {

inline tuner::Candidate made_up_candidate(tuner::TacticConfig t, double ms, std::int64_t ws) {
  tuner::Candidate c;
  c.tactic = std::move(t);
  c.outcome = tuner::Outcome::ok;
  const double samples[] = {ms, ms, ms};
  c.timing = tuner::TimingStats::from_samples(samples, true);
  c.workspace_bytes = ws;
  c.validation = tuner::Validation{"test", 0.0, 1e-2, true, true};
  return c;
}

inline void add_problem(tuner::TacticDb& db, const tuner::Problem& p,
                        const std::vector<tuner::Variant>& variants, double nchw_ms,
                        double nhwc_ms, std::int64_t workspace) {
  for (const auto& v : variants) {
    tuner::VariantResult r;
    r.variant = v;
    r.provenance = tuner::Provenance::now("test", "", 0);
    if (std::holds_alternative<tuner::ConvProblem>(p)) {
      // A fast tactic over the workspace limit ranks first; the second one fits.
      r.candidates.push_back(made_up_candidate(
          tuner::LegacyConvTactic{tuner::LegacyAlgo::gemm, tuner::MathType::tensor_op},
          0.5 * (v.layout == Layout::nhwc ? nhwc_ms : nchw_ms), std::int64_t{1} << 40));
      // fp32 runs FMA math (Tensor Core math would round through TF32, as the tuner's fp32
      // validation would refuse); the other precisions run on Tensor Cores.
      r.candidates.push_back(made_up_candidate(
          tuner::LegacyConvTactic{tuner::LegacyAlgo::implicit_precomp_gemm,
                                  v.precision == tuner::Precision::fp32 ? tuner::MathType::fma
                                                                        : tuner::MathType::tensor_op},
          v.layout == Layout::nhwc ? nhwc_ms : nchw_ms, workspace));
    } else {
      tuner::CublasLtTactic t;
      t.algo_id = 6;
      r.candidates.push_back(made_up_candidate(t, 0.01, 0));
    }
    db.insert(p, std::move(r));
  }
}

// Every problem of `g` (fused keys) with the made-up times.
// The convolutions' second candidate (legacy implicit_precomp_gemm with Tensor Cores) runs on a
// GPU; with_gemms = false leaves the GEMMs out, so an engine asks cuBLASLt's heuristic.
inline tuner::TacticDb made_up_db(const Graph& g, const ScheduleOptions& o, double nchw_ms,
                                  double nhwc_ms, std::int64_t workspace = 1 << 20,
                                  bool with_gemms = true) {
  tuner::TacticDb db;
  for (const TuneRequest& r : schedule_problems(g, o)) {
    if (!with_gemms && std::holds_alternative<tuner::GemmProblem>(r.problem)) continue;
    add_problem(db, r.problem, r.variants, nchw_ms, nhwc_ms, workspace);
  }
  return db;
}

}  // namespace plantune::runtime::testing
