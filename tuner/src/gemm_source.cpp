#include "plantune/tuner/gemm_source.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>
#include <sstream>
#include <type_traits>

#include "cublaslt_names.h"
#include "plantune/core/cuda_check.h"
#include "plantune/core/error.h"

namespace plantune::tuner {
namespace {

using detail::LtField;

// ---- RAII for cuBLASLt descriptors -------------------------------------------------------

struct DescDeleter {
  void operator()(cublasLtMatmulDesc_t d) const noexcept {
    PT_CUBLAS_LOG(cublasLtMatmulDescDestroy(d));
  }
};
struct LayoutDeleter {
  void operator()(cublasLtMatrixLayout_t l) const noexcept {
    PT_CUBLAS_LOG(cublasLtMatrixLayoutDestroy(l));
  }
};
struct PreferenceDeleter {
  void operator()(cublasLtMatmulPreference_t p) const noexcept {
    PT_CUBLAS_LOG(cublasLtMatmulPreferenceDestroy(p));
  }
};
using DescPtr = std::unique_ptr<std::remove_pointer_t<cublasLtMatmulDesc_t>, DescDeleter>;
using LayoutPtr = std::unique_ptr<std::remove_pointer_t<cublasLtMatrixLayout_t>, LayoutDeleter>;
using PreferencePtr =
    std::unique_ptr<std::remove_pointer_t<cublasLtMatmulPreference_t>, PreferenceDeleter>;

// The pointer the bias attribute holds while no real bias is known (heuristic queries and
// checks read only its alignment, Note [cuBLASLt precisions]): 256-byte aligned, like the
// workload's and the arena's pointers. Never dereferenced.
const void* const kAlignedPlaceholder = reinterpret_cast<const void*>(std::uintptr_t{256});

// ---- precisions (Note [cuBLASLt precisions]) ------------------------------------------------

struct LtTypes {
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
  cudaDataType_t scale = CUDA_R_32F;
  cudaDataType_t data = CUDA_R_32F;
  std::uint64_t disallowed_impl = 0;  // CUBLASLT_NUMERICAL_IMPL_FLAGS_* the precision excludes
};

LtTypes lt_types(Precision p) {
  constexpr std::uint64_t acc16 = CUBLASLT_NUMERICAL_IMPL_FLAGS_ACCUMULATOR_16F;
  constexpr std::uint64_t low_inputs =
      CUBLASLT_NUMERICAL_IMPL_FLAGS_INPUT_16F | CUBLASLT_NUMERICAL_IMPL_FLAGS_INPUT_16BF |
      CUBLASLT_NUMERICAL_IMPL_FLAGS_INPUT_8I | CUBLASLT_NUMERICAL_IMPL_FLAGS_INPUT_8F_E4M3 |
      CUBLASLT_NUMERICAL_IMPL_FLAGS_INPUT_8F_E5M2;
  LtTypes t;
  switch (p) {
    case Precision::fp32:
      t.disallowed_impl = low_inputs | CUBLASLT_NUMERICAL_IMPL_FLAGS_INPUT_TF32 | acc16;
      return t;
    case Precision::tf32:
      t.compute = CUBLAS_COMPUTE_32F_FAST_TF32;
      t.disallowed_impl = low_inputs | acc16;
      return t;
    case Precision::fp16:
      t.data = CUDA_R_16F;
      t.disallowed_impl = acc16;
      return t;
    case Precision::bf16:
      t.data = CUDA_R_16BF;
      t.disallowed_impl = acc16;
      return t;
    case Precision::int8: break;
  }
  PT_FAIL(not_supported,
          "cuBLASLt GEMM: precision " << to_string(p) << " (fp32, tf32, fp16, bf16 only)");
}

cublasLtEpilogue_t epilogue_of(const GemmProblem& p) {
  switch (p.activation) {
    case Activation::none: return p.bias ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT;
    case Activation::relu: return p.bias ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_RELU;
    case Activation::gelu: return p.bias ? CUBLASLT_EPILOGUE_GELU_BIAS : CUBLASLT_EPILOGUE_GELU;
    default: break;
  }
  PT_FAIL(not_supported, "GEMM '" << problem_key(p) << "': activation " << to_string(p.activation)
                                  << " has no cuBLASLt epilogue (none, relu and gelu do)");
}

// ---- the operation: descriptor and layouts of one executed problem ---------------------------

class LtOperation {
 public:
  LtOperation(const GemmProblem& exec, Precision precision)
      : exec_(exec), key_(problem_key(exec)), types_(lt_types(precision)) {
    const LtGemmShape s = lt_gemm_shape(exec);
    const cublasLtEpilogue_t epi = epilogue_of(exec);
    cublasLtMatmulDesc_t d = nullptr;
    PT_CUBLAS_CHECK_MSG(cublasLtMatmulDescCreate(&d, types_.compute, types_.scale),
                        "creating the cuBLASLt operation of '" << key_ << "'");
    desc_.reset(d);
    const std::int32_t ta = s.transa ? CUBLAS_OP_T : CUBLAS_OP_N;
    const std::int32_t tb = s.transb ? CUBLAS_OP_T : CUBLAS_OP_N;
    const std::uint32_t e = epi;
    set_desc(CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta, "TRANSA");
    set_desc(CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb, "TRANSB");
    set_desc(CUBLASLT_MATMUL_DESC_EPILOGUE, &e, sizeof e, "EPILOGUE");
    if (exec.bias) set_bias(kAlignedPlaceholder);
    a_ = make_layout(s.a_rows, s.a_cols, s.lda, "A' (our B)");
    b_ = make_layout(s.b_rows, s.b_cols, s.ldb, "B' (our A)");
    d_ = make_layout(s.m, s.n, s.ldd, "D'");
  }

