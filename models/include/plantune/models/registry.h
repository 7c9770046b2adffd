#pragma once
// Built-in networks constructed in code, parameterised by batch and image size, and the one
// entry point that opens a model by name or a network JSON file by path.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plantune/core/graph.h"

namespace plantune::models {

struct ModelOptions {
  std::int64_t batch = 0;       // 0: the model's own (1 for built-ins, a network file's as written)
  std::int64_t image_size = 0;  // 0: the model's default (224, or 256 for unet)
  DType dtype = DType::fp32;
};

struct ModelInfo {
  std::string name;           // "resnet50"
  std::string description;    // one line
  std::int64_t default_image_size;
};

// Every built-in, in a stable order.
const std::vector<ModelInfo>& builtin_models();
bool is_builtin(std::string_view name);
// Throws invalid_argument listing the known names when `name` is not a built-in, and when the
// batch is negative or the image size is (or too small for the network's downsampling).
Graph build_model(std::string_view name, const ModelOptions& opts = {});
// A built-in name, or a path to a network JSON file (a batch > 0 then overrides dim 0 of every
// input when it differs from the file's; 0 keeps the file's; image_size is ignored for files).
Graph load_network(const std::string& name_or_path, const ModelOptions& opts = {});

}  // namespace plantune::models
