#pragma once
// ConvWorkload: the device tensors one convolution variant is validated and timed on.
//
// For a ConvProblem (as the network states it) and a Variant (layout, run precision, channel
// padding) it holds:
//   * the executed problem: C and K padded as the variant says, tensors in the variant's layout
//     and storage dtype (exec_problem());
//   * fresh random data, x and w uniform in [-1, 1) from a device-side hash of (seed, tensor,
//     logical index), rounded to the storage dtype; the same logical values in every layout;
//   * for a fused problem (ConvProblem::epilogue), bias (K' elements, zero beyond K) and z (y's
//     executed shape) as the epilogue asks, random like x and w;
//   * float copies of the rounded x (NCHW), w (KCRS), bias (K) and z (NKPQ), unpadded, for the
//     reference;
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

// Device pointers of one slot's executed tensors, in the variant's layout and storage dtype.
// The epilogue's inputs (Note [conv epilogue] in problem_key.h) are nullptr unless the problem's
// epilogue asks for them: `bias` holds K' elements (K' = the executed, possibly padded K), `z`
// has y's executed shape, layout and dtype. `y` may equal `z` (in place); a tactic must then
// read each z element before it writes that y element, as every fused kernel does.
struct ConvOperands {
  const void* x = nullptr;
  const void* w = nullptr;
  void* y = nullptr;
  const void* bias = nullptr;
  const void* z = nullptr;
};

// The problem a variant executes: `p` with C / K padded to the variant's padded_c / padded_k
// and every dtype the variant's storage dtype (accumulation fp32); the epilogue is kept (its
// bias and z then hold the padded K channels). Throws invalid_argument when
// padding is asked for a grouped problem or is smaller than the dimension it pads.
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
  DType storage() const { return storage_; }
  std::uint64_t seed() const { return seed_; }
  bool padded() const { return padded_c_ || padded_k_; }

  int slot_count() const { return slots_; }
  bool spans_cold_l2() const { return cold_; }
  // Executed tensors of slot `i` (0 <= i < slot_count()).
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

  // Unpadded float copies of the rounded inputs: x NCHW, w KCRS (C per group); bias (K) and
  // z (NKPQ) only when the epilogue has them, nullptr otherwise.
  const float* x_ref() const { return x_ref_.data(); }
  const float* w_ref() const { return w_ref_.data(); }
  const float* bias_ref() const { return bias_ref_.data(); }
  const float* z_ref() const { return z_ref_.data(); }

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
  DeviceBytes workspace_;
  std::int64_t workspace_in_use_ = 0;
};

}  // namespace plantune::tuner