  void set_bias(const void* bias) {
    set_desc(CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias, "BIAS_POINTER");
  }

  cublasLtMatmulDesc_t desc() const { return desc_.get(); }
  cublasLtMatrixLayout_t a() const { return a_.get(); }
  cublasLtMatrixLayout_t b() const { return b_.get(); }
  cublasLtMatrixLayout_t d() const { return d_.get(); }
  const LtTypes& types() const { return types_; }
  const GemmProblem& exec() const { return exec_; }
  const std::string& key() const { return key_; }

 private:
  void set_desc(cublasLtMatmulDescAttributes_t attr, const void* v, std::size_t n,
                const char* name) {
    PT_CUBLAS_CHECK_MSG(cublasLtMatmulDescSetAttribute(desc_.get(), attr, v, n),
                        "setting CUBLASLT_MATMUL_DESC_" << name << " for '" << key_ << "'");
  }
  LayoutPtr make_layout(std::uint64_t rows, std::uint64_t cols, std::int64_t ld, const char* what) {
    cublasLtMatrixLayout_t l = nullptr;
    PT_CUBLAS_CHECK_MSG(cublasLtMatrixLayoutCreate(&l, types_.data, rows, cols, ld),
                        "creating the cuBLASLt layout of " << what << " (" << rows << " x " << cols
                                                           << ", ld " << ld << ") for '" << key_
                                                           << "'");
    return LayoutPtr(l);
  }

