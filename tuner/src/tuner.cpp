#include "plantune/tuner/tuner.h"

#include <algorithm>
#include <exception>
#include <set>
#include <sstream>
#include <thread>

#include "device_lost.h"
#include "device_threads.h"
#include "plantune/core/cuda_check.h"
#include "plantune/core/error.h"
#include "plantune/tuner/device_environment.h"
#include "plantune/tuner/legacy_source.h"
#include "plantune/tuner/reference.h"
#include "plantune/tuner/staged_search.h"
#include "stopwatch.h"
#include "text.h"

namespace plantune::tuner {
namespace {

using detail::Clock;
using detail::seconds_since;
using detail::short_error;

// One tactic on its way through preparation, validation and timing.
struct Trial {
  PreparedTactic prep;
  Candidate cand;
  bool valid = false;   // passed validation: may be timed
  bool pinned = false;  // timed in full whatever halving decides
  bool dropped = false;          // left out by the staged search: not stored
  bool prepared = false;         // runner->prepare() has been called
  std::exception_ptr prep_error;  // what it threw, if anything
};

// Host threads for graph plans and engine enumeration (TuneOptions::prepare_threads).
int prepare_threads(const TuneOptions& o) {
  if (o.prepare_threads > 0) return o.prepare_threads;
  return static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u,
                                     TuneOptions::kMaxAutoPrepareThreads));
}

// Runnable tactics validated whatever the budget says (the front of the list).
constexpr int kAlwaysValidated = 8;

Candidate candidate_of(const PreparedTactic& p) {
  Candidate c;
  c.tactic = p.config;
  c.outcome = p.outcome;
  c.workspace_bytes = p.workspace_bytes;
  c.detail = p.detail;
  return c;
}

std::vector<Trial> to_trials(std::vector<PreparedTactic>&& prepared) {
  std::vector<Trial> trials;
  std::set<std::string> seen;
  for (PreparedTactic& p : prepared) {
    if (!seen.insert(tactic_id(p.config)).second) continue;
    Trial t;
    t.cand = candidate_of(p);
    t.prep = std::move(p);
    trials.push_back(std::move(t));
  }
  return trials;
}

void enqueue_once(ConvWorkload& wl, ConvRunner& r, void* ws, int slot, cudaStream_t s) {
  wl.enqueue_pad_input(slot, s);
  r.enqueue(wl.operands(slot), ws, s);
  wl.enqueue_slice_output(slot, s);
}

// Calls the trial's runner->prepare() once, keeping what it throws for validate_trial (which
// may run on another thread).
void prepare_trial(Trial& t) {
  if (t.prepared) return;
  t.prepared = true;
  try {
    t.prep.runner->prepare();
  } catch (...) {
    t.prep_error = std::current_exception();
  }
}

// Prepares the trials of `batch` whose runners allow it on up to `threads` host threads (this
// one included), each on this thread's CUDA device; the others are left to validate_trial.
void prepare_in_parallel(const std::vector<Trial*>& batch, int threads) {
  std::vector<Trial*> todo;
  for (Trial* t : batch) {
    if (!t->prepared && t->prep.runner && t->prep.runner->thread_safe_prepare()) todo.push_back(t);
  }
  if (todo.size() < 2 || threads < 2) return;  // validate_trial prepares them one by one
  detail::for_each_on_device_threads(todo.size(), threads,
                                     [&](std::size_t i) { prepare_trial(*todo[i]); });
}

