#include "plantune/tuner/tactic.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "plantune/core/error.h"

namespace plantune::tuner {
namespace {

// Every value of an enum has a distinct name that parses back to it, and a wrong name fails.
template <typename E, typename Parse>
void expect_names_round_trip(int count, Parse parse, const std::set<std::string>& expected) {
  std::set<std::string> names;
  for (int i = 0; i < count; ++i) {
    E v = static_cast<E>(i);
    std::string name(to_string(v));
    names.insert(name);
    auto back = parse(name);
    ASSERT_TRUE(back.has_value()) << name;
    EXPECT_EQ(*back, v) << name;
  }
  EXPECT_EQ(names, expected);
  EXPECT_FALSE(parse("unknown").has_value());
  EXPECT_FALSE(parse("").has_value());
}

TEST(Tactic, EveryEnumHasAName) {
  expect_names_round_trip<Api>(3, api_from_string, {"cudnn_legacy", "cudnn_graph", "cublaslt"});
  expect_names_round_trip<LegacyAlgo>(kLegacyAlgoCount, legacy_algo_from_string,
                                      {"implicit_gemm", "implicit_precomp_gemm", "gemm", "direct",
                                       "fft", "fft_tiling", "winograd", "winograd_nonfused"});
  expect_names_round_trip<MathType>(4, math_type_from_string,
                                    {"default", "tensor_op", "tensor_op_allow_conversion", "fma"});
  expect_names_round_trip<GraphSource>(4, graph_source_from_string,
                                       {"engine_enum", "heuristic_a", "heuristic_b", "fallback"});
  expect_names_round_trip<ReductionScheme>(4, reduction_scheme_from_string,
                                           {"none", "inplace", "compute_type", "output_type"});
  expect_names_round_trip<CublasLtSource>(2, cublaslt_source_from_string,
                                          {"heuristic", "enumerated"});
  expect_names_round_trip<Precision>(5, precision_from_string,
                                     {"fp32", "tf32", "fp16", "bf16", "int8"});
  // cudnnConvolutionFwdAlgo_t order
  EXPECT_EQ(static_cast<int>(LegacyAlgo::implicit_precomp_gemm), 1);
  EXPECT_EQ(static_cast<int>(LegacyAlgo::winograd_nonfused), 7);
}

TEST(Tactic, StorageDtypeOfPrecisions) {
  EXPECT_EQ(storage_dtype(Precision::tf32), DType::fp32);
  EXPECT_EQ(storage_dtype(Precision::fp32), DType::fp32);
  EXPECT_EQ(storage_dtype(Precision::fp16), DType::fp16);
  EXPECT_EQ(storage_dtype(Precision::bf16), DType::bf16);
  EXPECT_EQ(storage_dtype(Precision::int8), DType::int8);
}

TEST(Tactic, VariantPrintsAndParses) {
  Variant plain{Layout::nhwc, Precision::fp16, 0, 0};
  Variant padded{Layout::nchw, Precision::tf32, 8, 64};
  Variant only_c{Layout::nhwc, Precision::fp16, 8, 0};
  EXPECT_EQ(to_string(plain), "nhwc/fp16");
  EXPECT_EQ(to_string(padded), "nchw/tf32/pad_c8_k64");
  EXPECT_EQ(to_string(only_c), "nhwc/fp16/pad_c8_k0");
  for (const auto& v : {plain, padded, only_c}) {
    auto back = variant_from_string(to_string(v));
    ASSERT_TRUE(back.has_value()) << to_string(v);
    EXPECT_EQ(*back, v);
  }
  for (const char* bad : {"nhwc", "nhwc/fp64", "nchwc/fp16", "nhwc/fp16/", "nhwc/fp16/pad_c8",
                          "nhwc/fp16/pad_c-8_k0", "nhwc/fp16/pad_c0_k0", "nhwc/fp16/pad_c08_k0"}) {
    EXPECT_FALSE(variant_from_string(bad).has_value()) << bad;
  }
  // order: layout, precision, padding
  EXPECT_LT(Variant({Layout::nchw, Precision::fp16, 0, 0}), plain);
  EXPECT_LT(plain, only_c);
}

TEST(Tactic, KnobsStaySortedAndUnique) {
  GraphEngineTactic g;
  g.set_knob("CUDNN_KNOB_TYPE_TILE_SIZE", 5);
  g.set_knob("CUDNN_KNOB_TYPE_SPLIT_K", 2);
  g.set_knob("CUDNN_KNOB_TYPE_STAGES", 3);
  g.set_knob("CUDNN_KNOB_TYPE_SPLIT_K", 4);
  ASSERT_EQ(g.knobs.size(), 3u);
  EXPECT_EQ(g.knobs[0].name, "CUDNN_KNOB_TYPE_SPLIT_K");
  EXPECT_EQ(g.knobs[0].value, 4);
  EXPECT_EQ(g.knobs[1].name, "CUDNN_KNOB_TYPE_STAGES");
  EXPECT_EQ(g.knobs[2].name, "CUDNN_KNOB_TYPE_TILE_SIZE");
  EXPECT_EQ(g.knob("CUDNN_KNOB_TYPE_STAGES"), 3);
  EXPECT_FALSE(g.knob("CUDNN_KNOB_TYPE_SWIZZLE").has_value());
}

TEST(Tactic, RuntimeCompilationIsReadFromTheBehaviourNotes) {
  GraphEngineTactic g;
  g.engine_id = 3;
  EXPECT_FALSE(is_runtime_compiled(g));
  g.behavior_notes = {"CUDNN_BEHAVIOR_NOTE_SUPPORTS_CUDA_GRAPH_NATIVE_API",
                      "CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION"};
  EXPECT_TRUE(is_runtime_compiled(g));
  EXPECT_FALSE(is_runtime_compiled(LegacyConvTactic{}));
  EXPECT_FALSE(is_runtime_compiled(CublasLtTactic{}));
}

TEST(Tactic, IdsNameWhatRuns) {
  EXPECT_EQ(tactic_id(LegacyConvTactic{LegacyAlgo::implicit_precomp_gemm, MathType::tensor_op}),
            "legacy/implicit_precomp_gemm/tensor_op");
  EXPECT_EQ(tactic_id(LegacyConvTactic{LegacyAlgo::fft, MathType::default_math}),
            "legacy/fft/default");
  GraphEngineTactic g;
  g.engine_id = 28;
  EXPECT_EQ(tactic_id(g), "graph/eng28");
  g.set_knob("CUDNN_KNOB_TYPE_TILE_SIZE", 5);
  g.set_knob("CUDNN_KNOB_TYPE_SPLIT_K", 2);
  EXPECT_EQ(tactic_id(g), "graph/eng28/SPLIT_K=2,TILE_SIZE=5");
  CublasLtTactic c;
  c.algo_id = 6, c.tile = "128x128", c.stages = "64x3", c.split_k = 2;
  c.reduction = ReductionScheme::compute_type, c.inner_shape = "MMA16816";
  c.cluster_shape = "1x2x1";
  EXPECT_EQ(tactic_id(c),
            "cublaslt/algo6/tile=128x128/stages=64x3/splitk=2/red=compute_type/swz=0/custom=0/"
            "inner=MMA16816/cluster=1x2x1");
  EXPECT_EQ(api_of(c), Api::cublaslt);
  EXPECT_EQ(api_of(g), Api::cudnn_graph);
  EXPECT_EQ(to_string(Tactic{Variant{Layout::nhwc, Precision::fp16, 0, 0}, g}),
            "nhwc/fp16 graph/eng28/SPLIT_K=2,TILE_SIZE=5");
}

TEST(Tactic, IdentityIgnoresSourceAndNotes) {
  GraphEngineTactic a;
  a.engine_id = 28;
  a.set_knob("CUDNN_KNOB_TYPE_SPLIT_K", 2);
  GraphEngineTactic b = a;
  b.source = GraphSource::heuristic_b;
  b.numerical_notes = {"CUDNN_NUMERICAL_NOTE_TENSOR_CORE"};
  EXPECT_TRUE(same_tactic(a, b));
  EXPECT_FALSE(a == b);
  b.set_knob("CUDNN_KNOB_TYPE_SPLIT_K", 4);
  EXPECT_FALSE(same_tactic(a, b));
  b = a;
  b.engine_id = 29;
  EXPECT_FALSE(same_tactic(a, b));
  EXPECT_FALSE(same_tactic(a, LegacyConvTactic{}));
  CublasLtTactic c, d;
  d.source = CublasLtSource::enumerated;
  EXPECT_TRUE(same_tactic(c, d));
  d.split_k = 4;
  EXPECT_FALSE(same_tactic(c, d));
  EXPECT_NE(tactic_id(c), tactic_id(d));
}

TEST(Tactic, ValidateRejectsMalformedNames) {
  auto rejects = [](const TacticConfig& t, const std::string& expect) {
    try {
      validate(t);
      ADD_FAILURE() << "accepted " << tactic_id(t);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
      EXPECT_NE(std::string(e.what()).find(expect), std::string::npos) << e.what();
    }
  };
  GraphEngineTactic g;
  g.engine_id = 3;
  g.set_knob("SPLIT_K", 2);
  rejects(g, "'SPLIT_K' is not a cuDNN knob type name");
  g.knobs = {{"CUDNN_KNOB_TYPE_TILE_SIZE", 1}, {"CUDNN_KNOB_TYPE_SPLIT_K", 1}};
  rejects(g, "out of name order");
  g.knobs = {{"CUDNN_KNOB_TYPE_SPLIT_K", 1}, {"CUDNN_KNOB_TYPE_SPLIT_K", 2}};
  rejects(g, "repeated");
  g.knobs.clear();
  g.behavior_notes = {"RUNTIME_COMPILATION"};
  rejects(g, "behavior note 'RUNTIME_COMPILATION'");
  g.behavior_notes.clear();
  g.numerical_notes = {"CUDNN_NUMERICAL_NOTE_"};
  rejects(g, "numerical note");
  g.numerical_notes = {"CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_4x4"};
  EXPECT_NO_THROW(validate(g));
  g.engine_id = -1;
  rejects(g, "negative");
  CublasLtTactic c;
  c.split_k = 0;
  rejects(c, "split_k = 0");
  c.split_k = 1;
  c.tile = "128x128\"";
  rejects(c, "not an enum name suffix");
  c.tile = "128x128";
  EXPECT_NO_THROW(validate(c));
  EXPECT_NO_THROW(validate(LegacyConvTactic{LegacyAlgo::winograd, MathType::fma}));
}

}  // namespace
}  // namespace plantune::tuner