  GemmProblem exec_;
  std::string key_;
  LtTypes types_;
  DescPtr desc_;
  LayoutPtr a_, b_, d_;
};

// ---- stable descriptions <-> cublasLtMatmulAlgo_t --------------------------------------------

template <typename T>
T config_attr(const cublasLtMatmulAlgo_t& algo, cublasLtMatmulAlgoConfigAttributes_t attr,
              T fallback) {
  T v{};
  std::size_t written = 0;
  if (cublasLtMatmulAlgoConfigGetAttribute(&algo, attr, &v, sizeof v, &written) !=
          CUBLAS_STATUS_SUCCESS ||
      written != sizeof v) {
    return fallback;
  }
  return v;
}

template <typename T>
bool cap_attr(const cublasLtMatmulAlgo_t& algo, cublasLtMatmulAlgoCapAttributes_t attr, T& out) {
  std::size_t written = 0;
  return cublasLtMatmulAlgoCapGetAttribute(&algo, attr, &out, sizeof out, &written) ==
             CUBLAS_STATUS_SUCCESS &&
         written == sizeof out;
}

std::vector<std::uint32_t> cap_ids(const cublasLtMatmulAlgo_t& algo,
                                   cublasLtMatmulAlgoCapAttributes_t attr) {
  std::size_t needed = 0;
  if (cublasLtMatmulAlgoCapGetAttribute(&algo, attr, nullptr, 0, &needed) !=
          CUBLAS_STATUS_SUCCESS ||
      needed == 0) {
    return {};
  }
  std::vector<std::uint32_t> ids(needed / sizeof(std::uint32_t));
  std::size_t written = 0;
  if (ids.empty() ||
      cublasLtMatmulAlgoCapGetAttribute(&algo, attr, ids.data(), ids.size() * sizeof(std::uint32_t),
                                        &written) != CUBLAS_STATUS_SUCCESS) {
    return {};
  }
  ids.resize(written / sizeof(std::uint32_t));
  return ids;
}

std::optional<ReductionScheme> reduction_of(std::uint32_t v) {
  switch (v) {
    case CUBLASLT_REDUCTION_SCHEME_NONE: return ReductionScheme::none;
    case CUBLASLT_REDUCTION_SCHEME_INPLACE: return ReductionScheme::inplace;
    case CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE: return ReductionScheme::compute_type;
    case CUBLASLT_REDUCTION_SCHEME_OUTPUT_TYPE: return ReductionScheme::output_type;
    default: return std::nullopt;
  }
}

std::uint32_t to_cublaslt(ReductionScheme r) {
  switch (r) {
    case ReductionScheme::none: return CUBLASLT_REDUCTION_SCHEME_NONE;
    case ReductionScheme::inplace: return CUBLASLT_REDUCTION_SCHEME_INPLACE;
    case ReductionScheme::compute_type: return CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE;
    case ReductionScheme::output_type: return CUBLASLT_REDUCTION_SCHEME_OUTPUT_TYPE;
  }
  return CUBLASLT_REDUCTION_SCHEME_NONE;
}

// The description of a configured algorithm; nullopt when a field has a value CublasLtTactic
// cannot hold (an unknown reduction scheme).
std::optional<CublasLtTactic> describe(const cublasLtMatmulAlgo_t& algo, CublasLtSource source) {
  CublasLtTactic t;
  t.algo_id = config_attr<std::int32_t>(algo, CUBLASLT_ALGO_CONFIG_ID, 0);
  t.tile = detail::lt_name(LtField::tile,
                           config_attr<std::uint32_t>(algo, CUBLASLT_ALGO_CONFIG_TILE_ID, 0));
  t.stages = detail::lt_name(LtField::stages,
                             config_attr<std::uint32_t>(algo, CUBLASLT_ALGO_CONFIG_STAGES_ID, 0));
  t.split_k = std::max<std::int32_t>(
      1, config_attr<std::int32_t>(algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM, 1));
  const auto red =
      reduction_of(config_attr<std::uint32_t>(algo, CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME, 0));
  if (!red) return std::nullopt;
  t.reduction = *red;
  t.cta_swizzling = config_attr<std::uint32_t>(algo, CUBLASLT_ALGO_CONFIG_CTA_SWIZZLING, 0);
  t.custom_option = config_attr<std::uint32_t>(algo, CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION, 0);
  t.inner_shape =
      detail::lt_name(LtField::inner_shape,
                      config_attr<std::uint16_t>(algo, CUBLASLT_ALGO_CONFIG_INNER_SHAPE_ID, 0));
  t.cluster_shape =
      detail::lt_name(LtField::cluster_shape,
                      config_attr<std::uint16_t>(algo, CUBLASLT_ALGO_CONFIG_CLUSTER_SHAPE_ID, 0));
  t.source = source;
  return t;
}

std::uint32_t field_value(LtField f, const std::string& name, const CublasLtTactic& t) {
  const auto v = detail::lt_value(f, name);
  PT_REQUIRE(v.has_value(), not_supported,
             "cuBLASLt tactic " << tactic_id(TacticConfig{t}) << ": " << detail::to_string(f)
                                << " '" << name << "' is not a name this build knows");
  return *v;
}

template <typename T>
void set_config(cublasLtMatmulAlgo_t& algo, cublasLtMatmulAlgoConfigAttributes_t attr, T v,
                const char* name, const CublasLtTactic& t) {
  const cublasStatus_t st = cublasLtMatmulAlgoConfigSetAttribute(&algo, attr, &v, sizeof v);
  PT_REQUIRE(st == CUBLAS_STATUS_SUCCESS, not_supported,
             "cuBLASLt tactic " << tactic_id(TacticConfig{t}) << ": setting " << name << " = " << +v
                                << " was refused (" << status_string(st) << ")");
}

// cublasLtMatmulAlgoInit + the stored fields (only those that differ from the defaults, so that
// old algorithms without e.g. cluster shapes are not asked to take one).
cublasLtMatmulAlgo_t build_algo(cublasLtHandle_t handle, const LtTypes& types,
                                const CublasLtTactic& t) {
  validate(TacticConfig{t});
  PT_REQUIRE(
      t.algo_id <= std::numeric_limits<std::int32_t>::max() &&
          t.split_k <= std::numeric_limits<std::int32_t>::max() &&
          t.cta_swizzling <= std::numeric_limits<std::uint32_t>::max() &&
          t.custom_option <= std::numeric_limits<std::uint32_t>::max(),
      not_supported,
      "cuBLASLt tactic " << tactic_id(TacticConfig{t}) << ": a number is out of cuBLASLt's range");
  const std::uint32_t tile = field_value(LtField::tile, t.tile, t);
  const std::uint32_t stages = field_value(LtField::stages, t.stages, t);
  const std::uint32_t inner = field_value(LtField::inner_shape, t.inner_shape, t);
  const std::uint32_t cluster = field_value(LtField::cluster_shape, t.cluster_shape, t);
  PT_REQUIRE(inner <= 0xFFFF && cluster <= 0xFFFF, not_supported,
             "cuBLASLt tactic " << tactic_id(TacticConfig{t})
                                << ": inner or cluster shape id beyond 16 bits");
  cublasLtMatmulAlgo_t algo{};
  const cublasStatus_t st =
      cublasLtMatmulAlgoInit(handle, types.compute, types.scale, types.data, types.data, types.data,
                             types.data, static_cast<int>(t.algo_id), &algo);
  PT_REQUIRE(st == CUBLAS_STATUS_SUCCESS, not_supported,
             "cuBLASLt tactic " << tactic_id(TacticConfig{t}) << ": algorithm " << t.algo_id
                                << " is not available for these data types (" << status_string(st)
                                << ")");
  if (tile != 0) set_config<std::uint32_t>(algo, CUBLASLT_ALGO_CONFIG_TILE_ID, tile, "TILE_ID", t);
  if (stages != 0)
    set_config<std::uint32_t>(algo, CUBLASLT_ALGO_CONFIG_STAGES_ID, stages, "STAGES_ID", t);
  if (t.split_k != 1)
    set_config<std::int32_t>(algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM,
                             static_cast<std::int32_t>(t.split_k), "SPLITK_NUM", t);
  if (t.reduction != ReductionScheme::none)
    set_config<std::uint32_t>(algo, CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME, to_cublaslt(t.reduction),
                              "REDUCTION_SCHEME", t);
  if (t.cta_swizzling != 0)
    set_config<std::uint32_t>(algo, CUBLASLT_ALGO_CONFIG_CTA_SWIZZLING,
                              static_cast<std::uint32_t>(t.cta_swizzling), "CTA_SWIZZLING", t);
  if (t.custom_option != 0)
    set_config<std::uint32_t>(algo, CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION,
                              static_cast<std::uint32_t>(t.custom_option), "CUSTOM_OPTION", t);
  if (inner != 0)
    set_config<std::uint16_t>(algo, CUBLASLT_ALGO_CONFIG_INNER_SHAPE_ID,
                              static_cast<std::uint16_t>(inner), "INNER_SHAPE_ID", t);
  if (cluster != 0)
    set_config<std::uint16_t>(algo, CUBLASLT_ALGO_CONFIG_CLUSTER_SHAPE_ID,
                              static_cast<std::uint16_t>(cluster), "CLUSTER_SHAPE_ID", t);
  return algo;
}

// cublasLtMatmulAlgoCheck: the workspace the configuration needs, or the status it failed with.
struct CheckResult {
  cublasStatus_t status = CUBLAS_STATUS_SUCCESS;
  std::int64_t workspace = 0;
};

CheckResult check_algo(cublasLtHandle_t handle, const LtOperation& op,
                       const cublasLtMatmulAlgo_t& algo) {
  cublasLtMatmulHeuristicResult_t r{};
  CheckResult c;
  c.status = cublasLtMatmulAlgoCheck(handle, op.desc(), op.a(), op.b(), op.d(), op.d(), &algo, &r);
  if (c.status == CUBLAS_STATUS_SUCCESS && r.state != CUBLAS_STATUS_SUCCESS) c.status = r.state;
  c.workspace = static_cast<std::int64_t>(r.workspaceSize);
  return c;
}

std::string impl_flag_names(std::uint64_t flags) {
  struct Flag {
    std::uint64_t bit;
    const char* name;
  };
  static constexpr Flag kFlags[] = {
      {CUBLASLT_NUMERICAL_IMPL_FLAGS_INPUT_TF32, "INPUT_TF32"},
      {CUBLASLT_NUMERICAL_IMPL_FLAGS_INPUT_16F, "INPUT_16F"},
      {CUBLASLT_NUMERICAL_IMPL_FLAGS_INPUT_16BF, "INPUT_16BF"},
      {CUBLASLT_NUMERICAL_IMPL_FLAGS_INPUT_8I, "INPUT_8I"},
      {CUBLASLT_NUMERICAL_IMPL_FLAGS_INPUT_8F_E4M3, "INPUT_8F_E4M3"},
      {CUBLASLT_NUMERICAL_IMPL_FLAGS_INPUT_8F_E5M2, "INPUT_8F_E5M2"},
      {CUBLASLT_NUMERICAL_IMPL_FLAGS_ACCUMULATOR_16F, "ACCUMULATOR_16F"}};
  std::string s;
  for (const Flag& f : kFlags) {
    if ((flags & f.bit) != 0) s += (s.empty() ? "" : "|") + std::string(f.name);
  }
  return s.empty() ? "none" : s;
}

// ---- the runner ---------------------------------------------------------------------------------

class CublasLtGemmRunner final : public GemmRunner {
 public:
  using GemmRunner::enqueue;

