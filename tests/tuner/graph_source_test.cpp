// The graph-API source: knob enumeration (CPU), knob names, precision rules, and on the GPU the
// heuristics' and engines' configurations running and validating on every test shape; fused
// graphs (conv -> + bias -> + z -> activation) validating against the fp64 reference, also in
// place, and a kernel that drops the epilogue caught; int8 graphs (int8 x and w, fp32 y) whose
// tactics either validate or decline, and the alpha a graph is built for enforced.
#include "plantune/tuner/graph_source.h"

#include <cuda_fp16.h>
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <limits>
#include <set>
#include <vector>

#include "plantune/core/cuda_check.h"
#include "plantune/core/cudnn_backend_names.h"
#include "plantune/tuner/reference.h"
#include "plantune/tuner/tuner.h"
#include "support/gpu_skip.h"
#include "tuner/conv_epilogue.h"
#include "tuner/conv_shapes.h"

namespace {

using namespace plantune;
using namespace plantune::tuner;
using plantune::tuner::testing::conv;

#define NEED_GPU()                                        \
  if (!plantune::testing::has_cuda_device())              \
  GTEST_SKIP() << "no CUDA device: graph-API plans run on the GPU"

TEST(GraphSource, KnobAssignmentsStartWithDefaultsThenOneKnobAtATime) {
  const std::vector<KnobInfo> knobs = {
      {CUDNN_KNOB_TYPE_SPLIT_K, 1, 3, 1},      // 1, 2, 3
      {CUDNN_KNOB_TYPE_TILE_SIZE, 0, 20, 10},  // 0, 10, 20
  };
  const auto a = knob_assignments(knobs, 1000);
  ASSERT_GE(a.size(), 7u);
  EXPECT_TRUE(a[0].empty());
  // Round-robin: SPLIT_K=1, TILE_SIZE=0, SPLIT_K=2, TILE_SIZE=10, SPLIT_K=3, TILE_SIZE=20.
  const std::vector<KnobChoice> expect[] = {{{CUDNN_KNOB_TYPE_SPLIT_K, 1}},
                                            {{CUDNN_KNOB_TYPE_TILE_SIZE, 0}},
                                            {{CUDNN_KNOB_TYPE_SPLIT_K, 2}},
                                            {{CUDNN_KNOB_TYPE_TILE_SIZE, 10}},
                                            {{CUDNN_KNOB_TYPE_SPLIT_K, 3}},
                                            {{CUDNN_KNOB_TYPE_TILE_SIZE, 20}}};
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(a[i + 1], expect[i]) << i;
  // Then all 9 full assignments.
  EXPECT_EQ(a.size(), 1u + 6u + 9u);
  EXPECT_EQ(a.back(), (std::vector<KnobChoice>{{CUDNN_KNOB_TYPE_SPLIT_K, 3},
                                               {CUDNN_KNOB_TYPE_TILE_SIZE, 20}}));
  EXPECT_EQ(knob_assignments(knobs, 4).size(), 4u);
  EXPECT_TRUE(knob_assignments(knobs, 0).empty());
  EXPECT_EQ(knob_assignments({}, 10).size(), 1u);
}

TEST(GraphSource, WideKnobRangesAreSampledToAFewValues) {
  const std::vector<KnobInfo> knobs = {{CUDNN_KNOB_TYPE_SPLIT_K, 1, 1 << 20, 1}};
  const auto a = knob_assignments(knobs, 1000);
  std::vector<std::int64_t> values;
  for (std::size_t i = 1; i < a.size(); ++i) values.push_back(a[i][0].value);
  EXPECT_EQ(values.size(), static_cast<std::size_t>(kMaxValuesPerKnob));
  // The first four by stride, then powers of two.
  EXPECT_EQ(values, (std::vector<std::int64_t>{1, 2, 3, 4, 8, 16, 32, 64}));
}

TEST(GraphSource, KnobNamesRoundTrip) {
  EXPECT_EQ(knob_name(CUDNN_KNOB_TYPE_SPLIT_K), "CUDNN_KNOB_TYPE_SPLIT_K");
  EXPECT_EQ(knob_type_of("CUDNN_KNOB_TYPE_SPLIT_K"), CUDNN_KNOB_TYPE_SPLIT_K);
  EXPECT_EQ(knob_type_of("CUDNN_KNOB_TYPE_TILE_SIZE"), CUDNN_KNOB_TYPE_TILE_SIZE);
  const auto unknown = static_cast<cudnnBackendKnobType_t>(977);
  EXPECT_EQ(knob_name(unknown), "CUDNN_KNOB_TYPE_977");
  EXPECT_EQ(knob_type_of(knob_name(unknown)), unknown);
  EXPECT_FALSE(knob_type_of("SPLIT_K").has_value());
}

TEST(GraphSource, Fp32ExcludesTensorCoreEnginesOthersTakeAll) {
  EngineInfo tc;
  tc.numerical_notes = {CUDNN_NUMERICAL_NOTE_TENSOR_CORE};
  EngineInfo down;
  down.numerical_notes = {CUDNN_NUMERICAL_NOTE_DOWN_CONVERT_INPUTS};
  EngineInfo plain;
  EXPECT_FALSE(engine_allowed(Precision::fp32, tc));
  EXPECT_FALSE(engine_allowed(Precision::fp32, down));
  EXPECT_TRUE(engine_allowed(Precision::fp32, plain));
  EXPECT_TRUE(engine_allowed(Precision::tf32, tc));
  EXPECT_TRUE(engine_allowed(Precision::fp16, tc));
}

TEST(GraphSource, EpilogueActivationsMapToPointwiseModes) {
  EXPECT_FALSE(graph_activation(Activation::none).has_value());
  EXPECT_FALSE(graph_activation(Activation::hard_swish).has_value());
  EXPECT_EQ(graph_activation(Activation::relu)->mode, CUDNN_POINTWISE_RELU_FWD);
  EXPECT_EQ(graph_activation(Activation::relu)->params.relu_upper_clip,
            std::numeric_limits<double>::infinity());
  EXPECT_EQ(graph_activation(Activation::relu6)->mode, CUDNN_POINTWISE_RELU_FWD);
  EXPECT_EQ(graph_activation(Activation::relu6)->params.relu_upper_clip, 6.0);
  EXPECT_EQ(graph_activation(Activation::sigmoid)->mode, CUDNN_POINTWISE_SIGMOID_FWD);
  EXPECT_EQ(graph_activation(Activation::silu)->mode, CUDNN_POINTWISE_SWISH_FWD);
  EXPECT_EQ(graph_activation(Activation::silu)->params.swish_beta, 1.0);
  EXPECT_EQ(graph_activation(Activation::gelu)->mode, CUDNN_POINTWISE_GELU_FWD);
}

TEST(GraphSource, AnInexpressibleEpilogueGivesNoTacticsAndSaysWhy) {
  // The graph is refused before any engine or handle is involved: no GPU needed.
  ConvSourceContext ctx;
  ctx.exec = conv(1, 8, 6, 8, 3, 1, 1);
  ctx.exec.epilogue = ConvEpilogue{true, false, Activation::hard_swish};
  ctx.variant = Variant{Layout::nhwc, Precision::fp32, 0, 0};
  const GraphTactics g = graph_tactics(ctx, GraphSourceOptions{});
  EXPECT_TRUE(g.tactics.empty());
  ASSERT_EQ(g.notes.size(), 1u);
  EXPECT_NE(g.notes[0].find("hard_swish"), std::string::npos) << g.notes[0];
  const PreparedTactic t = prepare_graph(ctx, GraphEngineTactic{});
  EXPECT_EQ(t.outcome, Outcome::not_supported);
  EXPECT_NE(t.detail.find("hard_swish"), std::string::npos) << t.detail;
  EXPECT_FALSE(graph_heuristic_first(ctx, CUDNN_HEUR_MODE_A, false).has_value());
}

TEST(GraphSource, FusedEpiloguesValidateAgainstTheReference) {
  NEED_GPU();
  namespace t = plantune::tuner::testing;
  ConvTuner tuner;
  TuneOptions o = t::quick_options();
  o.legacy = false;
  o.max_runtime_compiled = 2;  // fused graphs mostly compile their kernels (seconds each)
  o.graph_options.fallback = false;
  int graphs_with_a_winner = 0, cases = 0;
  for (const t::EpilogueCase& ec : t::epilogue_shapes()) {
    for (const ConvEpilogue& e : t::test_epilogues()) {
      const ConvProblem p = t::with_epilogue(ec.problem, e);
      const std::string where = ec.name + " " + problem_key(p);
      TacticDb db;
      const TuneResult r = tuner.tune(p, std::vector<Variant>{ec.variant}, o, db);
      ASSERT_EQ(r.variants.size(), 1u);
      const VariantTuning& vt = r.variants[0];
      std::cout << "[fused graph] " << where << ": " << t::outcome_summary(vt) << "\n";
      for (const std::string& n : vt.notes) std::cout << "  note: " << n << "\n";
      ++cases;
      for (const Candidate& c : vt.result.candidates) {
        EXPECT_EQ(api_of(c.tactic), Api::cudnn_graph);
        EXPECT_NE(c.outcome, Outcome::incorrect) << where << " " << tactic_id(c.tactic) << ": " << c.detail;
        if (c.outcome == Outcome::ok) {
          ASSERT_TRUE(c.validation.has_value());
          EXPECT_TRUE(c.validation->passed());
        }
      }
      // NHWC fp16 is what cuDNN's fusion engines are made for: a winner is required there.
      if (ec.variant.layout == Layout::nhwc) {
        EXPECT_NE(vt.winner(), nullptr) << where;
      }
      if (vt.winner() == nullptr) continue;
      ++graphs_with_a_winner;
      if (e.residual) {
        const Validation in_place = t::validate_in_place(tuner, p, ec.variant, vt.winner()->tactic, o);
        EXPECT_TRUE(in_place.passed()) << where << " in place (y == z): max rel err "
                                       << in_place.max_rel_error << ", finite "
                                       << in_place.output_finite;
      }
    }
  }
  std::cout << "[fused graph] " << graphs_with_a_winner << " of " << cases
            << " fused problems have a graph winner\n";
  EXPECT_GT(graphs_with_a_winner, 0);
}

TEST(GraphSource, OtherActivationsMatchTheReference) {
  NEED_GPU();
  namespace t = plantune::tuner::testing;
  ConvTuner tuner;
  TuneOptions o = t::quick_options();
  o.legacy = false;
  o.max_runtime_compiled = 2;
  o.graph_options.fallback = false;
  const t::EpilogueCase ec = t::epilogue_shapes()[0];  // 3x3 nhwc/fp16
  int with_winner = 0;
  for (Activation a : {Activation::relu6, Activation::sigmoid, Activation::silu, Activation::gelu}) {
    const ConvProblem p = t::with_epilogue(ec.problem, ConvEpilogue{true, false, a});
    const std::string where = ec.name + " " + problem_key(p);
    TacticDb db;
    const TuneResult r = tuner.tune(p, std::vector<Variant>{ec.variant}, o, db);
    const VariantTuning& vt = r.variants[0];
    std::cout << "[fused graph] " << where << ": " << t::outcome_summary(vt) << "\n";
    for (const Candidate& c : vt.result.candidates) {
      EXPECT_NE(c.outcome, Outcome::incorrect) << where << " " << tactic_id(c.tactic) << ": " << c.detail;
    }
    with_winner += vt.winner() != nullptr ? 1 : 0;
  }
  EXPECT_GT(with_winner, 0);
}

TEST(GraphSource, AFusedGraphThatDropsTheEpilogueIsCaught) {
  NEED_GPU();
  namespace t = plantune::tuner::testing;
  ConvTuner tuner;
  int caught = 0;
  for (const t::EpilogueCase& ec : t::epilogue_shapes()) {
    if (ec.variant.layout != Layout::nhwc) continue;
    for (const ConvEpilogue& e : t::test_epilogues()) {
      const ConvProblem p = t::with_epilogue(ec.problem, e);
      const std::string where = ec.name + " " + problem_key(p);
      TuneOptions o = t::quick_options();
      o.legacy = false;
      o.max_runtime_compiled = 2;
      o.graph_options.fallback = false;
      o.graph_options.engines = false;  // heuristic A's configurations are enough here
      TacticConfig victim = LegacyConvTactic{};
      o.tactic_hook = t::drop_epilogue_of_first(Api::cudnn_graph, &victim);
      TacticDb db;
      const TuneResult r = tuner.tune(p, std::vector<Variant>{ec.variant}, o, db);
      if (api_of(victim) != Api::cudnn_graph) continue;  // no runnable graph tactic
      const Candidate* bad = nullptr;
      for (const Candidate& c : r.variants[0].result.candidates) {
        if (same_tactic(c.tactic, victim)) bad = &c;
      }
      ASSERT_NE(bad, nullptr) << where;
      if (bad->outcome == Outcome::not_supported || bad->outcome == Outcome::timeout) continue;
      EXPECT_EQ(bad->outcome, Outcome::incorrect) << where << " " << tactic_id(victim) << ": "
                                                  << bad->detail;
      ASSERT_TRUE(bad->validation.has_value()) << where;
      EXPECT_GT(bad->validation->max_rel_error, bad->validation->tolerance) << where;
      ++caught;
    }
  }
  EXPECT_GT(caught, 0) << "no fused graph tactic ran at all";
}

TEST(GraphSource, EnginesAndHeuristicsOnEveryShape) {
  NEED_GPU();
  ConvTuner tuner;
  TuneOptions o = plantune::tuner::testing::quick_options();
  o.legacy = false;
  const std::vector<Variant> variants = {{Layout::nhwc, Precision::fp16, 0, 0},
                                         {Layout::nchw, Precision::fp32, 0, 0}};
  for (const auto& [name, p] : plantune::tuner::testing::test_shapes()) {
    for (const Variant& v : variants) {
      const std::string where = name + " " + to_string(v);
      const ConvSourceContext ctx = tuner.context(p, v, o);
      const GraphTactics g = graph_tactics(ctx, o.graph_options);
      EXPECT_GT(g.engine_count, 0) << where;
      EXPECT_GT(g.engines_supported, 0) << where;
      std::set<std::string> ids;
      int from_a = 0, runnable = 0;
      for (const PreparedTactic& t : g.tactics) {
        EXPECT_TRUE(ids.insert(tactic_id(t.config)).second) << where << " repeats a tactic";
        const auto& ge = std::get<GraphEngineTactic>(t.config);
        EXPECT_GE(ge.engine_id, 0);
        EXPECT_LT(ge.engine_id, g.engine_count);
        EXPECT_NO_THROW(validate(t.config)) << where;
        from_a += ge.source == GraphSource::heuristic_a ? 1 : 0;
        runnable += t.outcome == Outcome::ok ? 1 : 0;
        if (v.precision == Precision::fp32 && t.outcome == Outcome::ok) {
          for (const std::string& n : ge.numerical_notes) {
            EXPECT_NE(n, "CUDNN_NUMERICAL_NOTE_TENSOR_CORE") << where << " " << tactic_id(ge);
          }
        }
      }
      EXPECT_GT(from_a, 0) << where;
      EXPECT_GT(runnable, 0) << where;
    }
    TacticDb db;
    const TuneResult r = tuner.tune(p, variants, o, db);
    for (const VariantTuning& vt : r.variants) {
      const std::string where = name + " " + to_string(vt.variant);
      ASSERT_NE(vt.winner(), nullptr) << where;
      EXPECT_EQ(api_of(vt.winner()->tactic), Api::cudnn_graph);
      int ok = 0;
      for (const Candidate& c : vt.result.candidates) {
        EXPECT_NE(c.outcome, Outcome::incorrect) << where << " " << tactic_id(c.tactic) << ": " << c.detail;
        EXPECT_NE(c.outcome, Outcome::failed) << where << " " << tactic_id(c.tactic) << ": " << c.detail;
        if (c.outcome == Outcome::ok) {
          ++ok;
          EXPECT_TRUE(c.validation->passed());
        }
      }
      EXPECT_GT(ok, 0) << where;
      ASSERT_TRUE(vt.heuristic_a.has_value()) << where;
      EXPECT_EQ(std::get<GraphEngineTactic>(vt.heuristic_a->tactic).source, GraphSource::heuristic_a);
    }
  }
}

// Engines enumerated on several host threads give the list one thread gives, in its order.
TEST(GraphSource, EnginesOnSeveralThreadsListTheSameTactics) {
  NEED_GPU();
  ConvTuner tuner;
  TuneOptions o = plantune::tuner::testing::quick_options();
  const ConvProblem p = conv(8, 64, 28, 64, 3, 1, 1);
  for (const Variant& v : {Variant{Layout::nhwc, Precision::fp16, 0, 0},
                           Variant{Layout::nchw, Precision::tf32, 0, 0}}) {
    const ConvSourceContext ctx = tuner.context(p, v, o);
    GraphSourceOptions one = o.graph_options, many = o.graph_options;
    one.threads = 1;
    many.threads = 6;
    const GraphTactics a = graph_tactics(ctx, one), b = graph_tactics(ctx, many);
    EXPECT_EQ(a.engines_supported, b.engines_supported) << to_string(v);
    ASSERT_EQ(a.tactics.size(), b.tactics.size()) << to_string(v);
    EXPECT_GT(a.tactics.size(), 10u) << to_string(v);
    for (std::size_t i = 0; i < a.tactics.size(); ++i) {
      EXPECT_EQ(tactic_id(a.tactics[i].config), tactic_id(b.tactics[i].config)) << i;
      EXPECT_EQ(a.tactics[i].outcome, b.tactics[i].outcome) << i;
      EXPECT_EQ(a.tactics[i].workspace_bytes, b.tactics[i].workspace_bytes) << i;
    }
  }
}

TEST(GraphSource, AStoredTacticReplaysAndTheFirstHeuristicChoiceIsFound) {
  NEED_GPU();
  ConvTuner tuner;
  TuneOptions o = plantune::tuner::testing::quick_options();
  const ConvProblem p = conv(2, 32, 14, 64, 3, 1, 1);
  const Variant v{Layout::nhwc, Precision::fp16, 0, 0};
  const ConvSourceContext ctx = tuner.context(p, v, o);
  const auto first = graph_heuristic_first(ctx);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->source, GraphSource::heuristic_a);
  PreparedTactic replay = prepare_graph(ctx, *first);
  ASSERT_EQ(replay.outcome, Outcome::ok) << replay.detail;
  EXPECT_NO_THROW(replay.runner->prepare());
  // A configuration cuDNN does not have is an outcome, not an error.
  GraphEngineTactic bogus = *first;
  bogus.engine_id = 100000;
  EXPECT_EQ(prepare_graph(ctx, bogus).outcome, Outcome::not_supported);
  // evaluate() validates and times stored descriptions.
  const std::vector<TacticConfig> tactics = {*first};
  const auto cands = tuner.evaluate(p, v, tactics, o);
  ASSERT_EQ(cands.size(), 1u);
  EXPECT_EQ(cands[0].outcome, Outcome::ok) << cands[0].detail;
  EXPECT_TRUE(cands[0].timing.has_value());
}

