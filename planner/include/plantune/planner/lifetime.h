#pragma once
// Lifetime analysis: a core Graph -> a placement Problem, plus the way back to tensors.
//
// Conventions (see problem.h for the interval semantics):
//  * Steps are op indices: op i runs at step i. A tensor defined by op i is live from step i;
//    graph inputs are written before op 0 and are live from step 0.
//  * A tensor's interval ends one past the step of its last reader; graph outputs stay live to
//    the end (step = number of ops, at least 1); a tensor nobody reads lives at its own step.
//  * Buffer b < tensor count is tensor b (buffer id == tensor id); op workspaces follow.
//  * Sizes: a tensor's bytes are shape.numel() x dtype_size. Every buffer that owns storage
//    (a "root") has alignment kAlignment and its size rounded up to it. An aliased buffer
//    points straight at its root (Alias{root, byte offset}), its size is the bytes it spans
//    (its exact bytes, or the hull of a strided slice, below) and its alignment is the largest
//    power of two <= kAlignment dividing that offset. A root's interval is the union of the
//    intervals of every tensor stored in it.
//  * Workspaces: op i's workspace is a root buffer live over [i, i + 1) named "<op>/workspace".
//
// Aliasing mode (Mode::aliasing, the default) shares storage in three ways:
//  * views: flatten/reshape (core::is_view) outputs live in their input's storage, offset 0;
//  * in place: activation, batch_norm, add (into either operand, the first that qualifies)
//    and mul (into its first operand) write their output over an input when that input's
//    whole storage is read for the last time at this op, holds no graph input or output, and
//    has the output's shape, layout and dtype;
//  * concat elision: input j of a concat is written straight into its slice of the output
//    when it is produced by an op, read only by this one concat (once), is not a view, holds
//    no graph input or output in its storage, has the output's dtype and layout, and its
//    storage is exactly its own bytes. The slice starts at byte
//    (sum of axis extents of inputs before j) x stride(axis) x dtype size of the output.
//    - Contiguous slices (always): every dimension laid out outside the concat axis (larger
//      stride) has extent 1 -- for NCHW along channels, batch N == 1. The slice is then a
//      dense tensor of the input's shape, and any producer can write it.
//    - Strided slices (only with LifetimeOptions::strided_concat): otherwise -- NCHW along
//      channels with N > 1 -- the slice is N pieces, one per image, batch_stride apart. The
//      input (and every tensor sharing its storage, which must all have its shape: no views,
//      no nested concat) is then stored with the output's element strides (Lifetimes::strides)
//      and its producers must write through them, as cuDNN descriptors with explicit strides
//      allow. Its alias size is the hull of its pieces.
//    Inputs that do not qualify are copied by the concat op as usual.
// Mode::plain gives every tensor its own root buffer (no views, no reuse): the baseline.
#include <cstdint>
#include <string_view>
#include <vector>

#include "plantune/core/graph.h"
#include "plantune/planner/problem.h"

namespace plantune::planner {

inline constexpr std::int64_t kAlignment = 256;  // bytes; cudaMalloc's base alignment

enum class Mode { plain, aliasing };
std::string_view to_string(Mode m);

// How a tensor gets its storage.
enum class Storage {
  own,           // a root buffer of its own
  view,          // a view of its input (flatten, reshape)
  in_place,      // written over a dying input
  // owned a storage that was then placed in a slice of a concat output (the other tensors
  // in that storage keep their own Storage)
  concat_slice,
};
std::string_view to_string(Storage s);

struct LifetimeOptions {
  Mode mode = Mode::aliasing;
  // Bytes of scratch space per op (indexed like Graph::ops()); empty: no workspaces.
  // Otherwise its size must equal the op count; zero entries get no buffer.
  std::vector<std::int64_t> workspace_bytes;
  // Also elide concat inputs whose slices are strided (see above); off: contiguous only.
  bool strided_concat = false;
};

struct Lifetimes {
  Problem problem;                          // tensor buffers, then workspace buffers
  std::vector<std::int32_t> tensor_buffer;  // per tensor id: its buffer id (== tensor id)
  std::vector<std::int32_t> op_workspace;   // per op: its workspace buffer id, or -1
  std::vector<Storage> storage;             // per tensor: how it got its storage
  // Per tensor: element strides as stored, in logical dim order: TensorShape::strides()
  // (dense) except for tensors in a strided concat slice, which take the output's strides.
  std::vector<std::vector<std::int64_t>> strides;
  std::int64_t naive_bytes = 0;  // sum of every tensor's and workspace's rounded size (no reuse)
  std::int64_t steps = 0;        // number of steps (ops, at least 1)

  // Number of tensors whose storage is `s`.
  std::size_t count(Storage s) const;
};

// Builds the placement problem of `graph` (validated by the caller or by Graph's builder).
// Throws invalid_argument when workspace_bytes has the wrong length or a negative entry
// (naming the op), overflow when a size does not fit in 64 bits.
Lifetimes analyze_lifetimes(const Graph& graph, const LifetimeOptions& options = {});

// The memory of a graph before placement: what `plantune plan` prints beside the arena.
struct MemoryBounds {
  std::int64_t naive_bytes = 0;            // every tensor and workspace in its own bytes
  std::int64_t plain_lower_bound = 0;      // max over steps of live bytes, no aliasing
  std::int64_t aliasing_lower_bound = 0;   // the same after views, in-place and concat elision
};

// Runs analyze_lifetimes() in both modes (with `options`' workspaces and concat rule) and
// takes lower_bound() (lower_bound.h) of each; options.mode is ignored.
MemoryBounds memory_bounds(const Graph& graph, const LifetimeOptions& options = {});

}  // namespace plantune::planner