  CublasLtGemmRunner(cublasLtHandle_t handle, const GemmProblem& exec, Precision precision,
                     const CublasLtTactic& tactic)
      : handle_(handle), op_(exec, precision), id_(tactic_id(TacticConfig{tactic})) {
    PT_REQUIRE(handle != nullptr, invalid_argument,
               "GEMM runner for '" << op_.key() << "': no cuBLASLt handle");
    algo_ = build_algo(handle, op_.types(), tactic);
    const CheckResult c = check_algo(handle, op_, algo_);
    PT_REQUIRE(c.status == CUBLAS_STATUS_SUCCESS, not_supported,
               "cuBLASLt tactic " << id_ << " cannot run '" << op_.key()
                                  << "': cublasLtMatmulAlgoCheck says " << status_string(c.status));
    workspace_ = c.workspace;
    // cuBLASLt's A is our B and its B our A (Note [row-major GEMM through cuBLASLt]).
    std::uint32_t v = 0;
    if (cap_attr(algo_, CUBLASLT_ALGO_CAP_MIN_ALIGNMENT_A_BYTES, v)) align_b_ = v;
    if (cap_attr(algo_, CUBLASLT_ALGO_CAP_MIN_ALIGNMENT_B_BYTES, v)) align_a_ = v;
    if (cap_attr(algo_, CUBLASLT_ALGO_CAP_MIN_ALIGNMENT_D_BYTES, v)) align_d_ = v;
  }

