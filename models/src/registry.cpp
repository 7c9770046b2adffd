#include "plantune/models/registry.h"

#include <filesystem>
#include <sstream>

#include "builders.h"
#include "plantune/core/error.h"
#include "plantune/core/graph_json.h"

namespace plantune::models {

namespace {

struct Entry {
  ModelInfo info;
  std::string (*image_problem)(std::int64_t);
  Graph (*build)(std::int64_t batch, std::int64_t image_size, DType dtype);
};

const std::vector<Entry>& entries() {
  static const std::vector<Entry> kEntries = {
      {{"resnet18", "ResNet-18 (torchvision): basic blocks, ImageNet classifier", 224},
       detail::resnet_image_problem,
       detail::build_resnet18},
      {{"resnet50", "ResNet-50 v1.5 (torchvision): bottlenecks, stride on the 3x3", 224},
       detail::resnet_image_problem,
       detail::build_resnet50},
      {{"vgg19", "VGG-19 (torchvision, no batch norm): 16 convs, 3 fully connected", 224},
       detail::vgg_image_problem,
       detail::build_vgg19},
      {{"mobilenet_v2", "MobileNetV2 1.0 (torchvision): inverted residuals, ReLU6", 224},
       detail::mobilenet_v2_image_problem,
       detail::build_mobilenet_v2},
      {{"unet", "U-Net for brain MRI segmentation: 3 -> 1 channels, 32 features, sigmoid", 256},
       detail::unet_image_problem,
       detail::build_unet},
  };
  return kEntries;
}

std::string known_names() {
  std::string s;
  for (const auto& e : entries()) s += (s.empty() ? "" : ", ") + e.info.name;
  return s;
}

const Entry* find(std::string_view name) {
  for (const auto& e : entries()) {
    if (e.info.name == name) return &e;
  }
  return nullptr;
}

// The same graph with dim 0 of every input set to `batch`; ops are re-added in order, so their
// shapes are inferred again (an op that cannot take the new batch, such as a reshape with a
// fixed leading dim, reports itself).
Graph with_batch(const Graph& src, std::int64_t batch) {
  Graph g(src.name());
  const auto& tensors = src.tensors();
  // Tensor ids increase with creation, and every op creates one: re-creating the tensors in id
  // order re-adds inputs and ops in their original order, with the same ids.
  for (std::size_t t = 0; t < tensors.size(); ++t) {
    auto id = static_cast<TensorId>(t);
    if (auto p = src.producer(id)) {
      const Op& op = src.ops()[*p];
      g.add_op(op.name, op.kind, op.inputs, op.attrs, tensors[t].name);
    } else {
      TensorShape shape = tensors[t].shape;
      PT_REQUIRE(!shape.dims.empty(), invalid_argument,
                 "graph input '" << tensors[t].name << "' has rank 0 and no batch dim");
      shape.dims[0] = batch;
      g.add_input(tensors[t].name, std::move(shape), tensors[t].dtype);
    }
  }
  for (TensorId t : src.outputs()) g.mark_output(t);
  return g;
}

}  // namespace

const std::vector<ModelInfo>& builtin_models() {
  static const std::vector<ModelInfo> kInfos = [] {
    std::vector<ModelInfo> v;
    for (const auto& e : entries()) v.push_back(e.info);
    return v;
  }();
  return kInfos;
}

bool is_builtin(std::string_view name) { return find(name) != nullptr; }

Graph build_model(std::string_view name, const ModelOptions& opts) {
  const Entry* e = find(name);
  PT_REQUIRE(e != nullptr, invalid_argument,
             "unknown model '" << name << "'; built-in models: " << known_names());
  const std::int64_t size = opts.image_size == 0 ? e->info.default_image_size : opts.image_size;
  std::vector<std::string> problems;
  if (opts.batch < 0) problems.push_back("batch must be > 0, got " + std::to_string(opts.batch));
  if (size < 0) {
    problems.push_back("image size must be > 0 (or 0 for the default " +
                       std::to_string(e->info.default_image_size) + "), got " +
                       std::to_string(size));
  } else if (std::string p = e->image_problem(size); !p.empty()) {
    problems.push_back("image size " + std::to_string(size) + " " + p);
  }
  if (!problems.empty()) {
    std::ostringstream msg;
    msg << "model '" << name << "': ";
    for (std::size_t i = 0; i < problems.size(); ++i) msg << (i ? "; " : "") << problems[i];
    PT_FAIL(invalid_argument, msg.str());
  }
  return e->build(opts.batch == 0 ? 1 : opts.batch, size, opts.dtype);
}

Graph load_network(const std::string& name_or_path, const ModelOptions& opts) {
  if (is_builtin(name_or_path)) return build_model(name_or_path, opts);
  std::error_code ec;
  if (!std::filesystem::exists(name_or_path, ec)) {
    PT_FAIL(invalid_argument, "'" << name_or_path
                                  << "' is neither a built-in model nor an existing network "
                                     "file; built-in models: "
                                  << known_names());
  }
  PT_REQUIRE(opts.batch >= 0, invalid_argument,
             "network '" << name_or_path << "': batch must be > 0, got " << opts.batch);
  Graph g = load_graph(name_or_path);
  if (opts.batch == 0) return g;  // the file's own
  bool same = true;
  for (TensorId t : g.inputs()) same = same && g.tensor(t).shape.dims.at(0) == opts.batch;
  if (same) return g;
  try {
    return with_batch(g, opts.batch);
  } catch (const Error& err) {
    throw Error(err.code(), "network '" + name_or_path + "': cannot set the batch to " +
                                std::to_string(opts.batch) + ": " + err.what());
  }
}

}  // namespace plantune::models
