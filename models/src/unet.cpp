// The U-Net for brain MRI segmentation (mateuszbuda/brain-segmentation-pytorch, unet.py):
// 3 input channels, 1 output channel, 32 initial features, 256x256 by default.
//
// Four encoder blocks and a bottleneck, each conv3x3 (no bias) + BN + ReLU twice; 2x2 max pools
// between them; four decoders, each a ConvTranspose2d (k=2, s=2, bias) whose output is
// concatenated with the matching encoder output along channels (upconv first) and fed to a block;
// a final 1x1 conv with bias and a sigmoid. Names are the reference's module paths
// ("encoder1.enc1conv1", "decoder4.dec4norm2", "upconv4", "conv"); a concatenation is "concat<i>".
#include <string>

#include "builders.h"
#include "plantune/core/graph_builder.h"

namespace plantune::models::detail {

namespace {

constexpr std::int64_t kFeatures = 32;
constexpr std::int64_t kInChannels = 3;
constexpr std::int64_t kOutChannels = 1;
constexpr int kLevels = 4;                       // pools, and upconvs
constexpr std::int64_t kDivisor = 1 << kLevels;  // 16: every level must halve exactly

// UNet._block: "<module>.<tag>conv1", norm1, relu1, conv2, norm2, relu2.
TensorId block(GraphBuilder& b, const std::string& module, const std::string& tag, TensorId x,
               std::int64_t features) {
  const std::string p = module + "." + tag;
  for (int i = 1; i <= 2; ++i) {
    const std::string n = std::to_string(i);
    x = b.conv(p + "conv" + n, x, features, 3, 1, 1);
    x = b.batch_norm(p + "norm" + n, x);
    x = b.act(p + "relu" + n, x, Activation::relu);
  }
  return x;
}

}  // namespace

std::string unet_image_problem(std::int64_t image_size) {
  if (image_size < kDivisor || image_size % kDivisor != 0) {
    return "must be a positive multiple of " + std::to_string(kDivisor) +
           " (four 2x2 pools, and each upsampled map must match its encoder's for the concat)";
  }
  return {};
}

Graph build_unet(std::int64_t batch, std::int64_t image_size, DType dtype) {
  Graph g("unet");
  GraphBuilder b(g);
  TensorId x = b.input("input", {batch, kInChannels, image_size, image_size}, dtype);
  TensorId enc[kLevels];
  for (int i = 0; i < kLevels; ++i) {
    const std::string n = std::to_string(i + 1);
    if (i > 0) x = b.max_pool("pool" + std::to_string(i), x, 2, 2);
    enc[i] = x = block(b, "encoder" + n, "enc" + n, x, kFeatures << i);
  }
  x = b.max_pool("pool" + std::to_string(kLevels), x, 2, 2);
  x = block(b, "bottleneck", "bottleneck", x, kFeatures << kLevels);
  for (int i = kLevels - 1; i >= 0; --i) {
    const std::string n = std::to_string(i + 1);
    x = b.conv_transpose("upconv" + n, x, kFeatures << i, 2, 2, /*bias=*/true);
    x = b.concat("concat" + n, {x, enc[i]}, 1);
    x = block(b, "decoder" + n, "dec" + n, x, kFeatures << i);
  }
  x = b.conv("conv", x, kOutChannels, 1, 1, 0, 1, /*bias=*/true);
  x = b.act("sigmoid", x, Activation::sigmoid);
  b.output(x);
  return g;
}

}  // namespace plantune::models::detail