  std::int64_t workspace_bytes() const override { return workspace_; }

  void enqueue(const GemmOperands& o, void* workspace, cudaStream_t stream) override {
    const GemmProblem& p = op_.exec();
    PT_REQUIRE(o.a != nullptr && o.b != nullptr && o.d != nullptr, invalid_argument,
               "GEMM '" << op_.key() << "': A, B and D pointers must all be set");
    PT_REQUIRE(!p.bias || o.bias != nullptr, invalid_argument,
               "GEMM '" << op_.key() << "' has a bias epilogue but no bias pointer was given");
    PT_REQUIRE(workspace_ == 0 || workspace != nullptr, invalid_argument,
               "GEMM tactic " << id_ << " needs " << workspace_ << " bytes of workspace, got none");
    check_alignment(o.a, align_a_, "A");
    check_alignment(o.b, align_b_, "B");
    check_alignment(o.d, align_d_, "D");
    if (p.bias) {
      check_alignment(o.bias, 16, "bias");
      op_.set_bias(o.bias);
    }
    const float alpha = 1.0f, beta = 0.0f;
    PT_CUBLAS_CHECK_MSG(cublasLtMatmul(handle_, op_.desc(), &alpha, o.b, op_.a(), o.a, op_.b(),
                                       &beta, o.d, op_.d(), o.d, op_.d(), &algo_, workspace,
                                       static_cast<std::size_t>(workspace_), stream),
                        "cublasLtMatmul with " << id_ << " on '" << op_.key() << "'");
  }

 private:
  void check_alignment(const void* p, std::uint32_t align, const char* what) const {
    if (align <= 1) return;
    PT_REQUIRE(reinterpret_cast<std::uintptr_t>(p) % align == 0, invalid_argument,
               "GEMM tactic " << id_ << " on '" << op_.key() << "': " << what << " pointer " << p
                              << " is not " << align << "-byte aligned, as the algorithm needs");
  }

