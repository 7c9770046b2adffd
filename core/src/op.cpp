#include "plantune/core/op.h"

#include <array>
#include <type_traits>

#include "plantune/core/error.h"

namespace plantune {

namespace {

constexpr std::array kAllOpKinds = {
    OpKind::conv2d,   OpKind::conv_transpose2d, OpKind::batch_norm,      OpKind::activation,
    OpKind::max_pool, OpKind::avg_pool,         OpKind::global_avg_pool, OpKind::add,
    OpKind::mul,      OpKind::concat,           OpKind::fully_connected, OpKind::softmax,
    OpKind::flatten,  OpKind::reshape,          OpKind::upsample};
static_assert(kAllOpKinds.size() == static_cast<std::size_t>(OpKind::upsample) + 1,
              "kAllOpKinds must list every OpKind");

constexpr std::array kAllActivations = {Activation::none,      Activation::relu, Activation::relu6,
                                        Activation::sigmoid,   Activation::silu, Activation::gelu,
                                        Activation::hard_swish};
static_assert(kAllActivations.size() == static_cast<std::size_t>(Activation::hard_swish) + 1,
              "kAllActivations must list every Activation");

constexpr std::array kAllUpsampleModes = {UpsampleMode::nearest, UpsampleMode::bilinear};

// Every shape error names the op and its kind: "op 'layer1.0.conv2' (conv2d): ...".
#define PT_OP_REQUIRE(cond, msg)     \
  PT_REQUIRE(cond, invalid_argument, \
             "op '" << op.name << "' (" << to_string(op.kind) << "): " << msg)

// Checked arithmetic whose overflow error names the op.
std::int64_t op_mul(const Op& op, std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  PT_REQUIRE(!__builtin_mul_overflow(a, b, &r), overflow,
             "op '" << op.name << "' (" << to_string(op.kind) << "): size overflows 64 bits: " << a
                    << " * " << b);
  return r;
}

std::int64_t op_add(const Op& op, std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  PT_REQUIRE(!__builtin_add_overflow(a, b, &r), overflow,
             "op '" << op.name << "' (" << to_string(op.kind) << "): size overflows 64 bits: " << a
                    << " + " << b);
  return r;
}

std::int64_t op_numel(const Op& op, const TensorShape& s) {
  std::int64_t n = 1;
  for (auto d : s.dims) n = op_mul(op, n, d);
  return n;
}

// Normalizes an axis in [-rank, rank) to [0, rank).
int normalize_axis(const Op& op, int axis, int rank, const char* what) {
  PT_OP_REQUIRE(axis >= -rank && axis < rank,
                what << "=" << axis << " is out of range for a rank-" << rank << " input");
  return axis < 0 ? axis + rank : axis;
}

void require_inputs(const Op& op, std::span<const TensorShape> in, std::size_t n) {
  PT_OP_REQUIRE(in.size() == n,
                "takes " << n << " input" << (n == 1 ? "" : "s") << ", got " << in.size());
}

void require_rank4(const Op& op, const TensorShape& s, const char* which = "input") {
  PT_OP_REQUIRE(s.rank() == 4, which << " must be 4-D [N, C, H, W], got " << to_string(s));
}

// Layout of a 4-D result that keeps its input's layout.
TensorShape shape4(const TensorShape& like, std::int64_t n, std::int64_t c, std::int64_t h,
                   std::int64_t w) {
  return TensorShape{{n, c, h, w}, like.layout};
}

void check_conv_attrs(const Op& op, const ConvAttrs& a, std::int64_t c) {
  PT_OP_REQUIRE(a.out_channels > 0, "out_channels must be > 0, got " << a.out_channels);
  PT_OP_REQUIRE(a.kernel_h > 0 && a.kernel_w > 0,
                "kernel must be > 0, got " << a.kernel_h << "x" << a.kernel_w);
  PT_OP_REQUIRE(a.stride_h > 0 && a.stride_w > 0,
                "stride must be > 0, got " << a.stride_h << "x" << a.stride_w);
  PT_OP_REQUIRE(a.pad_h >= 0 && a.pad_w >= 0,
                "padding must be >= 0, got " << a.pad_h << "x" << a.pad_w);
  PT_OP_REQUIRE(a.dilation_h > 0 && a.dilation_w > 0,
                "dilation must be > 0, got " << a.dilation_h << "x" << a.dilation_w);
  PT_OP_REQUIRE(a.groups > 0, "groups must be > 0, got " << a.groups);
  PT_OP_REQUIRE(c % a.groups == 0,
                "input has " << c << " channels but groups=" << a.groups << " does not divide it");
  PT_OP_REQUIRE(a.out_channels % a.groups == 0, "out_channels=" << a.out_channels
                                                                << " but groups=" << a.groups
                                                                << " does not divide it");
}

// floor((x + 2p - d(k-1) - 1) / s) + 1, requiring a positive result.
std::int64_t conv_out(const Op& op, std::int64_t x, std::int64_t k, std::int64_t s, std::int64_t p,
                      std::int64_t d, const char* axis) {
  std::int64_t padded = op_add(op, x, op_mul(op, 2, p));
  std::int64_t span = op_add(op, op_mul(op, d, k - 1), 1);
  PT_OP_REQUIRE(padded >= span, "input " << axis << "=" << x << " with padding " << p
                                         << " is smaller than the dilated kernel extent " << span);
  return (padded - span) / s + 1;
}

// (x-1)s - 2p + d(k-1) + output_pad + 1, requiring a positive result.
std::int64_t conv_transpose_out(const Op& op, std::int64_t x, std::int64_t k, std::int64_t s,
                                std::int64_t p, std::int64_t d, std::int64_t op_pad,
                                const char* axis) {
  std::int64_t r = op_add(op, op_mul(op, x - 1, s), op_mul(op, d, k - 1));
  r = op_add(op, r, op_pad + 1);
  r -= op_mul(op, 2, p);  // both terms are >= 0: the difference cannot overflow
  PT_OP_REQUIRE(
      r > 0, "output " << axis << " would be " << r << " (input " << x << ", padding " << p << ")");
  return r;
}

// PyTorch's pooling output size, including its ceil_mode rule: the last window must start
// inside the input or the left padding.
std::int64_t pool_out(const Op& op, std::int64_t x, std::int64_t k, std::int64_t s, std::int64_t p,
                      bool ceil_mode, const char* axis) {
  std::int64_t padded = op_add(op, x, op_mul(op, 2, p));
  PT_OP_REQUIRE(padded >= k, "input " << axis << "=" << x << " with padding " << p
                                      << " is smaller than the window " << k);
  std::int64_t num = padded - k;
  std::int64_t out = (ceil_mode ? (num + s - 1) / s : num / s) + 1;
  if (ceil_mode && (out - 1) * s >= x + p) --out;
  return out;
}

TensorShape infer_conv(const Op& op, std::span<const TensorShape> in, bool transpose) {
  require_inputs(op, in, 1);
  const auto& x = in[0];
  require_rank4(op, x);
  const auto& a = std::get<ConvAttrs>(op.attrs);
  std::int64_t c = x.dims[1];
  check_conv_attrs(op, a, c);
  if (!transpose) {
    PT_OP_REQUIRE(a.output_pad_h == 0 && a.output_pad_w == 0,
                  "output_pad applies to conv_transpose2d only, got " << a.output_pad_h << "x"
                                                                      << a.output_pad_w);
    std::int64_t h = conv_out(op, x.dims[2], a.kernel_h, a.stride_h, a.pad_h, a.dilation_h, "H");
    std::int64_t w = conv_out(op, x.dims[3], a.kernel_w, a.stride_w, a.pad_w, a.dilation_w, "W");
    return shape4(x, x.dims[0], a.out_channels, h, w);
  }
  PT_OP_REQUIRE(a.output_pad_h >= 0 && a.output_pad_w >= 0,
                "output_pad must be >= 0, got " << a.output_pad_h << "x" << a.output_pad_w);
  PT_OP_REQUIRE((a.output_pad_h < a.stride_h || a.output_pad_h < a.dilation_h) &&
                    (a.output_pad_w < a.stride_w || a.output_pad_w < a.dilation_w),
                "output_pad " << a.output_pad_h << "x" << a.output_pad_w
                              << " must be smaller than the stride or the dilation");
  std::int64_t h = conv_transpose_out(op, x.dims[2], a.kernel_h, a.stride_h, a.pad_h, a.dilation_h,
                                      a.output_pad_h, "H");
  std::int64_t w = conv_transpose_out(op, x.dims[3], a.kernel_w, a.stride_w, a.pad_w, a.dilation_w,
                                      a.output_pad_w, "W");
  return shape4(x, x.dims[0], a.out_channels, h, w);
}

TensorShape infer_pool(const Op& op, std::span<const TensorShape> in) {
  require_inputs(op, in, 1);
  const auto& x = in[0];
  require_rank4(op, x);
  const auto& a = std::get<PoolAttrs>(op.attrs);
  PT_OP_REQUIRE(a.kernel_h > 0 && a.kernel_w > 0,
                "kernel must be > 0, got " << a.kernel_h << "x" << a.kernel_w);
  PT_OP_REQUIRE(a.stride_h > 0 && a.stride_w > 0,
                "stride must be > 0, got " << a.stride_h << "x" << a.stride_w);
  PT_OP_REQUIRE(a.pad_h >= 0 && a.pad_w >= 0,
                "padding must be >= 0, got " << a.pad_h << "x" << a.pad_w);
  PT_OP_REQUIRE(a.pad_h <= a.kernel_h / 2 && a.pad_w <= a.kernel_w / 2,
                "padding " << a.pad_h << "x" << a.pad_w << " must be at most half the kernel "
                           << a.kernel_h << "x" << a.kernel_w);
  std::int64_t h = pool_out(op, x.dims[2], a.kernel_h, a.stride_h, a.pad_h, a.ceil_mode, "H");
  std::int64_t w = pool_out(op, x.dims[3], a.kernel_w, a.stride_w, a.pad_w, a.ceil_mode, "W");
  return shape4(x, x.dims[0], x.dims[1], h, w);
}

TensorShape infer_eltwise(const Op& op, std::span<const TensorShape> in) {
  require_inputs(op, in, 2);
  const auto& a = in[0];
  const auto& b = in[1];
  if (op.kind == OpKind::mul && a.dims != b.dims) {
    bool broadcast = a.rank() == 4 && b.rank() == 4 && b.dims[0] == a.dims[0] &&
                     b.dims[1] == a.dims[1] && b.dims[2] == 1 && b.dims[3] == 1;
    PT_OP_REQUIRE(broadcast, "second input " << to_string(b) << " must equal the first "
                                             << to_string(a) << " or be [N, C, 1, 1] = ["
                                             << (a.rank() == 4 ? a.dims[0] : 0) << ", "
                                             << (a.rank() == 4 ? a.dims[1] : 0) << ", 1, 1]");
    return a;
  }
  PT_OP_REQUIRE(a.dims == b.dims,
                "inputs must have one shape, got " << to_string(a) << " and " << to_string(b));
  return a;
}

TensorShape infer_concat(const Op& op, std::span<const TensorShape> in) {
  PT_OP_REQUIRE(in.size() >= 2, "takes two or more inputs, got " << in.size());
  const auto& first = in[0];
  int axis = normalize_axis(op, std::get<ConcatAttrs>(op.attrs).axis, first.rank(), "axis");
  TensorShape out = first;
  for (std::size_t i = 1; i < in.size(); ++i) {
    const auto& s = in[i];
    bool same = s.rank() == first.rank();
    for (int d = 0; same && d < first.rank(); ++d) {
      if (d != axis && s.dims[d] != first.dims[d]) same = false;
    }
    PT_OP_REQUIRE(same, "input " << i << " " << to_string(s) << " does not match input 0 "
                                 << to_string(first) << " in every dim except axis " << axis);
    out.dims[axis] = op_add(op, out.dims[axis], s.dims[axis]);
  }
  return out;
}

TensorShape infer_fc(const Op& op, std::span<const TensorShape> in) {
  require_inputs(op, in, 1);
  const auto& x = in[0];
  const auto& a = std::get<FullyConnectedAttrs>(op.attrs);
  PT_OP_REQUIRE(a.out_features > 0, "out_features must be > 0, got " << a.out_features);
  PT_OP_REQUIRE(x.rank() == 2 || x.rank() == 4,
                "input must be [N, F] or [N, F, 1, 1], got " << to_string(x));
  if (x.rank() == 4) {
    PT_OP_REQUIRE(x.dims[2] == 1 && x.dims[3] == 1,
                  "input " << to_string(x)
                           << " has spatial dims > 1; flatten it first (a flatten op) to ["
                           << x.dims[0] << ", C*H*W]");
  }
  return TensorShape{{x.dims[0], a.out_features}};
}

TensorShape infer_flatten(const Op& op, std::span<const TensorShape> in) {
  require_inputs(op, in, 1);
  const auto& x = in[0];
  PT_OP_REQUIRE(x.rank() >= 1, "input must have rank >= 1");
  int start =
      normalize_axis(op, std::get<FlattenAttrs>(op.attrs).start_axis, x.rank(), "start_axis");
  TensorShape out;
  out.dims.assign(x.dims.begin(), x.dims.begin() + start);
  std::int64_t merged = 1;
  for (int d = start; d < x.rank(); ++d) merged = op_mul(op, merged, x.dims[d]);
  out.dims.push_back(merged);
  return out;
}

TensorShape infer_reshape(const Op& op, std::span<const TensorShape> in) {
  require_inputs(op, in, 1);
  const auto& x = in[0];
  const auto& target = std::get<ReshapeAttrs>(op.attrs).shape;
  PT_OP_REQUIRE(!target.empty(), "shape must not be empty");
  int infer_at = -1;
  std::int64_t known = 1;
  for (std::size_t i = 0; i < target.size(); ++i) {
    if (target[i] == -1) {
      PT_OP_REQUIRE(infer_at < 0, "shape has more than one -1");
      infer_at = static_cast<int>(i);
      continue;
    }
    PT_OP_REQUIRE(target[i] > 0,
                  "shape dim " << i << " is " << target[i] << "; dims must be > 0 or a single -1");
    known = op_mul(op, known, target[i]);
  }
  std::int64_t numel = op_numel(op, x);
  TensorShape out{target};
  if (infer_at >= 0) {
    PT_OP_REQUIRE(numel % known == 0, "cannot infer the -1 dim: "
                                          << numel << " elements are not a multiple of " << known);
    out.dims[infer_at] = numel / known;
  }
  PT_OP_REQUIRE(op_numel(op, out) == numel,
                "shape " << to_string(out) << " has " << op_numel(op, out)
                         << " elements but the input " << to_string(x) << " has " << numel);
  return out;
}

TensorShape infer_upsample(const Op& op, std::span<const TensorShape> in) {
  require_inputs(op, in, 1);
  const auto& x = in[0];
  require_rank4(op, x);
  const auto& a = std::get<UpsampleAttrs>(op.attrs);
  PT_OP_REQUIRE(a.scale_h >= 1 && a.scale_w >= 1,
                "scale must be >= 1, got " << a.scale_h << "x" << a.scale_w);
  std::int64_t h = op_mul(op, x.dims[2], a.scale_h);
  std::int64_t w = op_mul(op, x.dims[3], a.scale_w);
  return shape4(x, x.dims[0], x.dims[1], h, w);
}

}  // namespace

std::string_view to_string(OpKind k) {
  switch (k) {
    case OpKind::conv2d:
      return "conv2d";
    case OpKind::conv_transpose2d:
      return "conv_transpose2d";
    case OpKind::batch_norm:
      return "batch_norm";
    case OpKind::activation:
      return "activation";
    case OpKind::max_pool:
      return "max_pool";
    case OpKind::avg_pool:
      return "avg_pool";
    case OpKind::global_avg_pool:
      return "global_avg_pool";
    case OpKind::add:
      return "add";
    case OpKind::mul:
      return "mul";
    case OpKind::concat:
      return "concat";
    case OpKind::fully_connected:
      return "fully_connected";
    case OpKind::softmax:
      return "softmax";
    case OpKind::flatten:
      return "flatten";
    case OpKind::reshape:
      return "reshape";
    case OpKind::upsample:
      return "upsample";
  }
  return "unknown";
}

std::optional<OpKind> op_kind_from_string(std::string_view s) {
  for (OpKind k : kAllOpKinds) {
    if (to_string(k) == s) return k;
  }
  return std::nullopt;
}

std::string_view to_string(Activation a) {
  switch (a) {
    case Activation::none:
      return "none";
    case Activation::relu:
      return "relu";
    case Activation::relu6:
      return "relu6";
    case Activation::sigmoid:
      return "sigmoid";
    case Activation::silu:
      return "silu";
    case Activation::gelu:
      return "gelu";
    case Activation::hard_swish:
      return "hard_swish";
  }
  return "unknown";
}

std::optional<Activation> activation_from_string(std::string_view s) {
  for (Activation a : kAllActivations) {
    if (to_string(a) == s) return a;
  }
  return std::nullopt;
}

std::string_view to_string(UpsampleMode m) {
  switch (m) {
    case UpsampleMode::nearest:
      return "nearest";
    case UpsampleMode::bilinear:
      return "bilinear";
  }
  return "unknown";
}

std::optional<UpsampleMode> upsample_mode_from_string(std::string_view s) {
  for (UpsampleMode m : kAllUpsampleModes) {
    if (to_string(m) == s) return m;
  }
  return std::nullopt;
}

OpAttrs default_attrs(OpKind k) {
  switch (k) {
    case OpKind::conv2d:
    case OpKind::conv_transpose2d:
      return ConvAttrs{};
    case OpKind::batch_norm:
      return BatchNormAttrs{};
    case OpKind::activation:
      return ActivationAttrs{};
    case OpKind::max_pool:
    case OpKind::avg_pool:
      return PoolAttrs{};
    case OpKind::global_avg_pool:
      return NoAttrs{};
    case OpKind::add:
    case OpKind::mul:
      return EltwiseAttrs{};
    case OpKind::concat:
      return ConcatAttrs{};
    case OpKind::fully_connected:
      return FullyConnectedAttrs{};
    case OpKind::softmax:
      return SoftmaxAttrs{};
    case OpKind::flatten:
      return FlattenAttrs{};
    case OpKind::reshape:
      return ReshapeAttrs{};
    case OpKind::upsample:
      return UpsampleAttrs{};
  }
  PT_FAIL(internal, "unknown OpKind " << static_cast<int>(k));
}

bool attrs_match(OpKind k, const OpAttrs& attrs) {
  return default_attrs(k).index() == attrs.index();
}

TensorShape infer_output_shape(const Op& op, std::span<const TensorShape> inputs) {
  PT_OP_REQUIRE(attrs_match(op.kind, op.attrs),
                "attributes are of the wrong type for this kind (variant index "
                    << op.attrs.index() << ", expected " << default_attrs(op.kind).index() << ")");
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    PT_OP_REQUIRE(inputs[i].valid(),
                  "input " << i << " has a non-positive dim: " << to_string(inputs[i]));
  }
  switch (op.kind) {
    case OpKind::conv2d:
      return infer_conv(op, inputs, false);
    case OpKind::conv_transpose2d:
      return infer_conv(op, inputs, true);
    case OpKind::batch_norm: {
      require_inputs(op, inputs, 1);
      PT_OP_REQUIRE(inputs[0].rank() >= 2,
                    "input must be [N, C, ...], got " << to_string(inputs[0]));
      double eps = std::get<BatchNormAttrs>(op.attrs).epsilon;
      PT_OP_REQUIRE(eps > 0, "epsilon must be > 0, got " << eps);
      return inputs[0];
    }
    case OpKind::activation: {
      require_inputs(op, inputs, 1);
      PT_OP_REQUIRE(std::get<ActivationAttrs>(op.attrs).kind != Activation::none,
                    "activation 'none' is not an operation; remove the op");
      return inputs[0];
    }
    case OpKind::max_pool:
    case OpKind::avg_pool:
      return infer_pool(op, inputs);
    case OpKind::global_avg_pool:
      require_inputs(op, inputs, 1);
      require_rank4(op, inputs[0]);
      return shape4(inputs[0], inputs[0].dims[0], inputs[0].dims[1], 1, 1);
    case OpKind::add:
    case OpKind::mul:
      return infer_eltwise(op, inputs);
    case OpKind::concat:
      return infer_concat(op, inputs);
    case OpKind::fully_connected:
      return infer_fc(op, inputs);
    case OpKind::softmax:
      require_inputs(op, inputs, 1);
      normalize_axis(op, std::get<SoftmaxAttrs>(op.attrs).axis, inputs[0].rank(), "axis");
      return inputs[0];
    case OpKind::flatten:
      return infer_flatten(op, inputs);
    case OpKind::reshape:
      return infer_reshape(op, inputs);
    case OpKind::upsample:
      return infer_upsample(op, inputs);
  }
  PT_FAIL(internal, "unknown OpKind " << static_cast<int>(op.kind));
}

