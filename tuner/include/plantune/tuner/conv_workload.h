#pragma once
// ConvWorkload: the device tensors one convolution variant is validated and timed on.
//
// For a ConvProblem (as the network states it) and a Variant (layout, run precision, channel
// padding) it holds:
//   * the executed problem: C and K padded as the variant says, tensors in the variant's layout
//     and dtypes (exec_problem(); int8: Note [int8 convolution]);
//   * fresh random data, x and w uniform in [-1, 1) from a device-side hash of (seed, tensor,
//     logical index), rounded to the storage dtype (int8: quantized, q = rn(127 u)); the same
//     logical values in every layout and, up to rounding, in every precision;
//   * for a fused problem (ConvProblem::epilogue), bias (K' elements, zero beyond K) and z (y's
//     executed shape) in y's dtype, as the epilogue asks, random like x and w;
//   * float copies of the rounded x (NCHW), w (KCRS), bias (K) and z (NKPQ), unpadded, for the
//     reference (int8: the dequantized values q / 127); and, for tensors stored in other than
//     fp32, exact copies of the same logical values before rounding (the hash values u), for
//     the error against fp32 (Note [error vs fp32] in tuner.h);
//   * `slot_count()` copies of (x, w, y) that together span more than twice the L2 cache, so
//     that timing one slot after another runs with a cold L2 (Note [cold L2 by rotation]);
//   * guard bytes (redzones) of kGuardByte before and after every y and around the workspace,
//     checked after validation runs to catch out-of-bounds writes.
// Slot 0 is the validation slot. Padded variants keep an unpadded copy of x and y (and of z,
// for a residual epilogue with padded K) per slot: the pad copies before and the slice after
// the convolution are enqueued by enqueue_pad_input() and enqueue_slice_output() and count in a
// tactic's time (the padding's cost). The bias is a weight: stored padded, never copied.
// z is a buffer of its own here (y is poisoned before each validation run, z must survive it);
// the runtime may pass y == z (Note [conv epilogue] in problem_key.h).
//
// Note [cold L2 by rotation]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~
// A tactic timed on one buffer over and over finds its inputs in L2 (60 MB on an H200), which a
// network's layers never do. Rotating over copies whose total exceeds 2x L2 means that when a
// slot comes round again, at least a full L2 of other data has passed through since. Problems
// whose slot alone exceeds 2x L2 still get two slots. spans_cold_l2() says whether the rotation
// achieved it (a memory cap can stop it); TimingStats::cold_l2 records that.
//
// Note [int8 convolution]
// ~~~~~~~~~~~~~~~~~~~~~~~
// Precision::int8 runs cuDNN's INT8_EXT configuration: x and w int8, y fp32, int32 accumulation,
// y = alpha * conv(x, w) (ConvOperands::alpha). Its restrictions, enforced by exec_problem() as
// Error(not_supported): NHWC layout only (NCHW int8 variants are not listed by conv_variants()),
// C per group and K multiples of 4 (a variant may pad them, e.g. nhwc/int8/pad_c8_k0), and no
// fused epilogue (int8 epilogues are not done). The workload stores the int8 codes
// q = round-to-nearest-even(127 u) of the same uniform u in [-1, 1) the float dtypes use, so the
// values x = q / 127 match the other variants' up to quantization; the reference copies hold
// q / 127, and the workload's operands carry alpha = output_scale() = (1/127) * (1/127), so that
// y = conv(x_ref, w_ref) and the usual reference check applies. The int32 sums are exact; only
// the conversion to fp32 and the scaling round (Note [validation tolerances] in reference.h).
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "plantune/core/device_buffer.h"
#include "plantune/tuner/problem_key.h"
#include "plantune/tuner/tactic.h"