  cublasLtHandle_t handle_;
  LtOperation op_;
  std::string id_;
  cublasLtMatmulAlgo_t algo_{};
  std::int64_t workspace_ = 0;
  std::uint32_t align_a_ = 0, align_b_ = 0, align_d_ = 0;
};

std::string short_error(const std::string& what) {
  std::string s = what.substr(0, what.find('\n'));
  return s.size() > 400 ? s.substr(0, 400) + "..." : s;
}

PreparedGemmTactic unrunnable_gemm(const CublasLtTactic& t, Outcome outcome, std::string detail,
                                   std::int64_t ws = 0) {
  PreparedGemmTactic p;
  p.config = t;
  p.outcome = outcome;
  p.detail = std::move(detail);
  p.workspace_bytes = ws;
  return p;
}

// A prepared tactic for a description, under the context's precision filter and limit.
PreparedGemmTactic prepare_checked(const GemmSourceContext& ctx, const CublasLtTactic& t) {
  std::unique_ptr<GemmRunner> r;
  try {
    r = std::make_unique<CublasLtGemmRunner>(ctx.handle, ctx.exec, ctx.precision, t);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::not_supported && e.code() != ErrorCode::cublas_error) throw;
    return unrunnable_gemm(
        t, e.code() == ErrorCode::not_supported ? Outcome::not_supported : Outcome::failed,
        short_error(e.what()));
  }
  const std::int64_t ws = r->workspace_bytes();
  if (ws > ctx.workspace_limit) {
    return unrunnable_gemm(
        t, Outcome::over_workspace_limit,
        "needs " + std::to_string(ws) + " bytes, limit " + std::to_string(ctx.workspace_limit), ws);
  }
  PreparedGemmTactic p;
  p.config = t;
  p.outcome = Outcome::ok;
  p.workspace_bytes = ws;
  p.runner = std::move(r);
  return p;
}

// ---- enumeration (Note [cuBLASLt enumeration]) ------------------------------------------------

struct EnumConfig {
  std::uint32_t tile = 0, stages = 0;
  std::int32_t split_k = 1;
  std::uint32_t reduction = 0, swizzle = 0, custom = 0;
};

// One algorithm's configurations in level order, at most `cap` of them.
std::vector<EnumConfig> algo_configs(const cublasLtMatmulAlgo_t& algo, std::int64_t k,
                                     std::size_t cap) {
  std::vector<std::uint32_t> tiles = cap_ids(algo, CUBLASLT_ALGO_CAP_TILE_IDS);
  std::vector<std::uint32_t> stages = cap_ids(algo, CUBLASLT_ALGO_CAP_STAGES_IDS);
  if (tiles.empty()) tiles.push_back(CUBLASLT_MATMUL_TILE_UNDEFINED);
  if (stages.empty()) stages.push_back(CUBLASLT_MATMUL_STAGES_UNDEFINED);
  std::int32_t splitk_support = 0, custom_max = 0;
  std::uint32_t red_mask = 0, swizzle_support = 0;
  cap_attr(algo, CUBLASLT_ALGO_CAP_SPLITK_SUPPORT, splitk_support);
  cap_attr(algo, CUBLASLT_ALGO_CAP_REDUCTION_SCHEME_MASK, red_mask);
  cap_attr(algo, CUBLASLT_ALGO_CAP_CTA_SWIZZLING_SUPPORT, swizzle_support);
  cap_attr(algo, CUBLASLT_ALGO_CAP_CUSTOM_OPTION_MAX, custom_max);
  custom_max = std::clamp(custom_max, 0, 15);

  std::vector<EnumConfig> out;
  auto push = [&](const EnumConfig& c) {
    if (out.size() < cap) out.push_back(c);
  };
  for (std::uint32_t t : tiles)
    for (std::uint32_t s : stages) push(EnumConfig{t, s, 1, 0, 0, 0});
  for (std::uint32_t t : tiles)
    for (std::uint32_t s : stages)
      for (std::uint32_t swz = 0; swz <= (swizzle_support != 0 ? 1u : 0u); ++swz)
        for (std::int32_t c = 0; c <= custom_max; ++c)
          if (swz != 0 || c != 0) push(EnumConfig{t, s, 1, 0, swz, static_cast<std::uint32_t>(c)});
  if (splitk_support != 0) {
    for (std::uint32_t t : tiles)
      for (std::uint32_t s : stages)
        for (int split : kSplitKValues) {
          if (k / split < kMinKPerSplit) continue;
          for (std::uint32_t red : {std::uint32_t{CUBLASLT_REDUCTION_SCHEME_INPLACE},
                                    std::uint32_t{CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE},
                                    std::uint32_t{CUBLASLT_REDUCTION_SCHEME_OUTPUT_TYPE}}) {
            if ((red_mask & red) != 0) push(EnumConfig{t, s, split, red, 0, 0});
          }
        }
  }
  return out;
}

CublasLtTactic tactic_of(std::int32_t algo_id, const EnumConfig& c) {
  CublasLtTactic t;
  t.algo_id = algo_id;
  t.tile = detail::lt_name(LtField::tile, c.tile);
  t.stages = detail::lt_name(LtField::stages, c.stages);
  t.split_k = c.split_k;
  t.reduction = reduction_of(c.reduction).value_or(ReductionScheme::none);
  t.cta_swizzling = c.swizzle;
  t.custom_option = c.custom;
  t.inner_shape = detail::lt_name(LtField::inner_shape, 0);
  t.cluster_shape = detail::lt_name(LtField::cluster_shape, 0);
  t.source = CublasLtSource::enumerated;
  return t;
}

// Heuristic results as (algorithm, description) pairs.
struct HeuristicPick {
  cublasLtMatmulAlgo_t algo;
  CublasLtTactic tactic;
};

std::vector<HeuristicPick> heuristic_picks(const GemmSourceContext& ctx, const LtOperation& op,
                                           int max_count, std::vector<std::string>* notes) {
  if (max_count <= 0) return {};
  cublasLtMatmulPreference_t raw = nullptr;
  PT_CUBLAS_CHECK_MSG(cublasLtMatmulPreferenceCreate(&raw), "creating a cuBLASLt preference");
  PreferencePtr pref(raw);
  const std::uint64_t ws =
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, ctx.workspace_limit));
  PT_CUBLAS_CHECK_MSG(cublasLtMatmulPreferenceSetAttribute(
                          pref.get(), CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws),
                      "setting the heuristic's workspace limit");
  const std::uint64_t impl_mask = ~op.types().disallowed_impl;
  PT_CUBLAS_CHECK_MSG(cublasLtMatmulPreferenceSetAttribute(
                          pref.get(), CUBLASLT_MATMUL_PREF_IMPL_MASK, &impl_mask, sizeof impl_mask),
                      "setting the heuristic's numerical-implementation mask");
  std::vector<cublasLtMatmulHeuristicResult_t> results(static_cast<std::size_t>(max_count));
  int returned = 0;
  const cublasStatus_t st =
      cublasLtMatmulAlgoGetHeuristic(ctx.handle, op.desc(), op.a(), op.b(), op.d(), op.d(),
                                     pref.get(), max_count, results.data(), &returned);
  if (st != CUBLAS_STATUS_SUCCESS) {
    if (notes) notes->push_back("cuBLASLt heuristic: " + status_string(st));
    return {};
  }
  std::vector<HeuristicPick> out;
  int undescribed = 0;
  for (int i = 0; i < returned; ++i) {
    const auto& r = results[static_cast<std::size_t>(i)];
    if (r.state != CUBLAS_STATUS_SUCCESS) continue;
    auto t = describe(r.algo, CublasLtSource::heuristic);
    if (!t) {
      ++undescribed;
      continue;
    }
    out.push_back(HeuristicPick{r.algo, std::move(*t)});
  }
  if (undescribed > 0 && notes) {
    notes->push_back(std::to_string(undescribed) +
                     " heuristic configuration(s) skipped: reduction scheme not describable");
  }
  return out;
}

}  // namespace

