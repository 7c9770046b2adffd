// VGG-19 as torchvision defines it (torchvision/models/vgg.py, configuration "E", no batch norm):
// sixteen 3x3 convolutions with bias and ReLU, five 2x2 max pools, AdaptiveAvgPool2d((7, 7)), and
// the classifier 25088 -> 4096 -> 4096 -> 1000 with ReLU (the two Dropout layers are omitted:
// they are identities at inference). Names are torchvision's module paths ("features.0",
// "classifier.6").
//
// AdaptiveAvgPool2d((7, 7)) is representable when the feature map after the five pools,
// floor(S / 32), is a multiple of 7: it is then avg_pool with kernel = stride = floor(S / 32) / 7.
// At 224 (a 7x7 map) it is the identity and no op is emitted; other sizes (e.g. 256) are refused.
#include <string>

#include "builders.h"
#include "plantune/core/graph_builder.h"

namespace plantune::models::detail {

namespace {

constexpr std::int64_t kPooledSize = 7;  // AdaptiveAvgPool2d((7, 7))
constexpr std::int64_t kClasses = 1000;
constexpr std::int64_t kPool = -1;  // marks a max pool in kConfigE
// clang-format off
constexpr std::int64_t kConfigE[] = {
    64, 64, kPool,
    128, 128, kPool,
    256, 256, 256, 256, kPool,
    512, 512, 512, 512, kPool,
    512, 512, 512, 512, kPool};
// clang-format on

}  // namespace

std::string vgg_image_problem(std::int64_t image_size) {
  const std::int64_t map = image_size / 32;  // five floor-halvings
  if (map < kPooledSize || map % kPooledSize != 0) {
    std::string side = std::to_string(map);
    return "gives " + side + "x" + side +
           " feature maps after the five max pools; floor(S/32) must be a multiple of 7 "
           "(e.g. S = 224 or 448) for AdaptiveAvgPool2d((7, 7)) to be a uniform average pool";
  }
  return {};
}

Graph build_vgg19(std::int64_t batch, std::int64_t image_size, DType dtype) {
  Graph g("vgg19");
  GraphBuilder b(g);
  TensorId x = b.input("input", {batch, 3, image_size, image_size}, dtype);
  int index = 0;  // position in torchvision's `features` Sequential
  for (std::int64_t v : kConfigE) {
    if (v == kPool) {
      x = b.max_pool("features." + std::to_string(index++), x, 2, 2);
      continue;
    }
    x = b.conv("features." + std::to_string(index++), x, v, 3, 1, 1, 1, /*bias=*/true);
    x = b.act("features." + std::to_string(index++), x, Activation::relu);
  }
  const std::int64_t window = g.tensor(x).shape.dims[2] / kPooledSize;
  if (window > 1) x = b.avg_pool("avgpool", x, window, window);
  x = b.flatten("flatten", x);
  x = b.fc("classifier.0", x, 4096);
  x = b.act("classifier.1", x, Activation::relu);
  x = b.fc("classifier.3", x, 4096);
  x = b.act("classifier.4", x, Activation::relu);
  x = b.fc("classifier.6", x, kClasses);
  b.output(x);
  return g;
}

}  // namespace plantune::models::detail