TEST(GraphSource, Int8TacticsValidateOrDecline) {
  NEED_GPU();
  namespace t = plantune::tuner::testing;
  ConvTuner tuner;
  TuneOptions o = t::quick_options();
  o.legacy = false;
  o.max_runtime_compiled = 2;
  // Whatever cuDNN does for INT8_EXT graphs is measured, not assumed: each tactic either
  // validates against the reference or is an outcome that never ran (not_supported; timeout
  // and over_workspace_limit are the budget's). No failures, no wrong answers.
  int winners = 0;
  for (const auto& ic : t::int8_shapes()) {
    const std::string where = ic.name + " " + to_string(ic.variant);
    const ConvSourceContext ctx = tuner.context(ic.problem, ic.variant, o);
    EXPECT_EQ(ctx.alpha, conv_output_scale(Precision::int8));
    TacticDb db;
    const TuneResult r = tuner.tune(ic.problem, std::vector<Variant>{ic.variant}, o, db);
    ASSERT_EQ(r.variants.size(), 1u) << where;
    const VariantTuning& vt = r.variants[0];
    std::cout << "[int8 graph] " << where << ": " << t::outcome_summary(vt) << "\n";
    for (const std::string& n : vt.notes) std::cout << "  note: " << n << "\n";
    for (const Candidate& c : vt.result.candidates) {
      const std::string id = where + " " + tactic_id(c.tactic) + ": " + c.detail;
      EXPECT_EQ(api_of(c.tactic), Api::cudnn_graph) << id;
      EXPECT_TRUE(c.outcome == Outcome::ok || c.outcome == Outcome::not_supported ||
                  c.outcome == Outcome::timeout || c.outcome == Outcome::over_workspace_limit)
          << id << " is " << to_string(c.outcome);
      if (c.outcome == Outcome::ok) {
        ASSERT_TRUE(c.validation.has_value()) << id;
        EXPECT_TRUE(c.validation->passed()) << id;
        EXPECT_LE(c.validation->max_rel_error, default_tolerance(Precision::int8)) << id;
      }
    }
    winners += vt.winner() != nullptr ? 1 : 0;
  }
  std::cout << "[int8 graph] " << winners << " of " << t::int8_shapes().size()
            << " int8 problems have a graph winner\n";
}

