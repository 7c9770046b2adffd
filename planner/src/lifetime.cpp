#include "plantune/planner/lifetime.h"

#include <algorithm>
#include <string>
#include <utility>
#include <variant>

#include "plantune/core/error.h"
#include "plantune/planner/lower_bound.h"

namespace plantune::planner {

std::string_view to_string(Mode m) {
  switch (m) {
    case Mode::plain: return "plain";
    case Mode::aliasing: return "aliasing";
  }
  return "unknown";
}

std::string_view to_string(Storage s) {
  switch (s) {
    case Storage::own: return "own";
    case Storage::view: return "view";
    case Storage::in_place: return "in_place";
    case Storage::concat_slice: return "concat_slice";
  }
  return "unknown";
}

std::size_t Lifetimes::count(Storage s) const {
  return static_cast<std::size_t>(std::count(storage.begin(), storage.end(), s));
}

namespace {

std::int64_t round_up(std::int64_t bytes, const std::string& what) {
  std::int64_t padded = checked_add(bytes, kAlignment - 1, what);
  return padded / kAlignment * kAlignment;
}

// Largest power of two <= kAlignment that divides `offset` (kAlignment for 0).
std::int64_t offset_alignment(std::int64_t offset) {
  if (offset == 0) return kAlignment;
  return std::min(kAlignment, offset & -offset);
}

// Storage classes: each tensor hangs below a parent tensor at a byte offset inside the
// parent's storage; a root (parent -1) owns its storage. Per-root facts are merged upward.
class StorageClasses {
 public:
  StorageClasses(std::size_t n, std::vector<std::int64_t> last_read, std::vector<char> holds_io)
      : parent_(n, -1), offset_(n, 0), last_read_(std::move(last_read)),
        holds_io_(std::move(holds_io)), members_(n) {
    for (std::size_t t = 0; t < n; ++t) members_[t].push_back(static_cast<TensorId>(t));
  }

  TensorId root(TensorId t) const {
    while (parent_[t] >= 0) t = parent_[t];
    return t;
  }
  std::int64_t offset_in_root(TensorId t) const {
    std::int64_t off = 0;
    for (; parent_[t] >= 0; t = parent_[t]) off += offset_[t];
    return off;
  }
  // Last step at which any tensor sharing t's storage is read (-1: never).
  std::int64_t last_read(TensorId t) const { return last_read_[root(t)]; }
  // True when t's storage holds a graph input or output.
  bool holds_io(TensorId t) const { return holds_io_[root(t)] != 0; }
  // Every tensor stored in root r's storage (r included), in attachment order.
  const std::vector<TensorId>& members(TensorId r) const { return members_[r]; }

  // Places the storage of root `child` inside tensor `into`'s storage at `offset` bytes.
  // Links go straight to the root, so chains stay short (in place over in place ...).
  void attach(TensorId child, TensorId into, std::int64_t offset) {
    PT_REQUIRE(parent_[child] < 0, internal, "tensor " << child << " is not a storage root");
    TensorId r = root(into);
    PT_REQUIRE(r != child, internal, "attaching tensor " << child << " into its own storage");
    parent_[child] = r;
    offset_[child] = checked_add(offset_in_root(into), offset, "byte offset in storage");
    last_read_[r] = std::max(last_read_[r], last_read_[child]);
    holds_io_[r] = static_cast<char>(holds_io_[r] | holds_io_[child]);
    members_[r].insert(members_[r].end(), members_[child].begin(), members_[child].end());
    members_[child].clear();
  }