std::int64_t op_params(const Op& op, std::span<const TensorShape> inputs) {
  auto input_dim = [&](int d) {
    PT_REQUIRE(!inputs.empty() && inputs[0].rank() > d, internal,
               "op '" << op.name << "': op_params needs its input shape");
    return inputs[0].dims[d];
  };
  switch (op.kind) {
    case OpKind::conv2d:
    case OpKind::conv_transpose2d: {
      const auto& a = std::get<ConvAttrs>(op.attrs);
      std::int64_t c = input_dim(1);
      // conv2d weight: K x C/g x R x S; transposed: C x K/g x R x S.
      std::int64_t w = op.kind == OpKind::conv2d ? op_mul(op, a.out_channels, c / a.groups)
                                                 : op_mul(op, c, a.out_channels / a.groups);
      w = op_mul(op, op_mul(op, w, a.kernel_h), a.kernel_w);
      return a.bias ? op_add(op, w, a.out_channels) : w;
    }
    case OpKind::batch_norm:
      return op_mul(op, 2, input_dim(1));
    case OpKind::fully_connected: {
      const auto& a = std::get<FullyConnectedAttrs>(op.attrs);
      std::int64_t w = op_mul(op, input_dim(1), a.out_features);
      return a.bias ? op_add(op, w, a.out_features) : w;
    }
    default:
      return 0;
  }
}