LtGemmShape lt_gemm_shape(const GemmProblem& p) {
  LtGemmShape s;
  const auto M = static_cast<std::uint64_t>(p.m), N = static_cast<std::uint64_t>(p.n),
             K = static_cast<std::uint64_t>(p.k);
  s.m = N;
  s.n = M;
  s.k = K;
  s.transa = p.transb;
  s.transb = p.transa;
  // Our B as stored: row-major [K, N] (column-major [N, K]), or [N, K] when transb
  // (column-major [K, N]).
  s.a_rows = p.transb ? K : N;
  s.a_cols = p.transb ? N : K;
  s.lda = static_cast<std::int64_t>(s.a_rows);
  // Our A as stored: row-major [M, K] (column-major [K, M]), or [K, M] when transa.
  s.b_rows = p.transa ? M : K;
  s.b_cols = p.transa ? K : M;
  s.ldb = static_cast<std::int64_t>(s.b_rows);
  s.ldd = static_cast<std::int64_t>(N);
  return s;
}

bool gemm_epilogue_supported(Activation a) {
  return a == Activation::none || a == Activation::relu || a == Activation::gelu;
}

void GemmRunner::enqueue(const GemmOperands& operands, void* workspace, std::int64_t workspace_size,
                         cudaStream_t stream) {
  PT_REQUIRE(workspace_size >= workspace_bytes(), invalid_argument,
             "GEMM tactic needs " << workspace_bytes() << " bytes of workspace, " << workspace_size
                                  << " were given");
  enqueue(operands, workspace, stream);
}

std::unique_ptr<GemmRunner> make_gemm_runner(cublasLtHandle_t handle, const GemmProblem& problem,
                                             Precision precision, const CublasLtTactic& tactic) {
  const GemmProblem exec = gemm_exec_problem(problem, precision);
  return std::make_unique<CublasLtGemmRunner>(handle, exec, precision, tactic);
}

std::unique_ptr<GemmRunner> make_gemm_runner(cublasLtHandle_t handle, const GemmProblem& problem,
                                             Precision precision,
                                             const std::optional<CublasLtTactic>& tactic,
                                             std::int64_t workspace_limit) {
  if (tactic) return make_gemm_runner(handle, problem, precision, *tactic);
  GemmSourceContext ctx;
  ctx.handle = handle;
  ctx.exec = gemm_exec_problem(problem, precision);
  ctx.precision = precision;
  ctx.workspace_limit = workspace_limit;
  std::string last;
  for (const CublasLtTactic& t : gemm_heuristic_tactics(ctx, 8)) {
    try {
      auto r = make_gemm_runner(handle, problem, precision, t);
      if (r->workspace_bytes() <= workspace_limit) return r;
      last = tactic_id(TacticConfig{t}) + " needs " + std::to_string(r->workspace_bytes()) +
             " bytes of workspace";
    } catch (const Error& e) {
      if (e.code() != ErrorCode::not_supported) throw;
      last = short_error(e.what());
    }
  }
  PT_FAIL(not_supported, "GEMM '" << problem_key(ctx.exec) << "' in " << to_string(precision)
                                  << ": the cuBLASLt heuristic has no configuration that runs "
                                  << "within " << workspace_limit << " bytes of workspace"
                                  << (last.empty() ? std::string() : " (last: " + last + ")"));
}

std::vector<CublasLtTactic> gemm_heuristic_tactics(const GemmSourceContext& ctx, int max_count) {
  const LtOperation op(ctx.exec, ctx.precision);
  std::vector<CublasLtTactic> out;
  for (HeuristicPick& p : heuristic_picks(ctx, op, max_count, nullptr)) {
    out.push_back(std::move(p.tactic));
  }
  return out;
}

PreparedGemmTactic prepare_gemm(const GemmSourceContext& ctx, const CublasLtTactic& tactic) {
  try {
    const LtOperation op(ctx.exec, ctx.precision);
    const cublasLtMatmulAlgo_t algo = build_algo(ctx.handle, op.types(), tactic);
    std::uint64_t flags = 0;
    if (cap_attr(algo, CUBLASLT_ALGO_CAP_NUMERICAL_IMPL_FLAGS, flags) &&
        (flags & op.types().disallowed_impl) != 0) {
      return unrunnable_gemm(tactic, Outcome::not_supported,
                             "numerical implementation " +
                                 impl_flag_names(flags & op.types().disallowed_impl) +
                                 " is not allowed in " + std::string(to_string(ctx.precision)));
    }
  } catch (const Error& e) {
    if (e.code() != ErrorCode::not_supported) throw;
    return unrunnable_gemm(tactic, Outcome::not_supported, short_error(e.what()));
  }
  return prepare_checked(ctx, tactic);
}