// Prepares (unless done) and validates one trial on slot 0 (see tuner.h, step 2).
void validate_trial(Trial& t, ConvWorkload& wl, const ConvReference& ref, double tolerance,
                    std::int64_t workspace_limit, cudaStream_t stream) {
  if (t.prep.outcome != Outcome::ok || !t.prep.runner) return;
  Candidate& c = t.cand;
  prepare_trial(t);
  if (t.prep_error) {
    try {
      std::rethrow_exception(t.prep_error);
    } catch (const Error& e) {
      detail::rethrow_if_device_lost(e);
      c.outcome = e.code() == ErrorCode::not_supported ? Outcome::not_supported : Outcome::failed;
      c.detail = short_error(e.what());
      return;
    }
  }
  c.workspace_bytes = t.prep.runner->workspace_bytes();
  if (c.workspace_bytes > workspace_limit) {
    c.outcome = Outcome::over_workspace_limit;
    c.detail = "plan needs " + std::to_string(c.workspace_bytes) + " bytes, limit " +
               std::to_string(workspace_limit);
    return;
  }
  try {
    void* ws = wl.workspace(c.workspace_bytes, stream);
    wl.poison_output(stream);
    enqueue_once(wl, *t.prep.runner, ws, 0, stream);
    PT_CUDA_CHECK_MSG(cudaStreamSynchronize(stream), "validation run of " << tactic_id(c.tactic));
  } catch (const Error& e) {
    detail::rethrow_if_device_lost(e);
    c.outcome = e.code() == ErrorCode::not_supported ? Outcome::not_supported : Outcome::failed;
    c.detail = short_error(e.what());
    return;
  }
  Validation v = check_output(wl, ref, tolerance, stream);
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

// Runs `t` (a timed winner) once more on slot 0 and compares its output with `fp32_ref`
// (Note [error vs fp32] in tuner.h).
precision::ErrorMetrics winner_error(Trial& t, ConvWorkload& wl, const ConvReference& fp32_ref,
                                     cudaStream_t stream) {
  void* ws = wl.workspace(t.cand.workspace_bytes, stream);
  wl.poison_output(stream);
  enqueue_once(wl, *t.prep.runner, ws, 0, stream);
  PT_CUDA_CHECK_MSG(cudaStreamSynchronize(stream),
                    "error-vs-fp32 run of " << tactic_id(t.cand.tactic));
  return output_error(wl, fp32_ref, stream);
}

// Times the valid trials (successive halving; pinned ones in full) and settles outcomes.
void time_trials(const std::vector<Trial*>& trials, ConvWorkload& wl, Measurer& m,
                 const TuneOptions& o, bool halving, Clock::time_point deadline) {
  std::int64_t max_ws = 0;
  for (const Trial* t : trials) {
    if (t->valid) max_ws = std::max(max_ws, t->cand.workspace_bytes);
  }
  void* ws = wl.workspace(max_ws, m.stream());
  std::vector<Contender> contenders;
  std::vector<Trial*> owners;
  for (Trial* t : trials) {
    if (!t->valid) continue;
    Contender c;
    ConvRunner* r = t->prep.runner.get();
    ConvWorkload* w = &wl;
    c.run = [w, r, ws](int slot, cudaStream_t s) { enqueue_once(*w, *r, ws, slot, s); };
    c.pinned = t->pinned || !halving;
    contenders.push_back(std::move(c));
    owners.push_back(t);
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

// Stage 2 of a staged search, choosing: the knob variations (`stage2`) of the engines whose
// stage-1 timings make them worth refining; the others are marked dropped. Adds a note saying
// which engines were searched.
std::vector<Trial*> knob_refinements(const std::vector<Trial*>& stage1,
                                     const std::vector<Trial*>& stage2,
                                     const StagedSearchOptions& opts,
                                     std::vector<std::string>& notes) {
  std::vector<Candidate> timed;
  for (const Trial* t : stage1) timed.push_back(t->cand);
  const std::vector<std::int64_t> engines = engines_to_refine(timed, opts);
  std::vector<Trial*> refine;
  for (Trial* t : stage2) {
    const auto id = std::get<GraphEngineTactic>(t->cand.tactic).engine_id;
    if (std::find(engines.begin(), engines.end(), id) != engines.end()) {
      refine.push_back(t);
    } else {
      t->dropped = true;
    }
  }
  std::ostringstream note;
  note << "staged knob search: " << refine.size() << " knob configurations of engine"
       << (engines.size() == 1 ? " " : "s ");
  for (std::size_t i = 0; i < engines.size(); ++i) note << (i ? ", " : "") << engines[i];
  if (engines.empty()) note << "(none timed)";
  note << " searched; " << stage2.size() - refine.size() << " of other engines left out";
  notes.push_back(note.str());
  return refine;
}

// Stage 2 of a staged search, timing: the valid refinements in one pool with stage 1's
// o.staged.retimed fastest (pinned ones keep their timings); one the budget stopped before it
// was timed again keeps its stage-1 timing.
void time_refinements(const std::vector<Trial*>& stage1, const std::vector<Trial*>& refine,
                      ConvWorkload& wl, Measurer& m, const TuneOptions& o,
                      Clock::time_point deadline) {
  std::vector<Trial*> retime;
  for (Trial* t : stage1) {
    if (t->valid && t->cand.timing && !t->pinned) retime.push_back(t);
  }
  std::sort(retime.begin(), retime.end(), [](const Trial* a, const Trial* b) {
    return a->cand.timing->median_ms < b->cand.timing->median_ms;
  });
  const auto keep = static_cast<std::size_t>(std::max(0, o.staged.retimed));
  if (retime.size() > keep) retime.resize(keep);
  std::vector<Trial*> pool = retime;
  for (Trial* t : refine) {
    if (t->valid) pool.push_back(t);
  }
  if (pool.size() == retime.size()) return;  // nothing new to time
  std::vector<Candidate> before;
  for (const Trial* t : retime) before.push_back(t->cand);
  time_trials(pool, wl, m, o, /*halving=*/true, deadline);
  for (std::size_t i = 0; i < retime.size(); ++i) {
    if (!retime[i]->cand.timing) retime[i]->cand = before[i];
  }
}

std::optional<Candidate> find_candidate(const std::vector<Candidate>& cs, const TacticConfig& t) {
  for (const Candidate& c : cs) {
    if (same_tactic(c.tactic, t)) return c;
  }
  return std::nullopt;
}

}  // namespace

std::vector<Variant> conv_variants(const ConvProblem& p, std::span<const Layout> layouts,
                                   std::span<const Precision> precisions, bool pad_channels) {
  std::vector<Variant> out;
  auto round8 = [](std::int64_t v) { return (v + 7) / 8 * 8; };
  for (Layout l : layouts) {
    for (Precision pr : precisions) {
      if (pr == Precision::int8) {
        // NHWC only; C per group and K multiples of 4, else padded to multiples of 8 when
        // allowed (Note [int8 convolution] in conv_workload.h).
        if (l != Layout::nhwc || !p.epilogue.empty()) continue;
        const bool c_ok = (p.c / p.groups) % 4 == 0, k_ok = p.k % 4 == 0;
        if (c_ok && k_ok) {
          out.push_back(Variant{l, pr, 0, 0});
        } else if (pad_channels && p.groups == 1) {
          out.push_back(Variant{l, pr, c_ok ? 0 : round8(p.c), k_ok ? 0 : round8(p.k)});
        }
        continue;
      }
      out.push_back(Variant{l, pr, 0, 0});
      const bool tensor_core = pr == Precision::tf32 || pr == Precision::fp16 ||
                               pr == Precision::bf16;
      if (pad_channels && tensor_core && p.groups == 1 && (p.c % 8 != 0 || p.k % 8 != 0)) {
        out.push_back(Variant{l, pr, p.c % 8 != 0 ? round8(p.c) : 0,
                              p.k % 8 != 0 ? round8(p.k) : 0});
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

PreparedTactic prepare_tactic(const ConvSourceContext& ctx, const TacticConfig& tactic) {
  if (const auto* l = std::get_if<LegacyConvTactic>(&tactic)) return prepare_legacy(ctx, *l);
  if (const auto* g = std::get_if<GraphEngineTactic>(&tactic)) return prepare_graph(ctx, *g);
  return unrunnable(tactic, Outcome::not_supported, "not a convolution tactic");
}

ConvTuner::ConvTuner() : stream_(), handle_(stream_.get()), measurer_(stream_.get()) {}

ConvSourceContext ConvTuner::context(const ConvProblem& problem, const Variant& variant,
                                     const TuneOptions& options) const {
  ConvSourceContext ctx;
  ctx.handle = handle_.get();
  ctx.exec = exec_problem(problem, variant);
  ctx.variant = variant;
  ctx.workspace_limit = options.workspace_limit;
  ctx.alpha = conv_output_scale(variant.precision);  // the workload's (Note [conv alpha])
  return ctx;
}

TuneResult ConvTuner::tune(const ConvProblem& problem, std::span<const Variant> variants,
                           const TuneOptions& options, TacticDb& db) {
  problem.validate();
  if (db.environment().empty()) db.set_environment(device_environment());
  TuneResult result;
  result.key = problem_key(problem);
  result.problem = problem;
  const auto t0 = Clock::now();
  const int count = static_cast<int>(variants.size());
  for (int i = 0; i < count; ++i) {
    auto deadline = Clock::time_point::max();
    if (options.budget_seconds > 0) {
      // An equal share of what is left for each remaining variant.
      const double left = options.budget_seconds - seconds_since(t0);
      const double share = std::max(0.0, left) / (count - i);
      deadline = Clock::now() + std::chrono::microseconds(static_cast<std::int64_t>(share * 1e6));
    }
    result.variants.push_back(tune_variant(problem, variants[static_cast<std::size_t>(i)],
                                           options, db, i, count, deadline));
  }
  return result;
}

VariantTuning ConvTuner::from_database(const ConvProblem& problem, const VariantResult& stored,
                                       const TuneOptions& options) {
  VariantTuning vt;
  vt.variant = stored.variant;
  vt.from_db = true;
  vt.result = stored;
  // The heuristics' picks cost no timing: ask them again and find them among the candidates.
  const ConvSourceContext ctx = context(problem, stored.variant, options);
  try {
    if (auto pick = legacy_heuristic_pick(ctx)) {
      vt.legacy_heuristic = find_candidate(stored.candidates, *pick);
    }
    if (auto a = graph_heuristic_first(ctx, CUDNN_HEUR_MODE_A, /*require_plan=*/false)) {
      vt.heuristic_a = find_candidate(stored.candidates, *a);
    }
  } catch (const Error& e) {
    vt.notes.push_back(std::string("heuristic picks unavailable: ") + e.what());
  }
  return vt;
}

VariantTuning ConvTuner::tune_variant(const ConvProblem& problem, const Variant& variant,
                                      const TuneOptions& o, TacticDb& db, int index, int count,
                                      Clock::time_point deadline) {
  const std::string key = problem_key(problem);
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
        VariantTuning vt = from_database(problem, *r, o);
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
  const double warmup0 = measurer_.warmup_seconds(), spin0 = measurer_.spin_seconds();
  cudaStream_t s = stream_.get();
  VariantTuning vt;
  vt.variant = variant;
  ConvWorkload wl(problem, variant, o.workload, s);
  const ConvReference ref(wl, s);
  vt.parts.workload = seconds_since(t0);
  const double tolerance = default_tolerance(variant.precision);
  const ConvSourceContext ctx = context(problem, variant, o);

  // Tactics: the legacy heuristic's pick first, then the graph API (heuristics A, B, FALLBACK,
  // then the engines) and the other legacy algorithms. The front of the list is what a budget
  // never cuts (kAlwaysValidated below).
  std::vector<PreparedTactic> prepared;
  std::optional<LegacyConvTactic> legacy_pick;
  auto t_list = Clock::now();
  if (o.legacy) {
    legacy_pick = legacy_heuristic_pick(ctx);
    if (legacy_pick) prepared.push_back(prepare_legacy(ctx, *legacy_pick));
  }
  vt.parts.legacy_list = seconds_since(t_list);
  if (o.graph) {
    t_list = Clock::now();
    GraphSourceOptions go = o.graph_options;
    go.threads = prepare_threads(o);
    GraphTactics g = graph_tactics(ctx, go);
    vt.notes.insert(vt.notes.end(), g.notes.begin(), g.notes.end());
    for (PreparedTactic& p : g.tactics) prepared.push_back(std::move(p));
    vt.parts.graph_list = seconds_since(t_list);
    vt.parts.graph_heuristics = g.heuristics_seconds;
    vt.parts.graph_heuristic_b = g.heuristic_b_seconds;
  }
  if (o.legacy) {
    t_list = Clock::now();
    for (PreparedTactic& p : legacy_tactics(ctx)) prepared.push_back(std::move(p));
    vt.parts.legacy_list += seconds_since(t_list);
  }
  if (o.tactic_hook) o.tactic_hook(ctx, prepared);
  std::vector<Trial> trials = to_trials(std::move(prepared));
  vt.enumerate_seconds = seconds_since(t0);
  const auto t_validate = Clock::now();
  vt.tactics_total = static_cast<int>(trials.size());
  progress.tactics_total = vt.tactics_total;

  // Validation within ~60% of the budget (a staged search's second stage: ~85%): what is left
  // over is `timeout`, except the first kAlwaysValidated runnable tactics (the heuristics'
  // picks among them), so that a variant always gets a winner. Runtime-compiled graph plans
  // (seconds each) stop at o.max_runtime_compiled per variant.
  auto share_of_budget = [&](int percent) {
    return deadline == Clock::time_point::max() ? deadline : t0 + (deadline - t0) * percent / 100;
  };
  // In batches: which trials of a batch are validated is decided first (budget, runtime
  // compilation cap), then their plans are prepared on `threads` host threads, then each is
  // run and checked here, in list order.
  const int threads = prepare_threads(o);
  const std::size_t batch_size = static_cast<std::size_t>(threads) * 4;
  int runnable_seen = 0, compiled = 0;
  auto validate_all = [&](const std::vector<Trial*>& list, Clock::time_point until) {
    report("validating");
    for (std::size_t next = 0; next < list.size();) {
      std::vector<Trial*> batch;
      for (; next < list.size() && batch.size() < batch_size; ++next) {
        Trial& t = *list[next];
        ++progress.tactics_tried;
        if (t.prep.outcome != Outcome::ok) continue;
        ++runnable_seen;
        if (runnable_seen > kAlwaysValidated && Clock::now() >= until) {
          t.cand.outcome = Outcome::timeout;
          t.cand.detail = "tuning budget spent before validation";
          continue;
        }
        if (is_runtime_compiled(t.cand.tactic) && ++compiled > o.max_runtime_compiled) {
          t.cand.outcome = Outcome::timeout;
          t.cand.detail = "runtime-compiled plan beyond the per-variant cap of " +
                          std::to_string(o.max_runtime_compiled);
          continue;
        }
        batch.push_back(&t);
      }
      prepare_in_parallel(batch, threads);
      for (Trial* t : batch) {
        validate_trial(*t, wl, ref, tolerance, o.workspace_limit, s);
        if (t->valid) ++vt.tactics_validated;
      }
      report("validating");
    }
  };

  // Stage 1 is everything in a full search; a staged one keeps the knob variations of
  // enumerated engines for stage 2 (Note [staged knob search] in staged_search.h).
  std::vector<Trial*> stage1, stage2;
  for (Trial& t : trials) {
    const bool later = o.search == SearchMode::staged && is_knob_variation(t.cand.tactic);
    (later ? stage2 : stage1).push_back(&t);
  }
  validate_all(stage1, share_of_budget(60));

  // The heuristics' choices are timed in full.
  for (Trial& t : trials) {
    if (legacy_pick && same_tactic(t.cand.tactic, TacticConfig{*legacy_pick})) t.pinned = true;
  }
  const Trial* a_first = nullptr;
  for (Trial& t : trials) {
    const auto* g = std::get_if<GraphEngineTactic>(&t.cand.tactic);
    if (g == nullptr || g->source != GraphSource::heuristic_a) continue;
    if (t.cand.outcome == Outcome::not_supported || t.cand.outcome == Outcome::over_workspace_limit)
      continue;
    t.pinned = true;
    a_first = &t;
    break;
  }

  vt.validate_seconds = seconds_since(t_validate);
  report("timing");
  auto t_time = Clock::now();
  time_trials(stage1, wl, measurer_, o, /*halving=*/true, deadline);
  vt.time_seconds = seconds_since(t_time);

  if (!stage2.empty()) {
    const std::vector<Trial*> refine = knob_refinements(stage1, stage2, o.staged, vt.notes);
    progress.tactics_tried += static_cast<int>(stage2.size() - refine.size());  // left out
    const auto t_validate2 = Clock::now();
    validate_all(refine, share_of_budget(85));
    vt.validate_seconds += seconds_since(t_validate2);
    report("timing");
    t_time = Clock::now();
    time_refinements(stage1, refine, wl, measurer_, o, deadline);
    vt.time_seconds += seconds_since(t_time);
  }
  for (const Trial& t : trials) vt.tactics_timed += t.cand.timing ? 1 : 0;

  std::vector<Candidate> cands;
  cands.reserve(trials.size());
  for (const Trial& t : trials) {
    if (!t.dropped) cands.push_back(t.cand);
  }
  if (legacy_pick) vt.legacy_heuristic = find_candidate(cands, *legacy_pick);
  if (a_first != nullptr) vt.heuristic_a = a_first->cand;
  rank_candidates(cands);

  vt.result.variant = variant;
  vt.result.candidates = std::move(cands);
  const auto t_error = Clock::now();
  if (const Candidate* w = vt.result.winner()) {
    auto it = std::find_if(trials.begin(), trials.end(), [&](const Trial& t) {
      return t.valid && same_tactic(t.cand.tactic, w->tactic);
    });
    // fp32 storage rounds nothing: the validation reference is already the exact one.
    try {
      std::optional<ConvReference> exact;
      if (wl.rounds_inputs()) exact.emplace(wl, s, ReferenceInputs::exact);
      if (it != trials.end()) {
        vt.result.error_vs_fp32 = winner_error(*it, wl, exact ? *exact : ref, s);
      }
    } catch (const Error& e) {
      detail::rethrow_if_device_lost(e);
      vt.notes.push_back("error vs fp32 not measured: " + short_error(e.what()));
    }
  }
  vt.parts.error = seconds_since(t_error);
  for (const Candidate& c : vt.result.candidates) vt.tactics_ok += c.outcome == Outcome::ok;
  if (o.keep_ok >= 0) {
    // Candidates are in rank order: the first ok one not runtime-compiled is the fastest.
    const auto plain = std::find_if(vt.result.candidates.begin(), vt.result.candidates.end(),
                                    [](const Candidate& c) {
                                      return c.outcome == Outcome::ok &&
                                             !is_runtime_compiled(c.tactic);
                                    });
    std::vector<TacticConfig> keep;
    if (legacy_pick) keep.emplace_back(*legacy_pick);
    if (vt.heuristic_a) keep.push_back(vt.heuristic_a->tactic);
    if (plain != vt.result.candidates.end()) keep.push_back(plain->tactic);
    // The winner stays whatever keep_ok says.
    const auto max_ok = static_cast<std::size_t>(std::max(1, o.keep_ok));
    trim_candidates(vt.result, max_ok, [&](const Candidate& c) {
      return std::any_of(keep.begin(), keep.end(),
                         [&](const TacticConfig& t) { return same_tactic(c.tactic, t); });
    });
  }
  vt.seconds = seconds_since(t0);
  vt.samples = measurer_.samples_taken() - samples0;
  vt.parts.warmup = measurer_.warmup_seconds() - warmup0;
  vt.parts.spin = measurer_.spin_seconds() - spin0;
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
  progress.parts = vt.parts;
  report("done");
  return vt;
}

std::vector<Candidate> ConvTuner::evaluate(const ConvProblem& problem, const Variant& variant,
                                           std::span<const TacticConfig> tactics,
                                           const TuneOptions& o) {
  cudaStream_t s = stream_.get();
  ConvWorkload wl(problem, variant, o.workload, s);
  const ConvReference ref(wl, s);
  const ConvSourceContext ctx = context(problem, variant, o);
  std::vector<Trial> trials;
  for (const TacticConfig& t : tactics) {
    Trial tr;
    tr.prep = prepare_tactic(ctx, t);
    tr.cand = candidate_of(tr.prep);
    trials.push_back(std::move(tr));
  }
  for (Trial& t : trials) {
    validate_trial(t, wl, ref, default_tolerance(variant.precision), o.workspace_limit, s);
  }
  std::vector<Trial*> all;
  for (Trial& t : trials) all.push_back(&t);
  time_trials(all, wl, measurer_, o, /*halving=*/false, Clock::time_point::max());
  std::vector<Candidate> out;
  for (const Trial& t : trials) out.push_back(t.cand);
  return out;
}

TuneResult tune(const ConvProblem& problem, std::span<const Variant> variants,
                const TuneOptions& options, TacticDb& db) {
  ConvTuner tuner;
  return tuner.tune(problem, variants, options, db);
}

}  // namespace plantune::tuner
