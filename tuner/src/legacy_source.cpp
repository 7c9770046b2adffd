#include "plantune/tuner/legacy_source.h"

#include <cudnn.h>

#include <algorithm>
#include <memory>

#include "plantune/core/cuda_check.h"
#include "plantune/core/cudnn_descriptors.h"
#include "plantune/core/cudnn_dtype.h"
#include "plantune/core/device_buffer.h"
#include "plantune/core/error.h"

namespace plantune::tuner {
namespace {

static_assert(CUDNN_CONVOLUTION_FWD_ALGO_COUNT == kLegacyAlgoCount,
              "LegacyAlgo must list every cudnnConvolutionFwdAlgo_t");

constexpr LegacyAlgo kAlgos[] = {LegacyAlgo::implicit_gemm, LegacyAlgo::implicit_precomp_gemm,
                                 LegacyAlgo::gemm,          LegacyAlgo::direct,
                                 LegacyAlgo::fft,           LegacyAlgo::fft_tiling,
                                 LegacyAlgo::winograd,      LegacyAlgo::winograd_nonfused};

cudnnConvolutionFwdAlgo_t to_cudnn(LegacyAlgo a) {
  return static_cast<cudnnConvolutionFwdAlgo_t>(static_cast<int>(a));
}
LegacyAlgo from_cudnn(cudnnConvolutionFwdAlgo_t a) { return static_cast<LegacyAlgo>(static_cast<int>(a)); }

cudnnMathType_t to_cudnn(MathType m) {
  switch (m) {
    case MathType::default_math: return CUDNN_DEFAULT_MATH;
    case MathType::tensor_op: return CUDNN_TENSOR_OP_MATH;
    case MathType::tensor_op_allow_conversion: return CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
    case MathType::fma: return CUDNN_FMA_MATH;
  }
  return CUDNN_DEFAULT_MATH;
}

std::optional<MathType> from_cudnn(cudnnMathType_t m) {
  switch (m) {
    case CUDNN_DEFAULT_MATH: return MathType::default_math;
    case CUDNN_TENSOR_OP_MATH: return MathType::tensor_op;
    case CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION: return MathType::tensor_op_allow_conversion;
    case CUDNN_FMA_MATH: return MathType::fma;
  }
  return std::nullopt;
}

class ActivationDescriptor
    : public Descriptor<cudnnActivationDescriptor_t, &cudnnCreateActivationDescriptor,
                        &cudnnDestroyActivationDescriptor> {
 public:
  ActivationDescriptor& set(cudnnActivationMode_t mode) {
    PT_CUDNN_CHECK_MSG(cudnnSetActivationDescriptor(desc_, mode, CUDNN_NOT_PROPAGATE_NAN, 0.0),
                       "activation descriptor mode " << static_cast<int>(mode));
    return *this;
  }
};

// Tensor and filter descriptors of one executed problem, shared by its tactics; for a fused
// problem also the bias and activation descriptors, and a zero bias when the epilogue has none
// (Note [legacy fused epilogue]).
struct LegacyTensors {
  TensorDescriptor x, y;
  FilterDescriptor w;
  ConvEpilogue epilogue;
  TensorDescriptor bias;
  ActivationDescriptor activation;
  DeviceBytes zero_bias;

  explicit LegacyTensors(const ConvSourceContext& ctx) : epilogue(ctx.exec.epilogue) {
    const ConvProblem& p = ctx.exec;
    const cudnnTensorFormat_t fmt =
        ctx.variant.layout == Layout::nhwc ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW;
    // int8: x and w CUDNN_DATA_INT8, y CUDNN_DATA_FLOAT (Note [int8 convolution]).
    x.set_4d(fmt, plantune::to_cudnn(p.x_dtype), static_cast<int>(p.n), static_cast<int>(p.c),
             static_cast<int>(p.h), static_cast<int>(p.w));
    y.set_4d(fmt, plantune::to_cudnn(p.y_dtype), static_cast<int>(p.n), static_cast<int>(p.k),
             static_cast<int>(p.out_h()), static_cast<int>(p.out_w()));
    w.set_4d(plantune::to_cudnn(p.w_dtype), fmt, static_cast<int>(p.k),
             static_cast<int>(p.c / p.groups), static_cast<int>(p.r), static_cast<int>(p.s));
    if (!fused()) return;
    bias.set_4d(fmt, plantune::to_cudnn(p.y_dtype), 1, static_cast<int>(p.k), 1, 1);
    activation.set(epilogue.activation == Activation::relu ? CUDNN_ACTIVATION_RELU
                                                           : CUDNN_ACTIVATION_IDENTITY);
    if (!epilogue.bias) {
      zero_bias = DeviceBytes(static_cast<std::size_t>(p.k * dtype_size(p.y_dtype)));
      // All-zero bits are 0 in every float type. The memset runs on the default stream, which
      // a non-blocking tuning stream does not wait for: finish it here.
      PT_CUDA_CHECK(cudaMemset(zero_bias.data(), 0, zero_bias.bytes()));
      PT_CUDA_CHECK(cudaStreamSynchronize(nullptr));
    }
  }
  bool fused() const { return !epilogue.empty(); }
};

// The compute type is the executed problem's accumulation type: CUDNN_DATA_FLOAT, or
// CUDNN_DATA_INT32 for int8.
ConvolutionDescriptor make_conv_desc(const ConvProblem& p, cudnnMathType_t math) {
  ConvolutionDescriptor d;
  d.set_2d(static_cast<int>(p.pad_h), static_cast<int>(p.pad_w), static_cast<int>(p.stride_h),
           static_cast<int>(p.stride_w), static_cast<int>(p.dilation_h),
           static_cast<int>(p.dilation_w), plantune::to_cudnn(p.compute));
  d.set_group_count(static_cast<int>(p.groups));
  d.set_math_type(math);
  return d;
}

class LegacyRunner final : public ConvRunner {
 public:
  LegacyRunner(cudnnHandle_t handle, std::shared_ptr<const LegacyTensors> tensors,
               ConvolutionDescriptor conv, cudnnConvolutionFwdAlgo_t algo, std::int64_t ws)
      : handle_(handle), tensors_(std::move(tensors)), conv_(std::move(conv)), algo_(algo),
        ws_(ws) {}