namespace plantune::tuner {

// Byte written into every guard region; any other value there afterwards is an overwrite.
inline constexpr unsigned char kGuardByte = 0xA5;
// Size of each guard region (before and after), bytes. Keeps the guarded pointer 256-aligned.
inline constexpr std::int64_t kGuardBytes = 4096;

struct WorkloadOptions {
  static constexpr double kDefaultColdFactor = 2.0;  // rotate over more than 2x L2
  static constexpr int kDefaultMaxSlots = 1024;
  static constexpr double kDefaultMaxMemoryFraction = 0.5;  // of the free device memory

  std::uint64_t seed = 0;            // 0: a fresh seed from std::random_device
  bool cold_l2 = true;               // false: one slot (warm L2 timing)
  std::int64_t l2_bytes = 0;         // 0: the current device's L2 size
  double cold_factor = kDefaultColdFactor;
  int max_slots = kDefaultMaxSlots;
  double max_memory_fraction = kDefaultMaxMemoryFraction;
};

// Device pointers of one slot's executed tensors, in the variant's layout and the executed
// problem's dtypes. The epilogue's inputs (Note [conv epilogue] in problem_key.h) are nullptr
// unless the problem's epilogue asks for them: `bias` holds K' elements (K' = the executed,
// possibly padded K), `z` has y's executed shape, layout and dtype. `y` may equal `z` (in
// place); a tactic must then read each z element before it writes that y element, as every
// fused kernel does. Every runner computes y = alpha * conv(x, w), then the epilogue as before
// (graph runners: only the alpha they were prepared with, see ConvSourceContext::alpha).
struct ConvOperands {
  const void* x = nullptr;
  const void* w = nullptr;
  void* y = nullptr;
  const void* bias = nullptr;
  const void* z = nullptr;
  float alpha = 1.0f;  // output scale; int8: Note [int8 convolution]
};

// Quantization levels of the workload's int8 data: q = rn(kInt8Levels * u) stands for
// q / kInt8Levels (Note [int8 convolution]).
inline constexpr float kInt8Levels = 127.0f;

// The alpha that makes a workload's y equal conv(x_ref, w_ref) for precision `p`:
// (1 / 127) * (1 / 127) for int8, 1 for the float precisions.
float conv_output_scale(Precision p);

// The problem a variant executes: `p` with C / K padded to the variant's padded_c / padded_k
// and every dtype the variant's storage dtype (accumulation fp32); for int8, x and w int8, y
// fp32 and accumulation int32 (Note [int8 convolution]). The epilogue is kept (its bias and z
// then hold the padded K channels). Throws invalid_argument when padding is asked for a grouped
// problem or is smaller than the dimension it pads; not_supported, naming the key and the fix,
// when an int8 variant is not NHWC, its executed C / groups or K is not a multiple of 4, or the
// problem has an epilogue.
ConvProblem exec_problem(const ConvProblem& p, const Variant& v);

class ConvWorkload {
 public:
  // Allocates and fills everything on `stream` (and waits for it). Throws invalid_argument for
  // an invalid problem or variant, out_of_memory when even one slot does not fit.
  ConvWorkload(const ConvProblem& problem, const Variant& variant, const WorkloadOptions& options,
               cudaStream_t stream);
  ConvWorkload(const ConvWorkload&) = delete;
  ConvWorkload& operator=(const ConvWorkload&) = delete;

  const ConvProblem& problem() const { return problem_; }
  const ConvProblem& exec() const { return exec_; }
  const Variant& variant() const { return variant_; }
  // The storage dtype of x and w (the variant's); y's is exec().y_dtype (fp32 for int8).
  DType storage() const { return storage_; }
  // The alpha operands() carry: conv_output_scale() of the variant's precision.
  float output_scale() const { return conv_output_scale(variant_.precision); }
  std::uint64_t seed() const { return seed_; }
  bool padded() const { return padded_c_ || padded_k_; }

  int slot_count() const { return slots_; }
  bool spans_cold_l2() const { return cold_; }
  // Executed tensors of slot `i` (0 <= i < slot_count()), with alpha = output_scale().
  ConvOperands operands(int slot) const;

