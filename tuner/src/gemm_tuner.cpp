#include "plantune/tuner/gemm_tuner.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "device_lost.h"
#include "plantune/core/cuda_check.h"
#include "plantune/core/error.h"
#include "plantune/tuner/device_environment.h"
#include "plantune/tuner/reference.h"
#include "stopwatch.h"
#include "text.h"

namespace plantune::tuner {
namespace {

using detail::Clock;
using detail::seconds_since;
using detail::short_error;

// One tactic on its way through validation and timing.
struct Trial {
  PreparedGemmTactic prep;
  Candidate cand;
  bool valid = false;   // passed validation: may be timed
  bool pinned = false;  // timed in full whatever halving decides
};

// Runnable tactics validated whatever the budget says (the front of the list), as for convs.
constexpr int kAlwaysValidated = 8;

// detail::rethrow_if_device_lost, extended to cuBLASLt's errors (an execution failure can be
// a sticky CUDA error underneath).
void rethrow_if_device_lost(const Error& e) {
  if (e.code() == ErrorCode::cublas_error) {
    (void)cudaGetLastError();
    const cudaError_t s = cudaDeviceSynchronize();
    if (s == cudaSuccess) return;
    PT_FAIL(cuda_error, "the CUDA device is unusable after a GEMM tactic failed ("
                            << status_string(s) << "); the tactic's error: " << e.what());
  }
  detail::rethrow_if_device_lost(e);
}

Outcome outcome_of(const Error& e) {
  return e.code() == ErrorCode::not_supported ? Outcome::not_supported : Outcome::failed;
}

Candidate candidate_of(const PreparedGemmTactic& p) {
  Candidate c;
  c.tactic = p.config;
  c.outcome = p.outcome;
  c.workspace_bytes = p.workspace_bytes;
  c.detail = p.detail;
  return c;
}

std::vector<Trial> to_trials(std::vector<PreparedGemmTactic>&& prepared) {
  std::vector<Trial> trials;
  std::set<std::string> seen;
  for (PreparedGemmTactic& p : prepared) {
    if (!seen.insert(tactic_id(TacticConfig{p.config})).second) continue;
    Trial t;
    t.cand = candidate_of(p);
    t.prep = std::move(p);
    trials.push_back(std::move(t));
  }
  return trials;
}

// Prepares and validates one trial on slot 0 (gemm_tuner.h, step 2).
void validate_trial(Trial& t, GemmWorkload& wl, const GemmReference& ref, double tolerance,
                    std::int64_t workspace_limit, cudaStream_t stream) {
  if (t.prep.outcome != Outcome::ok || !t.prep.runner) return;
  Candidate& c = t.cand;
  try {
    t.prep.runner->prepare();
  } catch (const Error& e) {
    rethrow_if_device_lost(e);
    c.outcome = outcome_of(e);
    c.detail = short_error(e.what());
    return;
  }
  c.workspace_bytes = t.prep.runner->workspace_bytes();
  if (c.workspace_bytes > workspace_limit) {
    c.outcome = Outcome::over_workspace_limit;
    c.detail = "needs " + std::to_string(c.workspace_bytes) + " bytes, limit " +
               std::to_string(workspace_limit);
    return;
  }
  try {
    void* ws = wl.workspace(c.workspace_bytes, stream);
    wl.poison_output(stream);
    t.prep.runner->enqueue(wl.operands(0), ws, stream);
    PT_CUDA_CHECK_MSG(cudaStreamSynchronize(stream), "validation run of " << tactic_id(c.tactic));
  } catch (const Error& e) {
    rethrow_if_device_lost(e);
    c.outcome = outcome_of(e);
    c.detail = short_error(e.what());
    return;
  }
  Validation v = check_gemm_output(wl, ref, tolerance, stream);
  c.validation = v;
  if (!v.passed()) {
    c.outcome = Outcome::incorrect;
    std::ostringstream os;
    if (!v.redzones_intact) os << "wrote outside its output or workspace (guard bytes changed); ";
    if (!v.output_finite) os << "non-finite or unwritten outputs; ";
    if (v.max_rel_error > v.tolerance) {
      os << "max relative error " << v.max_rel_error << " > tolerance " << v.tolerance << "; ";
    }
    os << "data seed " << wl.seed();
    c.detail = os.str();
    return;
  }
  c.outcome = Outcome::ok;  // provisional: needs a timing too
  t.valid = true;
}

// Times the valid trials (successive halving; pinned ones in full) and settles outcomes.
void time_trials(std::vector<Trial>& trials, GemmWorkload& wl, Measurer& m,
                 const GemmTuneOptions& o, bool halving, Clock::time_point deadline) {
  std::int64_t max_ws = 0;
  for (const Trial& t : trials) {
    if (t.valid) max_ws = std::max(max_ws, t.cand.workspace_bytes);
  }
  void* ws = wl.workspace(max_ws, m.stream());
  std::vector<Contender> contenders;
  std::vector<Trial*> owners;
  for (Trial& t : trials) {
    if (!t.valid) continue;
    Contender c;
    GemmRunner* r = t.prep.runner.get();
    const GemmWorkload* w = &wl;
    c.run = [w, r, ws](int slot, cudaStream_t s) { r->enqueue(w->operands(slot), ws, s); };
    c.pinned = t.pinned || !halving;
    contenders.push_back(std::move(c));
    owners.push_back(&t);
  }
  successive_halving(m, contenders, wl.slot_count(), wl.spans_cold_l2(), o.measure, o.halving,
                     deadline);
  for (std::size_t i = 0; i < contenders.size(); ++i) {
    Candidate& c = owners[i]->cand;
    if (contenders[i].stats) {
      c.timing = contenders[i].stats;
      c.outcome = Outcome::ok;
    } else {
      c.outcome = contenders[i].error_not_supported ? Outcome::not_supported : Outcome::failed;
      c.detail = short_error(contenders[i].error.empty() ? "not timed" : contenders[i].error);
      c.timing.reset();
    }
  }
}

std::optional<Candidate> find_candidate(const std::vector<Candidate>& cs, const TacticConfig& t) {
  for (const Candidate& c : cs) {
    if (same_tactic(c.tactic, t)) return c;
  }
  return std::nullopt;
}

}  // namespace

Variant gemm_variant(Precision p) { return Variant{Layout::nchw, p, 0, 0}; }

std::vector<Variant> gemm_variants(std::span<const Precision> precisions) {
  std::vector<Variant> out;
  for (Precision p : precisions) out.push_back(gemm_variant(p));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

GemmTuner::GemmTuner() : stream_(), handle_(), measurer_(stream_.get()) {}

GemmSourceContext GemmTuner::context(const GemmProblem& problem, Precision precision,
                                     const GemmTuneOptions& options) const {
  GemmSourceContext ctx;
  ctx.handle = handle_.get();
  ctx.exec = gemm_exec_problem(problem, precision);
  ctx.precision = precision;
  ctx.workspace_limit = options.workspace_limit;
  return ctx;
}

GemmTuneResult GemmTuner::tune(const GemmProblem& problem, std::span<const Precision> precisions,
                               const GemmTuneOptions& options, TacticDb& db) {
  problem.validate();
  const std::string key = problem_key(problem);
  PT_REQUIRE(gemm_epilogue_supported(problem.activation), not_supported,
             "GEMM '" << key << "': activation " << to_string(problem.activation)
                      << " has no cuBLASLt epilogue (none, relu and gelu do); it cannot be tuned "
                      << "as one GEMM");
  for (Precision p : precisions) {
    PT_REQUIRE(p != Precision::int8, invalid_argument,
               "GEMM '" << key << "': precision int8 is not tuned (fp32, tf32, fp16, bf16)");
  }
  if (db.environment().empty()) db.set_environment(device_environment());
  std::vector<Precision> order;
  for (const Variant& v : gemm_variants(precisions)) order.push_back(v.precision);

  GemmTuneResult result;
  result.key = key;
  result.problem = problem;
  const auto t0 = Clock::now();
  const int count = static_cast<int>(order.size());
  for (int i = 0; i < count; ++i) {
    auto deadline = Clock::time_point::max();
    if (options.budget_seconds > 0) {
      // An equal share of what is left for each remaining precision.
      const double left = options.budget_seconds - seconds_since(t0);
      const double share = std::max(0.0, left) / (count - i);
      deadline = Clock::now() + std::chrono::microseconds(static_cast<std::int64_t>(share * 1e6));
    }
    result.variants.push_back(
        tune_variant(problem, order[static_cast<std::size_t>(i)], options, db, i, count, deadline));
  }
  return result;
}

GemmVariantTuning GemmTuner::from_database(const GemmProblem& problem, const VariantResult& stored,
                                           const GemmTuneOptions& options) {
  GemmVariantTuning vt;
  vt.variant = stored.variant;
  vt.from_db = true;
  vt.result = stored;
  // The heuristic's first choice costs no timing: ask again and find it among the candidates.
  try {
    const auto picks =
        gemm_heuristic_tactics(context(problem, stored.variant.precision, options), 1);
    if (!picks.empty()) vt.heuristic = find_candidate(stored.candidates, TacticConfig{picks[0]});
  } catch (const Error& e) {
    vt.notes.push_back(std::string("heuristic pick unavailable: ") + e.what());
  }
  return vt;
}

GemmVariantTuning GemmTuner::tune_variant(const GemmProblem& problem, Precision precision,
                                          const GemmTuneOptions& o, TacticDb& db, int index,
                                          int count, Clock::time_point deadline) {
  const std::string key = problem_key(problem);
  const Variant variant = gemm_variant(precision);
  TuneProgress progress;
  progress.key = key;
  progress.variant = variant;
  progress.variant_index = index;
  progress.variant_count = count;
  auto report = [&](const char* phase) {
    progress.phase = phase;
    if (o.progress) o.progress(progress);
  };

  if (o.use_db) {
    if (const Entry* e = db.find(key)) {
      if (const VariantResult* r = e->find(variant); r != nullptr && !r->needs_reverify) {
        GemmVariantTuning vt = from_database(problem, *r, o);
        if (const Candidate* w = vt.winner()) {
          progress.best_ms = w->timing->median_ms;
          progress.best_id = tactic_id(w->tactic);
        }
        report("cached");
        return vt;
      }
    }
  }

  const auto t0 = Clock::now();
  const std::int64_t samples0 = measurer_.samples_taken();
  cudaStream_t s = stream_.get();
  GemmVariantTuning vt;
  vt.variant = variant;
  GemmWorkload wl(problem, precision, o.workload, s);
  const GemmReference ref(wl, s);
  const double tolerance = default_tolerance(precision);
  const GemmSourceContext ctx = context(problem, precision, o);

  // Tactics: the heuristic's configurations first (its first one is what a framework would
  // run), then the enumerated ones. The front of the list is what a budget never cuts.
  GemmTactics g = gemm_tactics(ctx, o.source);
  vt.notes = std::move(g.notes);
  vt.heuristic_tactics = g.heuristic_count;
  std::optional<CublasLtTactic> heuristic_first;
  if (g.heuristic_count > 0) heuristic_first = g.tactics.front().config;
  std::vector<PreparedGemmTactic> prepared = std::move(g.tactics);
  if (o.tactic_hook) o.tactic_hook(ctx, prepared);
  std::vector<Trial> trials = to_trials(std::move(prepared));
  vt.enumerate_seconds = seconds_since(t0);
  const auto t_validate = Clock::now();
  vt.tactics_total = static_cast<int>(trials.size());
  progress.tactics_total = vt.tactics_total;

  // Validation within ~60% of the budget, as for convolutions (tuner.cpp).
  const auto validate_until =
      deadline == Clock::time_point::max() ? deadline : t0 + (deadline - t0) * 6 / 10;
  report("validating");
  int runnable_seen = 0;
  for (Trial& t : trials) {
    ++progress.tactics_tried;
    if (t.prep.outcome != Outcome::ok) continue;
    ++runnable_seen;
    if (runnable_seen > kAlwaysValidated && Clock::now() >= validate_until) {
      t.cand.outcome = Outcome::timeout;
      t.cand.detail = "tuning budget spent before validation";
      continue;
    }
    validate_trial(t, wl, ref, tolerance, o.workspace_limit, s);
    if (t.valid) ++vt.tactics_validated;
    if (progress.tactics_tried % 16 == 0) report("validating");
  }

  // The heuristic's first configuration is timed in full.
  for (Trial& t : trials) {
    if (heuristic_first && same_tactic(t.cand.tactic, TacticConfig{*heuristic_first}))
      t.pinned = true;
  }

  vt.validate_seconds = seconds_since(t_validate);
  report("timing");
  const auto t_time = Clock::now();
  time_trials(trials, wl, measurer_, o, /*halving=*/true, deadline);
  vt.time_seconds = seconds_since(t_time);
  for (const Trial& t : trials) vt.tactics_timed += t.cand.timing ? 1 : 0;

  std::vector<Candidate> cands;
  cands.reserve(trials.size());
  for (const Trial& t : trials) cands.push_back(t.cand);
  if (heuristic_first) vt.heuristic = find_candidate(cands, TacticConfig{*heuristic_first});
  rank_candidates(cands);

  vt.result.variant = variant;
  vt.result.candidates = std::move(cands);
  vt.seconds = seconds_since(t0);
  vt.samples = measurer_.samples_taken() - samples0;
  vt.result.provenance = Provenance::now(o.command, o.commit, vt.seconds);
  db.insert(Problem{problem}, vt.result);
  if (const Candidate* w = vt.winner()) {
    progress.best_ms = w->timing->median_ms;
    progress.best_id = tactic_id(w->tactic);
  }
  progress.seconds = vt.seconds;
  progress.enumerate_seconds = vt.enumerate_seconds;
  progress.validate_seconds = vt.validate_seconds;
  progress.time_seconds = vt.time_seconds;
  report("done");
  return vt;
}

std::vector<Candidate> GemmTuner::evaluate(const GemmProblem& problem, Precision precision,
                                           std::span<const CublasLtTactic> tactics,
                                           const GemmTuneOptions& o) {
  cudaStream_t s = stream_.get();
  GemmWorkload wl(problem, precision, o.workload, s);
  const GemmReference ref(wl, s);
  const GemmSourceContext ctx = context(problem, precision, o);
  std::vector<Trial> trials;
  for (const CublasLtTactic& t : tactics) {
    Trial tr;
    tr.prep = prepare_gemm(ctx, t);
    tr.cand = candidate_of(tr.prep);
    trials.push_back(std::move(tr));
  }
  for (Trial& t : trials) {
    validate_trial(t, wl, ref, default_tolerance(precision), o.workspace_limit, s);
  }
  time_trials(trials, wl, measurer_, o, /*halving=*/false, Clock::time_point::max());
  std::vector<Candidate> out;
  for (const Trial& t : trials) out.push_back(t.cand);
  return out;
}

GemmTuneResult tune_gemm(const GemmProblem& problem, std::span<const Precision> precisions,
                         const GemmTuneOptions& options, TacticDb& db) {
  GemmTuner tuner;
  return tuner.tune(problem, precisions, options, db);
}

}  // namespace plantune::tuner