  std::int64_t workspace_bytes() const override { return ws_; }

  void enqueue(const ConvOperands& op, void* workspace, cudaStream_t stream) override {
    if (stream != stream_) {
      PT_CUDNN_CHECK(cudnnSetStream(handle_, stream));
      stream_ = stream;
    }
    if (tensors_->fused()) return enqueue_fused(op, workspace);
    const float alpha = op.alpha, beta = 0.0f;  // Note [conv alpha] in conv_tactic.h
    PT_CUDNN_CHECK_MSG(
        cudnnConvolutionForward(handle_, &alpha, tensors_->x.get(), op.x, tensors_->w.get(), op.w,
                                conv_.get(), algo_, workspace, static_cast<std::size_t>(ws_),
                                &beta, tensors_->y.get(), op.y),
        "cudnnConvolutionForward algorithm " << static_cast<int>(algo_));
  }

 private:
  // Note [legacy fused epilogue].
  void enqueue_fused(const ConvOperands& op, void* workspace) {
    const ConvEpilogue& e = tensors_->epilogue;
    PT_REQUIRE(!e.bias || op.bias != nullptr, invalid_argument,
               "fused legacy convolution: the epilogue adds a bias, the operands have none");
    PT_REQUIRE(!e.residual || op.z != nullptr, invalid_argument,
               "fused legacy convolution: the epilogue adds z, the operands have none");
    const float alpha1 = op.alpha, alpha2 = e.residual ? 1.0f : 0.0f;
    const void* z = e.residual ? op.z : op.y;
    const void* bias = e.bias ? op.bias : tensors_->zero_bias.data();
    PT_CUDNN_CHECK_MSG(
        cudnnConvolutionBiasActivationForward(
            handle_, &alpha1, tensors_->x.get(), op.x, tensors_->w.get(), op.w, conv_.get(),
            algo_, workspace, static_cast<std::size_t>(ws_), &alpha2, tensors_->y.get(), z,
            tensors_->bias.get(), bias, tensors_->activation.get(), tensors_->y.get(), op.y),
        "cudnnConvolutionBiasActivationForward algorithm " << static_cast<int>(algo_));
  }