 private:
  std::vector<TensorId> parent_;
  std::vector<std::int64_t> offset_;
  std::vector<std::int64_t> last_read_;  // valid at roots
  std::vector<char> holds_io_;           // valid at roots
  std::vector<std::vector<TensorId>> members_;  // valid at roots
};

bool same_layout_and_type(const Tensor& a, const Tensor& b) {
  return a.shape == b.shape && a.dtype == b.dtype;
}

// Operands an op may overwrite with its output, in preference order.
std::vector<std::size_t> in_place_candidates(OpKind k) {
  switch (k) {
    case OpKind::activation:
    case OpKind::batch_norm:
    case OpKind::mul: return {0};
    case OpKind::add: return {0, 1};
    default: return {};
  }
}

// Bytes spanned by a tensor of `shape` stored with element `strides`: its hull.
std::int64_t spanned_bytes(const Tensor& t, const std::vector<std::int64_t>& strides) {
  std::int64_t last = 0;  // element index of the last element
  for (std::size_t d = 0; d < strides.size(); ++d) {
    last = checked_add(last, checked_mul(t.shape.dims[d] - 1, strides[d], "tensor extent"),
                       "extent of tensor '" + t.name + "'");
  }
  return checked_mul(checked_add(last, 1, "tensor extent"), dtype_size(t.dtype),
                     "extent of tensor '" + t.name + "'");
}

// True when a tensor of `shape` read with `strides` is densely packed (dims of extent 1 aside).
bool is_dense(const TensorShape& shape, const std::vector<std::int64_t>& strides) {
  const std::vector<std::int64_t> dense = shape.strides();
  for (std::size_t d = 0; d < dense.size(); ++d) {
    if (shape.dims[d] > 1 && dense[d] != strides[d]) return false;
  }
  return true;
}

}  // namespace

Lifetimes analyze_lifetimes(const Graph& graph, const LifetimeOptions& options) {
  const auto& tensors = graph.tensors();
  const auto& ops = graph.ops();
  const std::size_t n = tensors.size();
  PT_REQUIRE(options.workspace_bytes.empty() || options.workspace_bytes.size() == ops.size(),
             invalid_argument,
             "workspace_bytes of graph '" << graph.name() << "' has "
                                          << options.workspace_bytes.size()
                                          << " entries; the graph has " << ops.size() << " ops");
  for (std::size_t i = 0; i < options.workspace_bytes.size(); ++i) {
    PT_REQUIRE(options.workspace_bytes[i] >= 0, invalid_argument,
               "workspace of op '" << ops[i].name << "' is negative ("
                                   << options.workspace_bytes[i] << " bytes)");
  }

  Lifetimes out;
  out.steps = std::max<std::int64_t>(1, static_cast<std::int64_t>(ops.size()));
  out.storage.assign(n, Storage::own);
  out.strides.resize(n);
  for (std::size_t t = 0; t < n; ++t) out.strides[t] = tensors[t].shape.strides();
  out.tensor_buffer.resize(n);
  out.op_workspace.assign(ops.size(), -1);

  // Definition, last read, uses, graph inputs/outputs.
  std::vector<std::int64_t> first(n, 0), last_read(n, -1);
  std::vector<int> uses(n, 0);
  std::vector<char> is_io(n, 0), is_output(n, 0);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    first[ops[i].output] = static_cast<std::int64_t>(i);
    for (TensorId in : ops[i].inputs) {
      last_read[in] = static_cast<std::int64_t>(i);
      ++uses[in];
    }
  }
  for (TensorId t : graph.inputs()) is_io[t] = 1;
  for (TensorId t : graph.outputs()) is_io[t] = is_output[t] = 1;

