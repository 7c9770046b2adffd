#pragma once
// Corrupt and hostile tactic database texts, each made from a valid one by one change, with a
// part of the message reading it must give. Used by the JSON tests and the file tests.
#include <string>
#include <vector>

namespace plantune::tuner::testing {

struct HostileDb {
  std::string name;  // also a file name stem
  std::string text;
  std::string expect;  // part of the parse_error message
};

// `good` with the first `from` replaced by `to` (empty when `from` is absent: the caller's
// test then fails on the empty text's different message).
inline std::string replace_first(const std::string& good, const std::string& from,
                                 const std::string& to) {
  auto pos = good.find(from);
  if (pos == std::string::npos) return "";
  return good.substr(0, pos) + to + good.substr(pos + from.size());
}

inline std::vector<HostileDb> hostile_dbs(const std::string& good) {
  const std::string conv_key =
      "conv2d n32_c64_h56_w56_k64_r3_s3_p1x1_u1x1_d1x1_g1 x=fp16 w=fp16 y=fp16 acc=fp32";
  const std::string gemm_key =
      "gemm m32_n1000_k2048_ta0_tb1 a=fp16 b=fp16 d=fp16 acc=fp32 bias=1 act=none";
  const std::string winner = "\"winner\": \"graph/eng28/SPLIT_K=2,TILE_SIZE=5\",";
  auto r = [&](const std::string& from, const std::string& to) {
    return replace_first(good, from, to);
  };
  return {
      {"binary_garbage",
       std::string("\x7f"
                   "ELF\x02\x01\x01\x00\xff\xfe garbage",
                   18),
       "unexpected character"},
      {"empty", "", "unexpected end of input"},
      {"truncated_half", good.substr(0, good.size() / 2), "truncated"},
      {"truncated_tail", good.substr(0, good.size() - 3), "truncated"},
      {"not_an_object", "[1, 2]\n", "not a tactic database"},
      {"wrong_format", r("plantune-tactic-db", "plantune-network"), "format is not"},
      {"schema_version_2", r("\"schema_version\": 1", "\"schema_version\": 2"),
       "schema version 2 is not supported (this build reads 1)"},
      {"schema_version_huge",
       r("\"schema_version\": 1", "\"schema_version\": 123456789012345678901234567890"),
       "does not fit in 64 bits"},
      {"missing_environment",
       r("\"environment\": {\"gpu_name\": \"NVIDIA H200\", \"compute_capability\": \"9.0\", "
         "\"sm_count\": 132, \"driver_version\": \"13.0\", \"cuda_runtime_version\": \"13.0\", "
         "\"cudnn_version\": \"9.14.0\", \"plantune_version\": \"0.1.0\"},\n",
         ""),
       "missing member 'environment'"},
      {"wrong_type_string_for_int", r("\"sm_count\": 132", "\"sm_count\": \"132\""),
       "expected a number, got a string"},
      {"wrong_type_int_for_enum", r("\"outcome\": \"not_supported\"", "\"outcome\": 1"),
       "expected a string, got a number"},
      {"wrong_type_array_for_object", r("\"candidates\": [", "\"candidates\": [[[[[[[[[["),
       "expected an object, got an array"},
      {"huge_integer", r("\"n\": 50", "\"n\": 99999999999999999999999"), "does not fit in 64 bits"},
      {"fraction_for_integer", r("\"workspace_bytes\": 2359296", "\"workspace_bytes\": 1e300"),
       "expected an integer"},
      {"huge_time", r("\"median_ms\": 0.0341", "\"median_ms\": 1e308"), "is outside"},
      {"overflowing_double", r("\"median_ms\": 0.0341", "\"median_ms\": 1e400"),
       "out of the range of a double"},
      {"nan", r("\"median_ms\": 0.0341", "\"median_ms\": NaN"), "unexpected character 'N'"},
      {"negative_padding", r("\"padded_c\": 0", "\"padded_c\": -8"), "outside 0.."},
      {"unknown_enum", r("\"outcome\": \"incorrect\"", "\"outcome\": \"great\""),
       "unknown outcome 'great'"},
      {"unknown_member", r("\"padded_k\": 0,", "\"padded_k\": 0, \"color\": \"red\","),
       "unknown member 'color'"},
      {"duplicate_member", r(winner, winner + " " + winner), "member 'winner' appears twice"},
      {"duplicate_entry_key", r("\"key\": \"" + conv_key, "\"key\": \"" + gemm_key),
       "entry key '" + gemm_key + "' appears twice"},
      {"duplicate_variant",
       r("\"layout\": \"nchw\",\n          \"precision\": \"tf32\"",
         "\"layout\": \"nhwc\",\n          \"precision\": \"fp16\""),
       "variant nhwc/fp16 appears twice"},
      {"non_canonical_key", r("\"key\": \"conv2d n32_", "\"key\": \"conv2d n032_"),
       "not canonical"},
      {"winner_not_first", r(winner, "\"winner\": \"legacy/implicit_precomp_gemm/tensor_op\","),
       "is not the first ok candidate"},
      {"out_of_rank_order", r("\"outcome\": \"not_supported\"", "\"outcome\": \"timeout\""),
       "out of rank order"},
      {"spread_mismatch", r("\"spread\": 0.03225806451612914", "\"spread\": 0.5"),
       "is not (p90 - p10) / median"},
      {"reverify_without_reason", r("\"status\": \"needs_reverify\"", "\"status\": \"ok\""),
       "'reverify_reason' is only allowed with status needs_reverify"},
      {"bad_date", r("2026-11-22T04:12:25Z", "2026-13-22T04:12:25Z"), "not a UTC timestamp"},
      {"invalid_utf8", r("\"command\": \"plantune tune", "\"command\": \"plantune \xff tune"),
       "invalid UTF-8"},
      {"trailing_content", good + "}\n", "after the end of the document"},
      {"error_unknown_member", r("\"nonfinite\": 0,", "\"nonfinite\": 0, \"median\": 1,"),
       "unknown member 'median'"},
      {"error_missing_member", r(", \"cosine\": 0.99999992}", "}"), "missing member 'cosine'"},
      {"error_nan", r("\"rel_l2\": 0.00041", "\"rel_l2\": \"nan\""),
       "'nan' is not a number, \"inf\" or \"-inf\""},
      {"error_negative", r("\"rel_l2\": 0.00041", "\"rel_l2\": -0.1"),
       "error_vs_fp32 rel_l2 -0.1 must be >= 0"},
      {"error_fraction_count", r("\"count\": 6422528", "\"count\": 6422528.5"),
       "expected an integer"},
      {"error_cosine_above_one", r("\"cosine\": 0.99999992", "\"cosine\": 1.5"),
       "cosine 1.5 is outside -1..1"},
  };
}

}  // namespace plantune::tuner::testing