TEST(GraphSource, AGraphTacticRunsOnlyTheAlphaItWasBuiltFor) {
  NEED_GPU();
  ConvTuner tuner;
  const TuneOptions o = plantune::tuner::testing::quick_options();
  const ConvProblem p = conv(2, 32, 14, 64, 3, 1, 1);
  const Variant v{Layout::nhwc, Precision::fp16, 0, 0};
  cudaStream_t s = tuner.stream();
  ConvWorkload wl(p, v, o.workload, s);
  const ConvReference ref(wl, s);
  ConvSourceContext ctx = tuner.context(p, v, o);
  ASSERT_EQ(ctx.alpha, 1.0f);
  const auto first = graph_heuristic_first(ctx);
  ASSERT_TRUE(first.has_value());
  // Built for alpha 0.5: running it with the operands' alpha 1 is refused, not miscomputed.
  ctx.alpha = 0.5f;
  PreparedTactic half = prepare_graph(ctx, *first);
  ASSERT_EQ(half.outcome, Outcome::ok) << half.detail;
  half.runner->prepare();
  void* ws = wl.workspace(half.runner->workspace_bytes(), s);
  ConvOperands op = wl.operands(0);
  try {
    half.runner->enqueue(op, ws, s);
    ADD_FAILURE() << "a graph built for alpha 0.5 ran with alpha 1";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
    EXPECT_NE(std::string(e.what()).find("ConvSourceContext::alpha"), std::string::npos) << e.what();
  }
  // With the alpha it was built for it runs and computes half the convolution: 2 y matches
  // the reference (fp16 tolerance, relative to sum |x * w|), y itself does not.
  op.alpha = 0.5f;
  wl.poison_output(s);
  half.runner->enqueue(op, ws, s);
  PT_CUDA_CHECK(cudaStreamSynchronize(s));
  EXPECT_FALSE(check_output(wl, ref, default_tolerance(v.precision), s).passed());
  std::vector<__half> y(static_cast<std::size_t>(wl.y_bytes()) / sizeof(__half));
  ASSERT_EQ(cudaMemcpy(y.data(), op.y, wl.y_bytes(), cudaMemcpyDeviceToHost), cudaSuccess);
  const std::vector<float> yr = ref.y_host();
  std::vector<float> abs_sum(yr.size());
  ASSERT_EQ(cudaMemcpy(abs_sum.data(), ref.abs_sum(), abs_sum.size() * sizeof(float),
                       cudaMemcpyDeviceToHost),
            cudaSuccess);
  const std::int64_t P = p.out_h(), Q = p.out_w();
  for (std::int64_t n = 0; n < p.n; ++n)
    for (std::int64_t k = 0; k < p.k; ++k)
      for (std::int64_t h = 0; h < P; ++h)
        for (std::int64_t w = 0; w < Q; ++w) {
          const auto i = static_cast<std::size_t>(((n * p.k + k) * P + h) * Q + w);
          const float got = 2.0f * __half2float(y[static_cast<std::size_t>(((n * P + h) * Q + w) * p.k + k)]);
          ASSERT_LE(std::fabs(got - yr[i]), default_tolerance(v.precision) * abs_sum[i])
              << "output " << i << ": 2 y = " << got << ", reference " << yr[i];
        }
}

}  // namespace
