// ResNet-18 and ResNet-50 as torchvision defines them (torchvision/models/resnet.py), in
// inference form: every BatchNorm2d is a batch_norm op and every ReLU an activation op.
//
// Names are torchvision's module paths ("layer2.0.conv1", "layer2.0.downsample.0"). torchvision
// applies one `relu` module several times per block; here each application is its own op, numbered
// after the stage it follows ("relu1" after bn1, ...), and the residual sum is "<block>.add".
// Ops appear in torchvision's forward order: the main path, then the downsample, then the add.
#include <string>

#include "builders.h"
#include "plantune/core/graph_builder.h"

namespace plantune::models::detail {

namespace {

constexpr std::int64_t kMinImageSize = 32;  // the network downsamples by 32
constexpr std::int64_t kClasses = 1000;

struct ResNet {
  GraphBuilder& b;
  std::int64_t in_channels = 64;  // channels entering the next block

  TensorId conv_bn(const std::string& prefix, int i, TensorId x, std::int64_t out, std::int64_t k,
                   std::int64_t stride) {
    const std::string n = std::to_string(i);
    x = b.conv(prefix + "conv" + n, x, out, k, stride);
    return b.batch_norm(prefix + "bn" + n, x);
  }

  // Projection shortcut when the block changes resolution or width, else identity.
  TensorId shortcut(const std::string& prefix, TensorId x, std::int64_t out, std::int64_t stride) {
    if (stride == 1 && in_channels == out) return x;
    x = b.conv(prefix + "downsample.0", x, out, 1, stride);
    return b.batch_norm(prefix + "downsample.1", x);
  }

  TensorId basic_block(const std::string& prefix, TensorId x, std::int64_t planes,
                       std::int64_t stride) {
    TensorId y = conv_bn(prefix, 1, x, planes, 3, stride);
    y = b.act(prefix + "relu1", y, Activation::relu);
    y = conv_bn(prefix, 2, y, planes, 3, 1);
    TensorId identity = shortcut(prefix, x, planes, stride);
    y = b.add(prefix + "add", y, identity);
    in_channels = planes;
    return b.act(prefix + "relu2", y, Activation::relu);
  }

  // Bottleneck v1.5: the stride sits on the 3x3 convolution.
  TensorId bottleneck(const std::string& prefix, TensorId x, std::int64_t planes,
                      std::int64_t stride) {
    const std::int64_t out = planes * 4;
    TensorId y = conv_bn(prefix, 1, x, planes, 1, 1);
    y = b.act(prefix + "relu1", y, Activation::relu);
    y = conv_bn(prefix, 2, y, planes, 3, stride);
    y = b.act(prefix + "relu2", y, Activation::relu);
    y = conv_bn(prefix, 3, y, out, 1, 1);
    TensorId identity = shortcut(prefix, x, out, stride);
    y = b.add(prefix + "add", y, identity);
    in_channels = out;
    return b.act(prefix + "relu3", y, Activation::relu);
  }
};

Graph build_resnet(const std::string& name, std::int64_t batch, std::int64_t image_size,
                   DType dtype, const int (&blocks)[4], bool use_bottleneck) {
  Graph g(name);
  GraphBuilder b(g);
  ResNet net{b};
  TensorId x = b.input("input", {batch, 3, image_size, image_size}, dtype);
  x = b.conv("conv1", x, 64, 7, 2, 3);
  x = b.batch_norm("bn1", x);
  x = b.act("relu", x, Activation::relu);
  x = b.max_pool("maxpool", x, 3, 2, 1);
  const std::int64_t planes[4] = {64, 128, 256, 512};
  for (int layer = 0; layer < 4; ++layer) {
    for (int i = 0; i < blocks[layer]; ++i) {
      const std::string prefix =
          "layer" + std::to_string(layer + 1) + "." + std::to_string(i) + ".";
      const std::int64_t stride = (layer > 0 && i == 0) ? 2 : 1;
      x = use_bottleneck ? net.bottleneck(prefix, x, planes[layer], stride)
                         : net.basic_block(prefix, x, planes[layer], stride);
    }
  }
  x = b.global_avg_pool("avgpool", x);  // AdaptiveAvgPool2d((1, 1))
  x = b.flatten("flatten", x);
  x = b.fc("fc", x, kClasses);
  b.output(x);
  return g;
}

}  // namespace

std::string resnet_image_problem(std::int64_t image_size) {
  if (image_size < kMinImageSize) {
    return "must be at least " + std::to_string(kMinImageSize) + " (the network downsamples by 32)";
  }
  return {};
}

Graph build_resnet18(std::int64_t batch, std::int64_t image_size, DType dtype) {
  return build_resnet("resnet18", batch, image_size, dtype, {2, 2, 2, 2}, false);
}

Graph build_resnet50(std::int64_t batch, std::int64_t image_size, DType dtype) {
  return build_resnet("resnet50", batch, image_size, dtype, {3, 4, 6, 3}, true);
}

}  // namespace plantune::models::detail
