#include "plantune/layouts/filter_transform.h"

#include "plantune/core/error.h"
#include "plantune/layouts/host_transform.h"

namespace plantune::layouts {

std::int64_t conv_output_size(std::int64_t in, std::int64_t kernel, std::int64_t pad,
                              std::int64_t stride) {
  PT_REQUIRE(in >= 1 && kernel >= 1 && pad >= 0 && stride >= 1, invalid_argument,
             "conv_output_size: in=" << in << " kernel=" << kernel << " pad=" << pad
                                     << " stride=" << stride);
  const std::int64_t span = in + 2 * pad - kernel;
  PT_REQUIRE(span >= 0, invalid_argument,
             "conv_output_size: kernel " << kernel << " is larger than the padded input "
                                         << in + 2 * pad);
  return span / stride + 1;
}

std::vector<float> transform_filter(std::span<const float> w, const Dims4& kcrs, TensorLayout from,
                                    TensorLayout to) {
  PT_REQUIRE(from.fold == 1 && to.fold == 1, invalid_argument,
             "transform_filter: " << to_string(from) << " -> " << to_string(to)
                                  << ": folded filters come from fold_conv2d");
  return transform_host<float>(w, kcrs, from, to);
}

std::vector<float> pad_filter_count(std::span<const float> w, const Dims4& kcrs, TensorLayout layout,
                                    std::int64_t k_align) {
  PT_REQUIRE(k_align >= 1, invalid_argument, "pad_filter_count: k_align " << k_align);
  const std::int64_t per_filter = stored_numel({1, kcrs.c, kcrs.h, kcrs.w}, layout);
  PT_REQUIRE(static_cast<std::int64_t>(w.size()) == kcrs.n * per_filter, invalid_argument,
             "pad_filter_count: " << w.size() << " elements for filter " << to_string(kcrs)
                                  << " in " << to_string(layout) << " ("
                                  << kcrs.n * per_filter << " expected)");
  const std::int64_t k = round_up(kcrs.n, k_align);
  std::vector<float> out(w.begin(), w.end());
  out.resize(static_cast<std::size_t>(k * per_filter), 0.0f);
  return out;
}

FoldedConv2d fold_conv2d(std::span<const float> w, const Dims4& filter, const Conv2dGeometry& g,
                         const Dims4& input) {
  validate_dims(filter, "fold_conv2d filter");
  validate_dims(input, "fold_conv2d input");
  PT_REQUIRE(g.stride_h == 2 && g.stride_w == 2, invalid_argument,
             "fold_conv2d: folding 2x2 rewrites stride-2 convolutions only, got stride "
                 << g.stride_h << "x" << g.stride_w);
  PT_REQUIRE(g.pad_h >= 0 && g.pad_w >= 0, invalid_argument,
             "fold_conv2d: negative padding " << g.pad_h << "x" << g.pad_w);
  PT_REQUIRE(filter.c == input.c, invalid_argument,
             "fold_conv2d: filter " << to_string(filter) << " has " << filter.c
                                    << " channels, input " << to_string(input) << " has "
                                    << input.c);
  PT_REQUIRE(static_cast<std::int64_t>(w.size()) == stored_numel(filter, kKCRS), invalid_argument,
             "fold_conv2d: " << w.size() << " weights for filter " << to_string(filter)
                             << " (KCRS)");

  FoldedConv2d f;
  f.out_h = conv_output_size(input.h, filter.h, g.pad_h, 2);
  f.out_w = conv_output_size(input.w, filter.w, g.pad_w, 2);
  // An odd pad becomes even by one zero tap in front of the filter: tap r reads padded-input
  // row 2*oh + r, so shifting the filter by one and padding one more reads the same rows.
  const std::int64_t shift_h = g.pad_h % 2, shift_w = g.pad_w % 2;
  const std::int64_t r_shifted = filter.h + shift_h, s_shifted = filter.w + shift_w;
  f.filter_dims = {filter.n, 4 * filter.c, (r_shifted + 1) / 2, (s_shifted + 1) / 2};
  f.geometry = {(g.pad_h + shift_h) / 2, (g.pad_w + shift_w) / 2, 1, 1};
  f.input_dims = folded_dims(input);
  f.folded_out_h = conv_output_size(f.input_dims.h, f.filter_dims.h, f.geometry.pad_h, 1);
  f.folded_out_w = conv_output_size(f.input_dims.w, f.filter_dims.w, f.geometry.pad_w, 1);
  PT_REQUIRE(f.folded_out_h >= f.out_h && f.folded_out_w >= f.out_w, internal,
             "fold_conv2d: folded output " << f.folded_out_h << "x" << f.folded_out_w
                                           << " smaller than the original " << f.out_h << "x"
                                           << f.out_w);

  const Dims4& fd = f.filter_dims;
  f.filter.assign(static_cast<std::size_t>(stored_numel(fd, kKCRS)), 0.0f);
  for (std::int64_t k = 0; k < filter.n; ++k) {
    for (std::int64_t c = 0; c < filter.c; ++c) {
      for (std::int64_t r = 0; r < filter.h; ++r) {
        for (std::int64_t s = 0; s < filter.w; ++s) {
          const std::int64_t rs = r + shift_h, ss = s + shift_w;  // tap in the shifted filter
          const std::int64_t block = (rs % 2) * 2 + (ss % 2);
          const std::int64_t cf = block * filter.c + c;
          const auto dst = static_cast<std::size_t>(element_offset(fd, kKCRS, k, cf, rs / 2, ss / 2));
          const auto src = static_cast<std::size_t>(element_offset(filter, kKCRS, k, c, r, s));
          f.filter[dst] = w[src];
        }
      }
    }
  }
  return f;
}

}  // namespace plantune::layouts
