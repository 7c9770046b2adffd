#pragma once
// Placement problems and plans: the planner's whole interface to any runtime.
//
// Steps are integers (op positions). A buffer is live over the half-open interval
// [first, last): defined at step `first`, and `last` is one past the step of its last use.
// Two buffers conflict when their intervals intersect; conflicting buffers must occupy
// disjoint byte ranges [offset, offset + size). Zero-size buffers never conflict.
//
// An aliased buffer is not placed: it lives inside its base at base's offset + byte_offset
// (a view, an in-place result, a slice of a concat). normalize() folds alias chains into
// their root buffer, whose interval is widened to cover each alias's and whose size covers
// each alias's extent.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace plantune::planner {

struct Alias {
  std::int32_t base = -1;        // id of the buffer whose storage is shared
  std::int64_t byte_offset = 0;  // where this buffer starts inside the base
  bool operator==(const Alias&) const = default;
};

struct Buffer {
  std::int32_t id = 0;           // equals the buffer's index in Problem::buffers
  std::int64_t size = 0;         // bytes, >= 0
  std::int64_t alignment = 1;    // offset must be a multiple of this (power of two)
  std::int64_t first = 0;        // first step live
  std::int64_t last = 0;         // one past the last step live; first < last unless size == 0
  std::optional<std::int64_t> fixed_offset;  // pinned by the caller
  std::optional<Alias> alias;                // shares another buffer's storage
  std::string name;                          // label for reports and pictures
  bool operator==(const Buffer&) const = default;
};

struct Problem {
  std::vector<Buffer> buffers;
  // Throws plantune::Error(invalid_argument/overflow) naming the buffer: ids not 0..n-1,
  // negative sizes, empty intervals with a size, bad alignment, alias cycles, alias ranges
  // outside their base, sizes whose sum with offsets overflows int64.
  void validate() const;
};

struct Plan {
  std::vector<std::int64_t> offsets;  // one per buffer, aliases resolved to absolute offsets
  std::int64_t arena_bytes = 0;       // max over buffers of offset + size
  std::int64_t lower_bound = 0;       // max over steps of live bytes (of the normalized problem)
  bool optimal = false;               // arena_bytes proven minimal
  double gap = 0.0;                   // proven: (arena_bytes - best_bound) / best_bound, 0 if optimal
  std::string algorithm;              // which algorithm produced the offsets
  double seconds = 0.0;               // wall time spent planning
};

}  // namespace plantune::planner