  // Padded variants: copy x (and a residual's z, when K is padded) of `slot` into its padded
  // form, and y's first K channels out of it. No-ops (nothing enqueued) for an unpadded variant.
  void enqueue_pad_input(int slot, cudaStream_t stream) const;
  void enqueue_slice_output(int slot, cudaStream_t stream) const;

  // Before a validation run: fills slot 0's y with NaN (all bits set, NaN in every float type),
  // so that an element the tactic leaves unwritten shows as non-finite, and rewrites its guards.
  void poison_output(cudaStream_t stream);
  // After it (synchronizes `stream`): true when slot 0's y guards still hold kGuardByte.
  bool output_guards_intact(cudaStream_t stream) const;

  // A workspace of `bytes` with guard regions right before and after it (grown as needed; its
  // contents are undefined). nullptr for 0 bytes. Rewrites the guards for `bytes`.
  void* workspace(std::int64_t bytes, cudaStream_t stream);
  // Whether the guards around the last workspace(bytes) still hold (synchronizes `stream`).
  bool workspace_guards_intact(cudaStream_t stream) const;

  // Unpadded float copies of the rounded inputs (int8: dequantized): x NCHW, w KCRS (C per
  // group); bias (K) and z (NKPQ) only when the epilogue has them, nullptr otherwise.
  const float* x_ref() const { return x_ref_.data(); }
  const float* w_ref() const { return w_ref_.data(); }
  const float* bias_ref() const { return bias_ref_.data(); }
  const float* z_ref() const { return z_ref_.data(); }
  // The same logical values before rounding to the storage dtype (the uniform u; for int8 u,
  // not q / 127), laid out like the *_ref() copies. Where the tensor is stored in fp32 nothing
  // rounds, and these return the *_ref() pointers (no second copy is kept).
  const float* x_exact() const { return x_exact_.empty() ? x_ref() : x_exact_.data(); }
  const float* w_exact() const { return w_exact_.empty() ? w_ref() : w_exact_.data(); }
  const float* bias_exact() const { return bias_exact_.empty() ? bias_ref() : bias_exact_.data(); }
  const float* z_exact() const { return z_exact_.empty() ? z_ref() : z_exact_.data(); }
  // Whether storing the inputs rounded them (storage other than fp32): then the *_exact()
  // copies differ from the *_ref() ones.
  bool rounds_inputs() const { return storage_ != DType::fp32; }

  // Byte sizes of one slot's executed x, w, y.
  std::int64_t x_bytes() const { return x_bytes_; }
  std::int64_t w_bytes() const { return w_bytes_; }
  std::int64_t y_bytes() const { return y_bytes_; }

 private:
  struct SlotOffsets {  // byte offsets into slots_buf_; -1: not there
    std::int64_t x_src = -1, x = 0, w = 0, y = 0, y_out = -1;
    std::int64_t bias = -1, z = -1, z_src = -1;
  };
  std::byte* at(std::int64_t offset) const { return slots_buf_.data() + offset; }

  ConvProblem problem_, exec_;
  Variant variant_;
  DType storage_;
  std::uint64_t seed_ = 0;
  bool padded_c_ = false, padded_k_ = false;
  std::int64_t x_bytes_ = 0, w_bytes_ = 0, y_bytes_ = 0;
  std::int64_t x_src_bytes_ = 0, y_out_bytes_ = 0;
  std::int64_t bias_bytes_ = 0, z_src_bytes_ = 0;  // z is y_bytes_ long
  std::int64_t slot_stride_ = 0;
  SlotOffsets offsets_;
  int slots_ = 1;
  bool cold_ = false;
  DeviceBytes slots_buf_;
  DeviceBuffer<float> x_ref_, w_ref_, bias_ref_, z_ref_;
  DeviceBuffer<float> x_exact_, w_exact_, bias_exact_, z_exact_;  // empty where fp32 storage
  DeviceBytes workspace_;
  std::int64_t workspace_in_use_ = 0;
};

}  // namespace plantune::tuner
