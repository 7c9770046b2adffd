#pragma once
// Tunable problems and their canonical keys.
//
// A problem is everything that can change which tactic wins, as the network states it: sizes,
// padding, strides, dilations, groups, tensor dtypes and the accumulation type. How a tactic
// executes it (layout, run precision, channel padding) is a Variant (tactic.h), not part of the
// key. Keys are printable, one line, and parse back to the same problem:
//   conv2d n32_c64_h56_w56_k64_r3_s3_p1x1_u1x1_d1x1_g1 x=fp16 w=fp16 y=fp16 acc=fp32
//   conv2d n32_c64_h56_w56_k64_r3_s3_p1x1_u1x1_d1x1_g1 x=fp16 w=fp16 y=fp16 acc=fp32 bias=1 add=1 act=relu
//   gemm m32_n1000_k2048_ta0_tb1 a=fp16 b=fp16 d=fp16 acc=fp32 bias=1 act=none
// The first two space-separated tokens are the geometry; the rest are dtypes and epilogue. A
// convolution's epilogue is printed (all three fields) only when it is not empty, so the keys
// of plain convolutions are those of databases written before epilogues existed.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>

#include "plantune/core/dtype.h"
#include "plantune/core/op.h"

namespace plantune::tuner {

// What a fused convolution does after the convolution, in this order (Note [conv epilogue]):
// y = act(conv(x, w) + bias[k] + z), bias per output channel, z a tensor of y's shape.
struct ConvEpilogue {
  bool bias = false;                         // + bias[k]
  bool residual = false;                     // + z (key: "add")
  Activation activation = Activation::none;  // then act

  // No bias, no residual, no activation: a plain convolution.
  bool empty() const { return !bias && !residual && activation == Activation::none; }
  bool operator==(const ConvEpilogue&) const = default;
};

// Note [conv epilogue]
// ~~~~~~~~~~~~~~~~~~~~
// ResNet-style layers run conv -> batch norm -> (+ shortcut) -> relu. With the batch norm folded
// into the weights and a per-channel bias, that is y = act(conv(x, w) + bias + z) in one kernel:
// the sum is formed in the accumulation type (fp32) and rounded to y's dtype once, after the
// activation. bias and z are stored in y's dtype; z has y's shape and layout and may be the
// same buffer as y (the runtime computes in place). The epilogue is part of the problem (the
// key), since it changes which tactics can run and which is fastest.

// 2-D convolution forward, y = conv(x, w): x [N, C, H, W], w [K, C/groups, R, S], y [N, K, P, Q],
// followed by `epilogue` when it is not empty.
struct ConvProblem {
  std::int64_t n = 1, c = 1, h = 1, w = 1;  // input
  std::int64_t k = 1, r = 1, s = 1;         // output channels, filter height and width
  std::int64_t pad_h = 0, pad_w = 0;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t dilation_h = 1, dilation_w = 1;
  std::int64_t groups = 1;
  DType x_dtype = DType::fp32, w_dtype = DType::fp32, y_dtype = DType::fp32;
  DType compute = DType::fp32;  // accumulation type
  ConvEpilogue epilogue;

  // Output height P and width Q (floor division, as cuDNN computes them).
  std::int64_t out_h() const;
  std::int64_t out_w() const;
  // Throws invalid_argument naming the key when a size is out of range (dims 1..2^31-1,
  // pads 0..2^31-1), groups do not divide C and K, or the output would be empty.
  void validate() const;

  bool operator==(const ConvProblem&) const = default;
};

// Row-major D[M, N] = act(op(A)[M, K] * op(B)[K, N] + bias[N]). A fully connected layer with
// input X [batch, in] and weights W [out, in] is M = batch, N = out, K = in, transb = true.
struct GemmProblem {
  std::int64_t m = 1, n = 1, k = 1;
  bool transa = false, transb = false;
  DType a_dtype = DType::fp32, b_dtype = DType::fp32, d_dtype = DType::fp32;
  DType compute = DType::fp32;
  bool bias = false;                         // epilogue: add bias[N]
  Activation activation = Activation::none;  // epilogue: after the bias

  // Throws invalid_argument naming the key when a size is outside 1..2^31-1.
  void validate() const;

  bool operator==(const GemmProblem&) const = default;
};

using Problem = std::variant<ConvProblem, GemmProblem>;

// The canonical key (see the top of this file). Does not validate.
std::string problem_key(const ConvProblem& p);
std::string problem_key(const GemmProblem& p);
std::string problem_key(const Problem& p);
// The key's geometry part: its first two tokens ("conv2d n32_c64_..._g1").
std::string_view geometry_of_key(std::string_view key);

// Parses a canonical key; the result is validated. Throws parse_error quoting the key and
// naming the field when the text is not exactly a key problem_key() would print (an unknown
// or repeated epilogue token is named).
Problem parse_problem_key(std::string_view key);
ConvProblem parse_conv_key(std::string_view key);  // also throws when the key is a GEMM's
GemmProblem parse_gemm_key(std::string_view key);  // also throws when the key is a conv's

std::size_t hash_value(const ConvProblem& p);
std::size_t hash_value(const GemmProblem& p);

}  // namespace plantune::tuner

template <>
struct std::hash<plantune::tuner::ConvProblem> {
  std::size_t operator()(const plantune::tuner::ConvProblem& p) const noexcept {
    return plantune::tuner::hash_value(p);
  }
};

template <>
struct std::hash<plantune::tuner::GemmProblem> {
  std::size_t operator()(const plantune::tuner::GemmProblem& p) const noexcept {
    return plantune::tuner::hash_value(p);
  }
};