  cudnnHandle_t handle_;
  std::shared_ptr<const LegacyTensors> tensors_;
  ConvolutionDescriptor conv_;
  cudnnConvolutionFwdAlgo_t algo_;
  std::int64_t ws_;
  cudaStream_t stream_ = reinterpret_cast<cudaStream_t>(~std::uintptr_t{0});
};

PreparedTactic prepare(const ConvSourceContext& ctx,
                       const std::shared_ptr<const LegacyTensors>& tensors,
                       const LegacyConvTactic& t) {
  if (std::string why; !legacy_epilogue_supported(ctx.exec.epilogue, t.algo, &why)) {
    return unrunnable(t, Outcome::not_supported, why);
  }
  ConvolutionDescriptor conv = make_conv_desc(ctx.exec, to_cudnn(t.math));
  std::size_t ws = 0;
  const cudnnStatus_t st = cudnnGetConvolutionForwardWorkspaceSize(
      ctx.handle, tensors->x.get(), tensors->w.get(), conv.get(), tensors->y.get(),
      to_cudnn(t.algo), &ws);
  if (st != CUDNN_STATUS_SUCCESS) {
    const std::string why = status_string(st);
    (void)cudnn_last_error_message();  // consume it: the status says enough
    return unrunnable(t, is_not_supported(st) ? Outcome::not_supported : Outcome::failed,
                      "workspace query: " + why);
  }
  const auto bytes = static_cast<std::int64_t>(ws);
  if (bytes > ctx.workspace_limit) {
    return unrunnable(t, Outcome::over_workspace_limit,
                      "needs " + std::to_string(bytes) + " bytes, limit " +
                          std::to_string(ctx.workspace_limit),
                      bytes);
  }
  PreparedTactic out;
  out.config = t;
  out.workspace_bytes = bytes;
  out.runner = std::make_unique<LegacyRunner>(ctx.handle, tensors, std::move(conv),
                                              to_cudnn(t.algo), bytes);
  return out;
}

cudnnMathType_t heuristic_math(Precision p) {
  switch (p) {
    case Precision::fp32: return CUDNN_FMA_MATH;
    case Precision::tf32: return CUDNN_DEFAULT_MATH;
    default: return CUDNN_TENSOR_OP_MATH;
  }
}

}  // namespace

bool legacy_epilogue_supported(const ConvEpilogue& epilogue, LegacyAlgo algo, std::string* why) {
  if (epilogue.empty()) return true;
  std::string reason;
  if (epilogue.activation != Activation::none && epilogue.activation != Activation::relu) {
    reason = "cudnnConvolutionBiasActivationForward runs relu or identity activations only, not " +
             std::string(to_string(epilogue.activation));
  } else if (epilogue.activation == Activation::none && algo != LegacyAlgo::implicit_precomp_gemm) {
    reason = "cudnnConvolutionBiasActivationForward runs the identity activation (act=none) "
             "only with implicit_precomp_gemm";
  } else {
    return true;
  }
  if (why != nullptr) *why = std::move(reason);
  return false;
}

std::vector<MathType> legacy_math_types(Precision p) {
  switch (p) {
    case Precision::fp32: return {MathType::fma};
    case Precision::tf32:
      return {MathType::default_math, MathType::tensor_op, MathType::tensor_op_allow_conversion};
    case Precision::int8: return {MathType::default_math, MathType::tensor_op};
    default:
      return {MathType::default_math, MathType::tensor_op, MathType::tensor_op_allow_conversion,
              MathType::fma};
  }
}

std::vector<PreparedTactic> legacy_tactics(const ConvSourceContext& ctx) {
  auto tensors = std::make_shared<const LegacyTensors>(ctx);
  std::vector<PreparedTactic> out;
  for (LegacyAlgo a : kAlgos) {
    for (MathType m : legacy_math_types(ctx.variant.precision)) {
      out.push_back(prepare(ctx, tensors, LegacyConvTactic{a, m}));
    }
  }
  return out;
}

PreparedTactic prepare_legacy(const ConvSourceContext& ctx, const LegacyConvTactic& tactic) {
  return prepare(ctx, std::make_shared<const LegacyTensors>(ctx), tactic);
}

std::optional<LegacyConvTactic> legacy_heuristic_pick(const ConvSourceContext& ctx) {
  LegacyTensors t(ctx);
  ConvolutionDescriptor conv = make_conv_desc(ctx.exec, heuristic_math(ctx.variant.precision));
  cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  int returned = 0;
  PT_CUDNN_CHECK_MSG(cudnnGetConvolutionForwardAlgorithm_v7(
                         ctx.handle, t.x.get(), t.w.get(), conv.get(), t.y.get(),
                         CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &returned, perf),
                     "legacy heuristic for " << problem_key(ctx.exec));
  for (int i = 0; i < returned; ++i) {
    if (perf[i].status != CUDNN_STATUS_SUCCESS) continue;
    if (static_cast<std::int64_t>(perf[i].memory) > ctx.workspace_limit) continue;
    auto math = from_cudnn(perf[i].mathType);
    if (!math) continue;
    if (!legacy_epilogue_supported(ctx.exec.epilogue, from_cudnn(perf[i].algo))) continue;
    return LegacyConvTactic{from_cudnn(perf[i].algo), *math};
  }
  return std::nullopt;
}

std::optional<LegacyConvTactic> legacy_find_best(const ConvSourceContext& ctx,
                                                 const ConvOperands& operands) {
  LegacyTensors t(ctx);
  ConvolutionDescriptor conv = make_conv_desc(ctx.exec, heuristic_math(ctx.variant.precision));
  DeviceBytes ws(static_cast<std::size_t>(ctx.workspace_limit));
  cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  int returned = 0;
  PT_CUDNN_CHECK_MSG(
      cudnnFindConvolutionForwardAlgorithmEx(
          ctx.handle, t.x.get(), operands.x, t.w.get(), operands.w, conv.get(), t.y.get(),
          operands.y, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &returned, perf, ws.data(), ws.bytes()),
      "legacy find for " << problem_key(ctx.exec));
  for (int i = 0; i < returned; ++i) {
    if (perf[i].status != CUDNN_STATUS_SUCCESS) continue;
    auto math = from_cudnn(perf[i].mathType);
    if (!math) continue;
    if (!legacy_epilogue_supported(ctx.exec.epilogue, from_cudnn(perf[i].algo))) continue;
    return LegacyConvTactic{from_cudnn(perf[i].algo), *math};
  }
  return std::nullopt;
}

}  // namespace plantune::tuner