std::int64_t op_macs(const Op& op, std::span<const TensorShape> inputs, const TensorShape& output) {
  auto product = [&](std::initializer_list<std::int64_t> xs) {
    std::int64_t r = 1;
    for (auto x : xs) r = op_mul(op, r, x);
    return r;
  };
  switch (op.kind) {
    case OpKind::conv2d: {
      const auto& a = std::get<ConvAttrs>(op.attrs);
      const auto& x = inputs[0].dims;
      const auto& y = output.dims;
      return product({y[0], y[1], y[2], y[3], x[1] / a.groups, a.kernel_h, a.kernel_w});
    }
    case OpKind::conv_transpose2d: {
      const auto& a = std::get<ConvAttrs>(op.attrs);
      const auto& x = inputs[0].dims;
      return product({x[0], x[1], x[2], x[3], a.out_channels / a.groups, a.kernel_h, a.kernel_w});
    }
    case OpKind::fully_connected: {
      const auto& x = inputs[0].dims;
      return product({x[0], x[1], std::get<FullyConnectedAttrs>(op.attrs).out_features});
    }
    default:
      return 0;
  }
}

std::int64_t op_flops(const Op& op, std::span<const TensorShape> inputs,
                      const TensorShape& output) {
  switch (op.kind) {
    case OpKind::conv2d:
    case OpKind::conv_transpose2d:
    case OpKind::fully_connected:
      return op_mul(op, 2, op_macs(op, inputs, output));
    case OpKind::max_pool:
    case OpKind::avg_pool: {
      const auto& a = std::get<PoolAttrs>(op.attrs);
      return op_mul(op, op_numel(op, output), op_mul(op, a.kernel_h, a.kernel_w));
    }
    case OpKind::global_avg_pool:
      return op_numel(op, inputs[0]);
    case OpKind::flatten:
    case OpKind::reshape:
    case OpKind::concat:
      return 0;  // views and copies compute nothing
    default:
      return op_numel(op, output);
  }
}

bool is_view(OpKind k) { return k == OpKind::flatten || k == OpKind::reshape; }

}  // namespace plantune