GemmTactics gemm_tactics(const GemmSourceContext& ctx, const GemmSourceOptions& o) {
  PT_REQUIRE(ctx.handle != nullptr, invalid_argument, "GEMM tactics: no cuBLASLt handle");
  const LtOperation op(ctx.exec, ctx.precision);  // throws not_supported for the epilogue
  const LtTypes& types = op.types();
  GemmTactics out;
  std::set<std::string> seen;

  // 1. The heuristic's configurations, rebuilt from their descriptions.
  int opaque_differs = 0;
  for (HeuristicPick& h : heuristic_picks(ctx, op, o.max_heuristic, &out.notes)) {
    if (!seen.insert(tactic_id(TacticConfig{h.tactic})).second) continue;
    try {
      const cublasLtMatmulAlgo_t rebuilt = build_algo(ctx.handle, types, h.tactic);
      if (std::memcmp(rebuilt.data, h.algo.data, sizeof rebuilt.data) != 0) ++opaque_differs;
    } catch (const Error& e) {
      if (e.code() != ErrorCode::not_supported) throw;
    }
    out.tactics.push_back(prepare_checked(ctx, h.tactic));
    ++out.heuristic_count;
  }
  if (opaque_differs > 0) {
    out.notes.push_back(std::to_string(opaque_differs) + " of " +
                        std::to_string(out.heuristic_count) +
                        " heuristic configurations rebuild to different opaque algorithm bytes "
                        "(the rebuilt one is what is validated and timed)");
  }
  if (!o.enumerate || o.max_enumerated <= 0) return out;

  // 2. Enumerated configurations (Note [cuBLASLt enumeration]).
  constexpr int kMaxIds = 256;
  std::vector<int> ids(kMaxIds);
  int n_ids = 0;
  const cublasStatus_t st =
      cublasLtMatmulAlgoGetIds(ctx.handle, types.compute, types.scale, types.data, types.data,
                               types.data, types.data, kMaxIds, ids.data(), &n_ids);
  if (st != CUBLAS_STATUS_SUCCESS) {
    out.notes.push_back("cublasLtMatmulAlgoGetIds: " + status_string(st));
    return out;
  }
  out.algo_ids = n_ids;
  const auto epi = static_cast<std::uint32_t>(epilogue_of(ctx.exec));
  struct AlgoQueue {
    int id;
    cublasLtMatmulAlgo_t algo;
    std::vector<EnumConfig> configs;
    std::size_t next = 0;
  };
  std::vector<AlgoQueue> queues;
  int excluded_precision = 0, excluded_epilogue = 0;
  for (int i = 0; i < n_ids; ++i) {
    AlgoQueue q{ids[static_cast<std::size_t>(i)], {}, {}, 0};
    if (cublasLtMatmulAlgoInit(ctx.handle, types.compute, types.scale, types.data, types.data,
                               types.data, types.data, q.id, &q.algo) != CUBLAS_STATUS_SUCCESS) {
      continue;
    }
    std::uint64_t flags = 0;
    if (cap_attr(q.algo, CUBLASLT_ALGO_CAP_NUMERICAL_IMPL_FLAGS, flags) &&
        (flags & types.disallowed_impl) != 0) {
      ++excluded_precision;
      continue;
    }
    std::uint32_t epi_mask = 0;
    if (cap_attr(q.algo, CUBLASLT_ALGO_CAP_EPILOGUE_MASK, epi_mask) && (epi_mask & epi) != epi) {
      ++excluded_epilogue;
      continue;
    }
    q.configs =
        algo_configs(q.algo, ctx.exec.k, static_cast<std::size_t>(std::max(0, o.max_checks)));
    if (!q.configs.empty()) queues.push_back(std::move(q));
  }
  int kept = 0, over_limit = 0, rejected = 0;
  bool progress = true;
  while (progress && kept < o.max_enumerated && out.checks < o.max_checks) {
    progress = false;
    for (AlgoQueue& q : queues) {
      if (kept >= o.max_enumerated || out.checks >= o.max_checks) break;
      if (q.next >= q.configs.size()) continue;
      progress = true;
      const CublasLtTactic t = tactic_of(q.id, q.configs[q.next++]);
      if (seen.count(tactic_id(TacticConfig{t})) != 0) continue;
      cublasLtMatmulAlgo_t algo{};
      try {
        algo = build_algo(ctx.handle, types, t);
      } catch (const Error& e) {
        if (e.code() != ErrorCode::not_supported) throw;
        ++rejected;
        continue;
      }
      ++out.checks;
      const CheckResult c = check_algo(ctx.handle, op, algo);
      if (c.status != CUBLAS_STATUS_SUCCESS) {
        ++rejected;
        continue;
      }
      if (c.workspace > ctx.workspace_limit) {
        ++over_limit;
        continue;
      }
      seen.insert(tactic_id(TacticConfig{t}));
      out.tactics.push_back(prepare_checked(ctx, t));
      ++kept;
    }
  }
  std::ostringstream os;
  os << "enumeration: " << n_ids << " algorithm ids, " << queues.size() << " usable ("
     << excluded_precision << " excluded by precision, " << excluded_epilogue
     << " lacking the epilogue); " << out.checks << " checks, " << kept << " kept, " << rejected
     << " refused, " << over_limit << " over the workspace limit";
  out.notes.push_back(os.str());
  return out;
}

}  // namespace plantune::tuner
