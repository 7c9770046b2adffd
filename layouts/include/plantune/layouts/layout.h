#pragma once
// Memory layouts of 4-D activation and filter tensors, and the stored shapes they imply.
//
// A tensor is always described by its logical dims (N, C, H, W); a filter uses the same four
// slots as (K, C, R, S). The layout says where each logical element sits in memory:
//   nchw            W fastest                                        (filters: KCRS)
//   nhwc            C fastest                                        (filters: KRSC)
//   nhwc_c8/_c32    nhwc with the stored channel count rounded up to a multiple of 8/32; the
//                   added channels hold zeros (what Tensor Core kernels want)
//   nhwc_s2d2       space-to-depth 2x2 ("folded"): stored as the nhwc tensor
//                   (N, 4C, ceil(H/2), ceil(W/2)); stored channel (dy*2 + dx)*C + c of pixel
//                   (h', w') holds logical (c, 2h'+dy, 2w'+dx); the positions past an odd H or W
//                   hold zeros
//   nhwc_s2d2_c8/_c32   folded, then the 4C channels rounded up
// Padding and folding exist for nhwc only.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "plantune/core/dtype.h"
#include "plantune/core/shape.h"

namespace plantune::layouts {

struct Dims4 {
  std::int64_t n = 1, c = 1, h = 1, w = 1;
  bool operator==(const Dims4&) const = default;
};

// "[N, C, H, W]".
std::string to_string(const Dims4& d);
// The dims of a rank-4 TensorShape (logical order); throws invalid_argument for another rank.
Dims4 dims4_from_shape(const TensorShape& s);
// Throws invalid_argument naming `what` unless every dim is >= 1.
void validate_dims(const Dims4& d, std::string_view what);

struct TensorLayout {
  Layout order = Layout::nchw;  // memory order (core's enum): nchw or nhwc
  int channel_align = 1;        // 1, 8 or 32: stored channels rounded up to a multiple (nhwc only)
  int fold = 1;                 // 1, or 2 for space-to-depth 2x2 (nhwc only)
  bool operator==(const TensorLayout&) const = default;
};

inline constexpr TensorLayout kNCHW{Layout::nchw, 1, 1};
inline constexpr TensorLayout kNHWC{Layout::nhwc, 1, 1};
inline constexpr TensorLayout kNHWC_C8{Layout::nhwc, 8, 1};
inline constexpr TensorLayout kNHWC_C32{Layout::nhwc, 32, 1};
inline constexpr TensorLayout kNHWC_S2D2{Layout::nhwc, 1, 2};
inline constexpr TensorLayout kNHWC_S2D2_C8{Layout::nhwc, 8, 2};
inline constexpr TensorLayout kNHWC_S2D2_C32{Layout::nhwc, 32, 2};
inline constexpr TensorLayout kKCRS = kNCHW;  // filter names for the same layouts
inline constexpr TensorLayout kKRSC = kNHWC;

// Every supported layout, in the order above.
inline constexpr TensorLayout kAllLayouts[] = {kNCHW,      kNHWC,         kNHWC_C8,      kNHWC_C32,
                                               kNHWC_S2D2, kNHWC_S2D2_C8, kNHWC_S2D2_C32};

// "nchw", "nhwc", "nhwc_c8", "nhwc_c32", "nhwc_s2d2", "nhwc_s2d2_c8", "nhwc_s2d2_c32".
std::string to_string(TensorLayout l);
// Accepts the names to_string returns; nullopt for anything else.
std::optional<TensorLayout> tensor_layout_from_string(std::string_view s);
// True for the combinations listed in kAllLayouts.
bool is_supported(TensorLayout l);
// Throws invalid_argument naming `what` and the fields when !is_supported(l).
void validate_layout(TensorLayout l, std::string_view what);

// round_up(7, 8) == 8; a >= 0, b >= 1; throws overflow.
std::int64_t round_up(std::int64_t a, std::int64_t b);

// The stored (memory-order) dims: nchw {N, C, H, W}; nhwc family {N, Hs, Ws, Cs} with
// Hs = ceil(H / fold), Ws = ceil(W / fold), Cs = round_up(fold*fold*C, channel_align).
std::array<std::int64_t, 4> stored_dims(const Dims4& d, TensorLayout l);
// Cs above (C for nchw).
std::int64_t stored_channels(const Dims4& d, TensorLayout l);
// Element count and bytes of the stored tensor (padding included); throw overflow.
std::int64_t stored_numel(const Dims4& d, TensorLayout l);
std::int64_t stored_bytes(const Dims4& d, TensorLayout l, DType t);
// Element offset of logical element (n, c, h, w) in the stored tensor (indices in range).
std::int64_t element_offset(const Dims4& d, TensorLayout l, std::int64_t n, std::int64_t c,
                            std::int64_t h, std::int64_t w);
// The folded tensor seen as a plain tensor: (N, 4C, ceil(H/2), ceil(W/2)). A tensor stored as
// nhwc_s2d2[_cX] with dims d is, byte for byte, nhwc[_cX] with dims folded_dims(d).
Dims4 folded_dims(const Dims4& d);

}  // namespace plantune::layouts
