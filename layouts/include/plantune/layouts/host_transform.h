#pragma once
// Layout transforms on the host: the CPU reference for the GPU kernels (transform.h) and what
// weight preparation uses. Elements are moved as opaque `elem_size`-byte values; a change of
// dtype is the caller's (precision/host_cast.h).
#include <cstddef>
#include <span>
#include <vector>

#include "plantune/core/error.h"
#include "plantune/layouts/layout.h"

namespace plantune::layouts {

// Moves every logical element of a `dims` tensor from `src` (in src_layout) to `dst` (in
// dst_layout). Stored positions of dst that hold no logical element (padded channels, the fill
// of an odd H or W when folded) are zero bytes. dst must hold stored_numel(dims, dst_layout)
// elements and must not overlap src. Throws invalid_argument on bad dims/layouts.
void transform_host(const void* src, TensorLayout src_layout, void* dst, TensorLayout dst_layout,
                    const Dims4& dims, std::size_t elem_size);

// Typed convenience: returns the dst tensor. src.size() must equal stored_numel(dims, from).
template <typename T>
std::vector<T> transform_host(std::span<const T> src, const Dims4& dims, TensorLayout from,
                              TensorLayout to) {
  PT_REQUIRE(static_cast<std::int64_t>(src.size()) == stored_numel(dims, from), invalid_argument,
             "transform_host: " << src.size() << " elements given for " << to_string(dims)
                                << " in " << to_string(from) << " ("
                                << stored_numel(dims, from) << " expected)");
  std::vector<T> dst(static_cast<std::size_t>(stored_numel(dims, to)));
  transform_host(src.data(), from, dst.data(), to, dims, sizeof(T));
  return dst;
}

}  // namespace plantune::layouts