  StorageClasses classes(n, last_read, is_io);
  if (options.mode == Mode::aliasing) {
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const Op& op = ops[i];
      const auto step = static_cast<std::int64_t>(i);
      const Tensor& y = tensors[op.output];
      if (is_view(op.kind) && !op.inputs.empty()) {
        classes.attach(op.output, op.inputs[0], 0);
        out.storage[op.output] = Storage::view;
        continue;
      }
      bool placed = false;
      for (std::size_t k : in_place_candidates(op.kind)) {
        if (placed || k >= op.inputs.size()) break;
        TensorId x = op.inputs[k];
        if (classes.last_read(x) <= step && !classes.holds_io(x) &&
            same_layout_and_type(tensors[x], y)) {
          classes.attach(op.output, x, 0);
          out.storage[op.output] = Storage::in_place;
          placed = true;
        }
      }
      if (op.kind != OpKind::concat) continue;
      const auto* attrs = std::get_if<ConcatAttrs>(&op.attrs);
      int axis = attrs ? attrs->axis : 1;
      if (axis < 0) axis += y.shape.rank();
      if (axis < 0 || axis >= y.shape.rank()) continue;
      const std::vector<std::int64_t> out_strides = y.shape.strides();
      std::int64_t axis_offset = 0;  // elements along the axis before this input
      for (TensorId x : op.inputs) {
        const Tensor& xt = tensors[x];
        const std::int64_t before = axis_offset;
        if (xt.shape.rank() != y.shape.rank()) break;
        axis_offset = checked_add(axis_offset, xt.shape.dims[axis], "concat axis offset");
        const TensorId r = classes.root(x);
        const bool eligible =
            uses[x] == 1 && out.storage[x] != Storage::view && !classes.holds_io(x) &&
            classes.last_read(x) <= step && xt.dtype == y.dtype &&
            xt.shape.layout == y.shape.layout && classes.offset_in_root(x) == 0 &&
            tensors[r].shape.bytes(tensors[r].dtype) == xt.shape.bytes(xt.dtype) &&
            r != classes.root(op.output);
        if (!eligible) continue;
        const bool contiguous = is_dense(xt.shape, out_strides);
        if (!contiguous) {
          if (!options.strided_concat) continue;
          // Every tensor of the storage must take the output's strides: all of x's shape.
          bool uniform = true;
          for (TensorId m : classes.members(r)) {
            uniform = uniform && tensors[m].shape == xt.shape && tensors[m].dtype == xt.dtype;
          }
          if (!uniform) continue;
          for (TensorId m : classes.members(r)) out.strides[m] = out_strides;
        }
        const std::int64_t byte_offset =
            checked_mul(checked_mul(before, out_strides[axis], "concat slice offset"),
                        dtype_size(y.dtype), "concat slice offset");
        classes.attach(r, op.output, byte_offset);
        out.storage[r] = Storage::concat_slice;
      }
    }
  }

  // Buffers: one per tensor, intervals, then roots widened over their classes.
  Problem& p = out.problem;
  p.buffers.resize(n);
  std::int64_t naive = 0;
  for (std::size_t t = 0; t < n; ++t) {
    const Tensor& tensor = tensors[t];
    const std::int64_t bytes = tensor.shape.bytes(tensor.dtype);
    const std::string what = "size of tensor '" + tensor.name + "'";
    const std::int64_t rounded = round_up(bytes, what);
    naive = checked_add(naive, rounded, "naive bytes of graph '" + graph.name() + "'");
    Buffer& b = p.buffers[t];
    b.id = static_cast<std::int32_t>(t);
    b.name = tensor.name;
    b.first = first[t];
    if (is_output[t]) {
      b.last = out.steps;
    } else if (last_read[t] >= 0) {
      b.last = last_read[t] + 1;
    } else {
      b.last = b.first + 1;
    }
    const TensorId r = classes.root(static_cast<TensorId>(t));
    if (r == static_cast<TensorId>(t)) {
      b.size = rounded;
      b.alignment = kAlignment;
    } else {
      const std::int64_t off = classes.offset_in_root(static_cast<TensorId>(t));
      b.size = spanned_bytes(tensor, out.strides[t]);
      b.alignment = offset_alignment(off);
      b.alias = Alias{r, off};
    }
    out.tensor_buffer[t] = static_cast<std::int32_t>(t);
  }
  for (std::size_t t = 0; t < n; ++t) {
    if (!p.buffers[t].alias) continue;
    Buffer& root = p.buffers[p.buffers[t].alias->base];
    root.first = std::min(root.first, p.buffers[t].first);
    root.last = std::max(root.last, p.buffers[t].last);
  }
  for (std::size_t i = 0; i < options.workspace_bytes.size(); ++i) {
    if (options.workspace_bytes[i] == 0) continue;
    Buffer b;
    b.id = static_cast<std::int32_t>(p.buffers.size());
    b.name = ops[i].name + "/workspace";
    b.size = round_up(options.workspace_bytes[i], "workspace of op '" + ops[i].name + "'");
    b.alignment = kAlignment;
    b.first = static_cast<std::int64_t>(i);
    b.last = b.first + 1;
    naive = checked_add(naive, b.size, "naive bytes of graph '" + graph.name() + "'");
    out.op_workspace[i] = b.id;
    p.buffers.push_back(std::move(b));
  }
  out.naive_bytes = naive;
  return out;
}

MemoryBounds memory_bounds(const Graph& graph, const LifetimeOptions& options) {
  MemoryBounds m;
  LifetimeOptions o = options;
  o.mode = Mode::plain;
  Lifetimes plain = analyze_lifetimes(graph, o);
  o.mode = Mode::aliasing;
  Lifetimes aliasing = analyze_lifetimes(graph, o);
  m.naive_bytes = plain.naive_bytes;
  m.plain_lower_bound = lower_bound(plain.problem);
  m.aliasing_lower_bound = lower_bound(aliasing.problem);
  return m;
}

}  // namespace plantune::planner
