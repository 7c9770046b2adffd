// MobileNetV2 as torchvision defines it (torchvision/models/mobilenetv2.py), width multiplier 1.0:
// a 3x3 stem, 17 inverted residual blocks, a 1x1 conv to 1280 channels, global average pooling and
// the 1280 -> 1000 classifier (its Dropout omitted: an identity at inference). BatchNorm2d is a
// batch_norm op and ReLU6 an activation op. Names are torchvision's module paths
// ("features.2.conv.1.0" is block 2's depthwise conv); a residual sum is "features.<i>.add".
#include <string>

#include "builders.h"
#include "plantune/core/graph_builder.h"

namespace plantune::models::detail {

namespace {

constexpr std::int64_t kMinImageSize = 32;  // the network downsamples by 32
constexpr std::int64_t kClasses = 1000;
constexpr std::int64_t kStemChannels = 32;
constexpr std::int64_t kLastChannels = 1280;

// torchvision's inverted_residual_setting: expansion t, output channels c, repeats n, stride s.
struct Stage {
  std::int64_t t, c, n, s;
};
constexpr Stage kStages[] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                             {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};

// Conv2dNormActivation: conv (no bias) "<p>0", BN "<p>1", ReLU6 "<p>2".
TensorId conv_bn_relu6(GraphBuilder& b, const std::string& p, TensorId x, std::int64_t out,
                       std::int64_t k, std::int64_t stride, std::int64_t groups = 1) {
  x = b.conv(p + "0", x, out, k, stride, -1, groups);
  x = b.batch_norm(p + "1", x);
  return b.act(p + "2", x, Activation::relu6);
}

TensorId inverted_residual(GraphBuilder& b, const std::string& p, TensorId x, std::int64_t in,
                           std::int64_t out, std::int64_t stride, std::int64_t expand) {
  const std::int64_t hidden = in * expand;
  int layer = 0;  // position in the block's `conv` Sequential
  TensorId y = x;
  if (expand != 1) {
    y = conv_bn_relu6(b, p + "conv." + std::to_string(layer++) + ".", y, hidden, 1, 1);
  }
  y = conv_bn_relu6(b, p + "conv." + std::to_string(layer++) + ".", y, hidden, 3, stride, hidden);
  y = b.conv(p + "conv." + std::to_string(layer++), y, out, 1);  // linear bottleneck
  y = b.batch_norm(p + "conv." + std::to_string(layer++), y);
  if (stride == 1 && in == out) y = b.add(p + "add", x, y);
  return y;
}

}  // namespace

std::string mobilenet_v2_image_problem(std::int64_t image_size) {
  if (image_size < kMinImageSize) {
    return "must be at least " + std::to_string(kMinImageSize) + " (the network downsamples by 32)";
  }
  return {};
}

Graph build_mobilenet_v2(std::int64_t batch, std::int64_t image_size, DType dtype) {
  Graph g("mobilenet_v2");
  GraphBuilder b(g);
  TensorId x = b.input("input", {batch, 3, image_size, image_size}, dtype);
  x = conv_bn_relu6(b, "features.0.", x, kStemChannels, 3, 2);
  std::int64_t channels = kStemChannels;
  int index = 1;  // position in `features`
  for (const Stage& st : kStages) {
    for (std::int64_t i = 0; i < st.n; ++i) {
      x = inverted_residual(b, "features." + std::to_string(index++) + ".", x, channels, st.c,
                            i == 0 ? st.s : 1, st.t);
      channels = st.c;
    }
  }
  x = conv_bn_relu6(b, "features." + std::to_string(index) + ".", x, kLastChannels, 1, 1);
  x = b.global_avg_pool("avgpool", x);  // adaptive_avg_pool2d(x, (1, 1))
  x = b.flatten("flatten", x);
  x = b.fc("classifier.1", x, kClasses);
  b.output(x);
  return g;
}

}  // namespace plantune::models::detail
