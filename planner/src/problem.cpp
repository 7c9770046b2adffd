#include "plantune/planner/problem.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "plantune/core/error.h"

namespace plantune::planner {
namespace {

std::string label(const Buffer& b) {
  std::string s = "buffer " + std::to_string(b.id);
  if (!b.name.empty()) s += " ('" + b.name + "')";
  return s;
}

bool is_power_of_two(std::int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

}  // namespace

void Problem::validate() const {
  const auto n = static_cast<std::int64_t>(buffers.size());
  PT_REQUIRE(n <= std::numeric_limits<std::int32_t>::max(), invalid_argument,
             "problem has " << n << " buffers; at most 2^31-1 are supported");
  for (std::int64_t i = 0; i < n; ++i) {
    const Buffer& b = buffers[static_cast<std::size_t>(i)];
    PT_REQUIRE(b.id == i, invalid_argument,
               label(b) << " is at index " << i << "; buffer ids must equal their index");
    PT_REQUIRE(b.size >= 0, invalid_argument, label(b) << " has negative size " << b.size);
    PT_REQUIRE(is_power_of_two(b.alignment), invalid_argument,
               label(b) << " has alignment " << b.alignment << "; it must be a power of two");
    PT_REQUIRE(b.first <= b.last, invalid_argument,
               label(b) << " has interval [" << b.first << ", " << b.last
                        << ") that ends before it starts");
    PT_REQUIRE(b.size == 0 || b.first < b.last, invalid_argument,
               label(b) << " has " << b.size << " bytes but an empty interval [" << b.first
                        << ", " << b.last << ")");
    if (b.fixed_offset) {
      const std::int64_t off = *b.fixed_offset;
      PT_REQUIRE(off >= 0, invalid_argument, label(b) << " is pinned at negative offset " << off);
      PT_REQUIRE(off % b.alignment == 0, invalid_argument,
                 label(b) << " is pinned at offset " << off << ", not a multiple of its alignment "
                          << b.alignment);
      std::int64_t end = 0;
      PT_REQUIRE(!__builtin_add_overflow(off, b.size, &end), overflow,
                 label(b) << ": pinned offset " << off << " + size " << b.size
                          << " exceeds 2^63-1 bytes");
      PT_REQUIRE(!b.alias, invalid_argument,
                 label(b) << " is both pinned and an alias; pin its base instead");
    }
    if (b.alias) {
      const Alias& a = *b.alias;
      PT_REQUIRE(a.base >= 0 && a.base < n, invalid_argument,
                 label(b) << " aliases buffer " << a.base << ", which does not exist");
      PT_REQUIRE(a.base != i, invalid_argument, label(b) << " aliases itself");
      const Buffer& base = buffers[static_cast<std::size_t>(a.base)];
      std::int64_t end = 0;
      PT_REQUIRE(a.byte_offset >= 0 && !__builtin_add_overflow(a.byte_offset, b.size, &end) &&
                     end <= base.size,
                 invalid_argument,
                 label(b) << " aliases bytes [" << a.byte_offset << ", " << a.byte_offset
                          << " + " << b.size << ") of " << label(base) << ", which has "
                          << base.size << " bytes");
    }
  }

  // Alias chains: no cycles, and every alias aligned inside its root. state: 0 unvisited,
  // 1 on the current chain, 2 done (offset_in_root known).
  std::vector<std::uint8_t> state(static_cast<std::size_t>(n), 0);
  std::vector<std::int64_t> offset_in_root(static_cast<std::size_t>(n), 0);
  std::vector<std::int32_t> chain;
  for (std::int64_t start = 0; start < n; ++start) {
    chain.clear();
    std::int32_t cur = static_cast<std::int32_t>(start);
    while (state[static_cast<std::size_t>(cur)] == 0) {
      state[static_cast<std::size_t>(cur)] = 1;
      chain.push_back(cur);
      const Buffer& b = buffers[static_cast<std::size_t>(cur)];
      if (!b.alias) break;
      cur = b.alias->base;
    }
    PT_REQUIRE(state[static_cast<std::size_t>(cur)] != 1 || !buffers[static_cast<std::size_t>(cur)].alias,
               invalid_argument,
               "alias cycle through " << label(buffers[static_cast<std::size_t>(cur)]));
    // Unwind: nearest-to-root first. Offsets stay within the root's size (checked above).
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      const Buffer& b = buffers[static_cast<std::size_t>(*it)];
      if (b.alias) {
        offset_in_root[static_cast<std::size_t>(*it)] =
            offset_in_root[static_cast<std::size_t>(b.alias->base)] + b.alias->byte_offset;
        PT_REQUIRE(offset_in_root[static_cast<std::size_t>(*it)] % b.alignment == 0,
                   invalid_argument,
                   label(b) << " starts at byte " << offset_in_root[static_cast<std::size_t>(*it)]
                            << " of its alias root, not a multiple of its alignment "
                            << b.alignment);
      }
      state[static_cast<std::size_t>(*it)] = 2;
    }
  }

  // Every placement the planner makes ends below the pinned ends plus the sum of the root sizes
  // with their alignment padding: that sum must fit in int64.
  std::int64_t total = 0;
  std::int64_t pinned_end = 0;
  for (const Buffer& b : buffers) {
    if (b.alias) continue;
    if (b.fixed_offset) pinned_end = std::max(pinned_end, *b.fixed_offset + b.size);
    const bool ok = !__builtin_add_overflow(total, b.size, &total) &&
                    !__builtin_add_overflow(total, b.alignment - 1, &total);
    PT_REQUIRE(ok, overflow,
               "the sizes of the buffers up to " << label(b)
                   << " (with alignment padding) sum past 2^63-1 bytes");
  }
  PT_REQUIRE(!__builtin_add_overflow(total, pinned_end, &total), overflow,
             "the sum of buffer sizes plus the end of the pinned buffers (" << pinned_end
                 << ") exceeds 2^63-1 bytes");
}

}  // namespace plantune::planner
