#pragma once
// Weight transforms for convolutions, on the host (weights are prepared once, before upload),
// so that a convolution over a padded or folded input computes what the original computes:
//   - KCRS <-> KRSC and zero-padded input channels (nhwc_c8/_c32): transform_filter
//   - zero filters appended so K is a multiple of 8/32 (their outputs are 0): pad_filter_count
//   - a stride-2 convolution rewritten as a stride-1 convolution over the space-to-depth 2x2
//     input (layout nhwc_s2d2): fold_conv2d
// Filters are fp32, logical dims (K, C, R, S), one group.
#include <cstdint>
#include <span>
#include <vector>

#include "plantune/layouts/layout.h"

namespace plantune::layouts {

struct Conv2dGeometry {
  std::int64_t pad_h = 0, pad_w = 0;  // zero padding, the same before and after
  std::int64_t stride_h = 1, stride_w = 1;
  bool operator==(const Conv2dGeometry&) const = default;
};

// (in + 2*pad - kernel) / stride + 1; throws invalid_argument when it is < 1.
std::int64_t conv_output_size(std::int64_t in, std::int64_t kernel, std::int64_t pad,
                              std::int64_t stride);

// A filter of logical dims `kcrs` moved from one layout to another: nchw (KCRS), nhwc (KRSC),
// nhwc_c8/_c32 (KRSC with C zero-padded). Folded layouts are refused: folding a filter depends
// on the convolution's padding, which fold_conv2d takes. w.size() must match `from`.
std::vector<float> transform_filter(std::span<const float> w, const Dims4& kcrs, TensorLayout from,
                                    TensorLayout to);

// Appends zero filters so that K becomes a multiple of k_align (every layout stores K
// outermost). Returns w unchanged when K already is.
std::vector<float> pad_filter_count(std::span<const float> w, const Dims4& kcrs, TensorLayout layout,
                                    std::int64_t k_align);

// A stride-2 convolution over an (N, C, H, W) input rewritten for the folded input.
struct FoldedConv2d {
  Dims4 filter_dims;        // (K, 4C, R', S'), R' = ceil((R + pad_h % 2) / 2)
  std::vector<float> filter;  // KCRS over the folded channels (dy*2 + dx)*C + c
  Conv2dGeometry geometry;  // stride 1, pad = ceil(pad / 2) in each dim
  Dims4 input_dims;         // the folded input as a plain tensor: folded_dims(input)
  std::int64_t out_h = 0, out_w = 0;                // the original convolution's output
  std::int64_t folded_out_h = 0, folded_out_w = 0;  // the folded one's (>= out_h, out_w)
};

// Rewrites conv(x, w, stride 2, pad) as conv(fold(x), w', stride 1, pad'): the leading
// out_h x out_w block of the folded output equals the original output (rows or columns
// beyond it are extra, to be cropped). An odd pad is handled by shifting the filter one tap
// down/right (a zero row/column in front). Throws invalid_argument unless both strides are 2,
// pads are >= 0, w matches filter (KCRS) and filter.c == input.c.
FoldedConv2d fold_conv2d(std::span<const float> w, const Dims4& filter, const Conv2dGeometry& g,
                         const Dims4& input);

}  // namespace plantune::layouts
