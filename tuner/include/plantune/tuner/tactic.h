#pragma once
// Tactics: what runs, described by stable values (names, engine ids, knob values), never by an
// index into a list that a library version can reorder.
//
// A Tactic is a Variant (layout, run precision, channel padding) plus a TacticConfig, one of:
//   LegacyConvTactic   cudnnConvolutionForward algorithm x math type
//   GraphEngineTactic  cuDNN graph-API global engine id x knob values (+ where it came from)
//   CublasLtTactic     cuBLASLt algorithm configuration
// Names follow the libraries' enum names: knob names are cuDNN's knob type names
// ("CUDNN_KNOB_TYPE_SPLIT_K"), notes cuDNN's note names, cuBLASLt fields the suffix of the enum
// name ("128x128" for CUBLASLT_MATMUL_TILE_128x128). Every enum has to_string/..._from_string.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "plantune/core/dtype.h"
#include "plantune/core/shape.h"

namespace plantune::tuner {

enum class Api { cudnn_legacy, cudnn_graph, cublaslt };

// cudnnConvolutionFwdAlgo_t, in the library's order (the GPU code static_asserts the count).
enum class LegacyAlgo {
  implicit_gemm,
  implicit_precomp_gemm,
  gemm,
  direct,
  fft,
  fft_tiling,
  winograd,
  winograd_nonfused
};
inline constexpr int kLegacyAlgoCount = 8;

// cudnnMathType_t; `default_math` is named "default".
enum class MathType { default_math, tensor_op, tensor_op_allow_conversion, fma };

// Where a graph-API configuration came from: enumerating engines x knobs, or the configurations
// of heuristic modes A, B and FALLBACK.
enum class GraphSource { engine_enum, heuristic_a, heuristic_b, fallback };

// cublasLtReductionScheme_t (CUBLASLT_REDUCTION_SCHEME_*).
enum class ReductionScheme { none, inplace, compute_type, output_type };

// Where a cuBLASLt configuration came from: cublasLtMatmulAlgoGetHeuristic or enumeration.
enum class CublasLtSource { heuristic, enumerated };

// The precision a tactic runs in: fp32 (FMA math), tf32 (fp32 tensors, TF32 Tensor Cores),
// fp16, bf16, int8.
enum class Precision { fp32, tf32, fp16, bf16, int8 };

std::string_view to_string(Api v);
std::string_view to_string(LegacyAlgo v);
std::string_view to_string(MathType v);
std::string_view to_string(GraphSource v);
std::string_view to_string(ReductionScheme v);
std::string_view to_string(CublasLtSource v);
std::string_view to_string(Precision v);
// Each accepts exactly the names to_string returns; nullopt for anything else.
std::optional<Api> api_from_string(std::string_view s);
std::optional<LegacyAlgo> legacy_algo_from_string(std::string_view s);
std::optional<MathType> math_type_from_string(std::string_view s);
std::optional<GraphSource> graph_source_from_string(std::string_view s);
std::optional<ReductionScheme> reduction_scheme_from_string(std::string_view s);
std::optional<CublasLtSource> cublaslt_source_from_string(std::string_view s);
std::optional<Precision> precision_from_string(std::string_view s);

// The element type tensors are stored in for a precision (tf32 -> fp32).
DType storage_dtype(Precision p);

// How a problem is executed. padded_c / padded_k are the channel counts after zero padding
// (0: that dimension is not padded); padding costs are part of the tactic's timing.
struct Variant {
  Layout layout = Layout::nchw;
  Precision precision = Precision::fp32;
  std::int64_t padded_c = 0;
  std::int64_t padded_k = 0;

