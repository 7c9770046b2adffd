#pragma once
// The built-in network families, one source file each; registry.cpp is their only caller.
//
// Each family has a check that says what is wrong with an image size ("" when it suits), and a
// builder that assumes batch >= 1 and an image size the check accepted. Graphs take one input
// named "input" ([batch, 3, S, S] of `dtype`; every tensor inherits that dtype) and are named
// after the model. Op names follow the module paths of the reference PyTorch definitions.
#include <cstdint>
#include <string>

#include "plantune/core/graph.h"

namespace plantune::models::detail {

// resnet.cpp: torchvision resnet18 (basic blocks) and resnet50 (bottleneck v1.5).
std::string resnet_image_problem(std::int64_t image_size);
Graph build_resnet18(std::int64_t batch, std::int64_t image_size, DType dtype);
Graph build_resnet50(std::int64_t batch, std::int64_t image_size, DType dtype);

// vgg.cpp: torchvision vgg19 (configuration E, no batch norm).
std::string vgg_image_problem(std::int64_t image_size);
Graph build_vgg19(std::int64_t batch, std::int64_t image_size, DType dtype);

// mobilenet_v2.cpp: torchvision mobilenet_v2, width 1.0.
std::string mobilenet_v2_image_problem(std::int64_t image_size);
Graph build_mobilenet_v2(std::int64_t batch, std::int64_t image_size, DType dtype);

// unet.cpp: the brain MRI segmentation U-Net (3 -> 1 channels, 32 initial features).
std::string unet_image_problem(std::int64_t image_size);
Graph build_unet(std::int64_t batch, std::int64_t image_size, DType dtype);

}  // namespace plantune::models::detail
