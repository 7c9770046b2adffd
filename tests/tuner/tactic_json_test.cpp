#include "plantune/tuner/tactic_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "plantune/core/error.h"
#include "tuner/sample_db.h"

namespace plantune::tuner {
namespace {

using testing::graph_tactic;
using testing::ok_candidate;

CublasLtTactic lt_tactic() {
  CublasLtTactic c;
  c.algo_id = 6, c.tile = "128x128", c.stages = "64x3", c.split_k = 4;
  c.reduction = ReductionScheme::output_type, c.cta_swizzling = 1, c.custom_option = 2;
  c.inner_shape = "MMA16816", c.cluster_shape = "1x2x1", c.source = CublasLtSource::enumerated;
  return c;
}

std::string error_of_tactic(const std::string& text) {
  try {
    tactic_config_from_json_string(text, "t.json");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::parse_error);
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << text;
  return "";
}

TEST(TacticJson, WritesOneLineObjectsWithNamedEnums) {
  EXPECT_EQ(to_json_string(TacticConfig(
                LegacyConvTactic{LegacyAlgo::implicit_precomp_gemm, MathType::default_math})),
            R"({"api": "cudnn_legacy", "algo": "implicit_precomp_gemm", "math_type": "default"})");
  EXPECT_EQ(to_json_string(TacticConfig(graph_tactic(28, 2))),
            R"({"api": "cudnn_graph", "engine_id": 28, "knobs": {"CUDNN_KNOB_TYPE_SPLIT_K": 2, )"
            R"("CUDNN_KNOB_TYPE_TILE_SIZE": 5}, "source": "heuristic_a", "behavior_notes": )"
            R"(["CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION"], "numerical_notes": )"
            R"(["CUDNN_NUMERICAL_NOTE_TENSOR_CORE"]})");
  EXPECT_EQ(to_json_string(TacticConfig(lt_tactic())),
            R"({"api": "cublaslt", "algo_id": 6, "tile": "128x128", "stages": "64x3", )"
            R"("split_k": 4, "reduction_scheme": "output_type", "cta_swizzling": 1, )"
            R"("custom_option": 2, "inner_shape": "MMA16816", "cluster_shape": "1x2x1", )"
            R"("source": "enumerated"})");
}

TEST(TacticJson, EveryKindRoundTrips) {
  std::vector<TacticConfig> configs = {
      LegacyConvTactic{LegacyAlgo::winograd_nonfused, MathType::tensor_op_allow_conversion},
      graph_tactic(28, 2), GraphEngineTactic{}, lt_tactic(), CublasLtTactic{}};
  for (const auto& t : configs) {
    std::string text = to_json_string(t);
    EXPECT_EQ(tactic_config_from_json_string(text), t) << text;
    Tactic full{Variant{Layout::nhwc, Precision::bf16, 8, 16}, t};
    EXPECT_EQ(tactic_from_json_string(to_json_string(full)), full);
  }
  Candidate ok = ok_candidate(graph_tactic(3), 0.0341);
  ok.detail = "fastest";
  EXPECT_EQ(candidate_from_json_string(to_json_string(ok)), ok);
  Candidate bad = testing::failed_candidate(lt_tactic(), Outcome::incorrect, "mismatch");
  bad.validation->output_finite = false;
  EXPECT_EQ(candidate_from_json_string(to_json_string(bad)), bad);
  Candidate ns = testing::failed_candidate(LegacyConvTactic{}, Outcome::not_supported, "");
  EXPECT_EQ(to_json_string(ns),
            R"({"tactic": {"api": "cudnn_legacy", "algo": "implicit_gemm", "math_type": )"
            R"("default"}, "outcome": "not_supported", "workspace_bytes": 0})");
  EXPECT_EQ(candidate_from_json_string(to_json_string(ns)), ns);
}

TEST(TacticJson, MembersMayComeInAnyOrder) {
  auto t = tactic_config_from_json_string(
      R"({"knobs": {"CUDNN_KNOB_TYPE_TILE_SIZE": 5, "CUDNN_KNOB_TYPE_SPLIT_K": 2},
          "numerical_notes": [], "behavior_notes": [], "source": "fallback",
          "engine_id": 7, "api": "cudnn_graph"})");
  auto g = std::get<GraphEngineTactic>(t);
  EXPECT_EQ(g.engine_id, 7);
  EXPECT_EQ(g.source, GraphSource::fallback);
  EXPECT_EQ(tactic_id(t), "graph/eng7/SPLIT_K=2,TILE_SIZE=5");
}

TEST(TacticJson, RejectsAnythingOffTheFormat) {
  struct Case {
    std::string text, expect;
  };
  std::vector<Case> cases = {
      {R"({"algo": "gemm", "math_type": "fma"})", "missing member 'api'"},
      {R"({"api": "cudnn_legacy", "algo": "gemm"})", "missing member 'math_type'"},
      {R"({"api": "cudnn_legacy", "algo": 2, "math_type": "fma"})",
       "expected a string, got a number"},
      {R"({"api": "cudnn_legacy", "algo": "GEMM", "math_type": "fma"})",
       "unknown legacy algorithm 'GEMM'"},
      {R"({"api": "cudnn_legacy", "algo": "gemm", "math_type": "fma", "engine_id": 3})",
       "member 'engine_id' does not belong to api cudnn_legacy"},
      {R"({"api": "cudnn_legacy", "algo": "gemm", "math_type": "fma", "source": "heuristic_a"})",
       "member 'source' does not belong to api cudnn_legacy"},
      {R"({"api": "cudnn_legacy", "algo": "gemm", "algo": "fft", "math_type": "fma"})",
       "member 'algo' appears twice"},
      {R"({"api": "cudnn_legacy", "algo": "gemm", "math_type": "fma", "extra": 1})",
       "unknown member 'extra'"},
      {R"({"api": "cudnn_graph", "engine_id": 1, "knobs": {}, "behavior_notes": [], "numerical_notes": []})",
       "missing member 'source'"},
      {R"({"api": "cudnn_graph", "engine_id": 1, "knobs": {"CUDNN_KNOB_TYPE_SPLIT_K": 1, "CUDNN_KNOB_TYPE_SPLIT_K": 2}, "source": "heuristic_a", "behavior_notes": [], "numerical_notes": []})",
       "knob 'CUDNN_KNOB_TYPE_SPLIT_K' appears twice"},
      {R"({"api": "cudnn_graph", "engine_id": 1, "knobs": {"SPLIT_K": 1}, "source": "heuristic_a", "behavior_notes": [], "numerical_notes": []})",
       "not a cuDNN knob type name"},
      {R"({"api": "cudnn_graph", "engine_id": -1, "knobs": {}, "source": "heuristic_a", "behavior_notes": [], "numerical_notes": []})",
       "outside 0.."},
      {R"({"api": "cudnn_graph", "engine_id": 1, "knobs": {"CUDNN_KNOB_TYPE_SPLIT_K": 1.5}, "source": "heuristic_a", "behavior_notes": [], "numerical_notes": []})",
       "expected an integer"},
      {R"({"api": "cudnn_graph", "engine_id": 1, "knobs": {}, "source": "heuristic", "behavior_notes": [], "numerical_notes": []})",
       "unknown graph tactic source 'heuristic'"},
      {R"({"api": "cublaslt", "algo_id": 1, "tile": "x", "stages": "x", "split_k": 0, "reduction_scheme": "none", "cta_swizzling": 0, "custom_option": 0, "inner_shape": "x", "cluster_shape": "x", "source": "heuristic"})",
       "outside 1.."},
      {R"({"api": "cudnn_legacy", "algo": "gemm", "math_type": "fma"} x)", "after the end"},
      {R"({"api": "opencl"})", "unknown api 'opencl'"},
      {R"([])", "expected an object, got an array"},
  };
  for (const auto& c : cases) {
    std::string msg = error_of_tactic(c.text);
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.text << "\n" << msg;
    EXPECT_EQ(msg.rfind("t.json: line 1", 0), 0u) << msg;
  }
}

TEST(TacticJson, CandidateRulesAreCheckedOnRead) {
  std::string ok_without_timing =
      R"({"tactic": {"api": "cudnn_legacy", "algo": "gemm", "math_type": "fma"},
          "outcome": "ok", "workspace_bytes": 0,
          "validation": {"reference": "direct_fp64", "max_rel_error": 0, "tolerance": 0.01,
                         "output_finite": true, "redzones_intact": true}})";
  try {
    candidate_from_json_string(ok_without_timing, "c.json");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("outcome ok needs a timing"), std::string::npos)
        << e.what();
  }
  std::string wrong_spread =
      R"({"tactic": {"api": "cudnn_legacy", "algo": "gemm", "math_type": "fma"},
          "outcome": "not_supported", "workspace_bytes": 0,
          "timing": {"median_ms": 1, "p10_ms": 0.5, "p90_ms": 2, "n": 9, "spread": 0.1,
                     "cold_l2": true}})";
  EXPECT_THROW(candidate_from_json_string(wrong_spread), Error);
  std::string huge =
      R"({"tactic": {"api": "cudnn_legacy", "algo": "gemm", "math_type": "fma"},
          "outcome": "not_supported", "workspace_bytes": 1e300})";
  EXPECT_THROW(candidate_from_json_string(huge), Error);
}

TEST(TacticJson, NlohmannAdaptersGoThroughTheSameForm) {
  Tactic t{Variant{Layout::nhwc, Precision::fp16, 0, 0}, graph_tactic(28, 2)};
  nlohmann::json j = t;
  EXPECT_EQ(j["layout"], "nhwc");
  EXPECT_EQ(j["tactic"]["engine_id"], 28);
  EXPECT_EQ(j["tactic"]["knobs"]["CUDNN_KNOB_TYPE_SPLIT_K"], 2);
  EXPECT_EQ(j.get<Tactic>(), t);
  j["tactic"]["api"] = 1;
  EXPECT_THROW(j.get<Tactic>(), Error);
}

}  // namespace
}  // namespace plantune::tuner