  auto operator<=>(const Variant&) const = default;  // layout, precision, padded_c, padded_k
};

// "nhwc/fp16", or "nhwc/fp16/pad_c8_k64" when padded (an unpadded dimension prints 0).
std::string to_string(const Variant& v);
// Accepts exactly what to_string prints; nullopt otherwise.
std::optional<Variant> variant_from_string(std::string_view s);

struct LegacyConvTactic {
  LegacyAlgo algo = LegacyAlgo::implicit_gemm;
  MathType math = MathType::default_math;
  bool operator==(const LegacyConvTactic&) const = default;
};

struct Knob {
  std::string name;  // "CUDNN_KNOB_TYPE_SPLIT_K"
  std::int64_t value = 0;
  auto operator<=>(const Knob&) const = default;
};

struct GraphEngineTactic {
  std::int64_t engine_id = 0;  // CUDNN_ATTR_ENGINE_GLOBAL_INDEX
  std::vector<Knob> knobs;     // sorted by name, names unique (set_knob keeps this)
  GraphSource source = GraphSource::engine_enum;
  std::vector<std::string> behavior_notes;   // "CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION", ...
  std::vector<std::string> numerical_notes;  // "CUDNN_NUMERICAL_NOTE_TENSOR_CORE", ...

  // Sets (or replaces) a knob, keeping `knobs` sorted by name.
  void set_knob(std::string name, std::int64_t value);
  std::optional<std::int64_t> knob(std::string_view name) const;
  bool operator==(const GraphEngineTactic&) const = default;
};

struct CublasLtTactic {
  std::int64_t algo_id = 0;          // CUBLASLT_ALGO_CONFIG_ID
  std::string tile = "UNDEFINED";    // CUBLASLT_MATMUL_TILE_<tile>
  std::string stages = "UNDEFINED";  // CUBLASLT_MATMUL_STAGES_<stages>
  std::int64_t split_k = 1;          // CUBLASLT_ALGO_CONFIG_SPLITK_NUM
  ReductionScheme reduction = ReductionScheme::none;
  std::int64_t cta_swizzling = 0;           // CUBLASLT_ALGO_CONFIG_CTA_SWIZZLING
  std::int64_t custom_option = 0;           // CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION
  std::string inner_shape = "UNDEFINED";    // CUBLASLT_MATMUL_INNER_SHAPE_<inner_shape>
  std::string cluster_shape = "UNDEFINED";  // CUBLASLT_CLUSTER_SHAPE_<cluster_shape>
  CublasLtSource source = CublasLtSource::heuristic;
  bool operator==(const CublasLtTactic&) const = default;
};

using TacticConfig = std::variant<LegacyConvTactic, GraphEngineTactic, CublasLtTactic>;

Api api_of(const TacticConfig& t);

// Canonical one-line identity of what runs; equal exactly when same_tactic() holds:
//   legacy/implicit_precomp_gemm/tensor_op
//   graph/eng28/SPLIT_K=2,TILE_SIZE=5          (knob names without CUDNN_KNOB_TYPE_)
//   cublaslt/algo6/tile=128x128/stages=64x3/splitk=1/red=none/swz=0/custom=0/inner=..
// Where a configuration came from (source) and notes are not part of its identity.
std::string tactic_id(const TacticConfig& t);
bool same_tactic(const TacticConfig& a, const TacticConfig& b);

// A graph-API configuration noted CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION (its plan compiles a
// kernel when finalized).
bool is_runtime_compiled(const TacticConfig& t);

// Throws invalid_argument naming the tactic when a name is malformed (knob names must be
// CUDNN_KNOB_TYPE_[A-Z0-9_]+, notes CUDNN_{BEHAVIOR,NUMERICAL}_NOTE_[A-Za-z0-9_]+, cuBLASLt
// fields [A-Za-z0-9_]+), knobs are unsorted or repeated, or a number is negative
// (split_k must be >= 1).
void validate(const TacticConfig& t);

struct Tactic {
  Variant variant;
  TacticConfig config;
  bool operator==(const Tactic&) const = default;
};

// "nhwc/fp16 graph/eng28/SPLIT_K=2"
std::string to_string(const Tactic& t);

}  // namespace plantune::tuner
