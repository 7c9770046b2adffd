// The registry: the list of built-ins, option checking with errors that say what is wrong, every
// built-in graph valid, and load_network on names and on network JSON files.
#include "plantune/models/registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "model_test_util.h"
#include "plantune/core/graph_builder.h"
#include "plantune/core/graph_json.h"

namespace plantune::models {
namespace {

using namespace plantune::models::testing;
using Dims = std::vector<std::int64_t>;

// A file path in the test temp dir, unique to this process, removed at scope exit.
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& name)
      : path(::testing::TempDir() + "plantune_models_" + std::to_string(::getpid()) + "_" + name) {}
  ~TempFile() { std::filesystem::remove(path); }
};

TEST(Registry, ListsTheBuiltinsInAStableOrderWithDefaultSizes) {
  const auto& models = builtin_models();
  ASSERT_EQ(models.size(), 5u);
  const char* names[] = {"resnet18", "resnet50", "vgg19", "mobilenet_v2", "unet"};
  const std::int64_t sizes[] = {224, 224, 224, 224, 256};
  for (std::size_t i = 0; i < models.size(); ++i) {
    EXPECT_EQ(models[i].name, names[i]);
    EXPECT_EQ(models[i].default_image_size, sizes[i]) << names[i];
    EXPECT_FALSE(models[i].description.empty()) << names[i];
    EXPECT_TRUE(is_builtin(names[i]));
  }
  EXPECT_FALSE(is_builtin("resnet"));
  EXPECT_FALSE(is_builtin(""));
}

TEST(Registry, EveryBuiltinIsValidAtItsDefaultsAndAtAnotherBatchAndDtype) {
  for (const auto& m : builtin_models()) {
    Graph g = build_model(m.name);
    EXPECT_NO_THROW(g.validate()) << m.name;
    EXPECT_EQ(g.name(), m.name);
    ASSERT_EQ(g.inputs().size(), 1u) << m.name;
    const Tensor& in = g.tensor(g.inputs()[0]);
    EXPECT_EQ(in.name, "input");
    EXPECT_EQ(in.shape.dims, (Dims{1, 3, m.default_image_size, m.default_image_size})) << m.name;

    ModelOptions opts;
    opts.batch = 3;
    opts.dtype = DType::fp16;
    Graph h = build_model(m.name, opts);
    EXPECT_NO_THROW(h.validate()) << m.name;
    EXPECT_EQ(h.macs(), 3 * g.macs()) << m.name;
    EXPECT_EQ(h.param_count(), g.param_count()) << m.name;
    EXPECT_EQ(h.ops().size(), g.ops().size()) << m.name;
    for (const auto& t : h.tensors()) {
      EXPECT_EQ(t.dtype, DType::fp16) << m.name << " " << t.name;
      EXPECT_EQ(t.shape.dims.at(0), 3) << m.name << " " << t.name;
    }
  }
}

TEST(Registry, UnknownNameListsTheKnownNames) {
  std::string msg = error_of([] { build_model("resnet101"); });
  EXPECT_CONTAINS(msg, "unknown model 'resnet101'");
  EXPECT_CONTAINS(msg, "resnet18, resnet50, vgg19, mobilenet_v2, unet");
}

TEST(Registry, BadOptionsAreAllListedInOneError) {
  ModelOptions opts;
  opts.batch = -1;
  opts.image_size = 100;
  std::string msg = error_of([&] { build_model("unet", opts); });
  EXPECT_CONTAINS(msg, "model 'unet'");
  EXPECT_CONTAINS(msg, "batch must be > 0, got -1");
  EXPECT_CONTAINS(msg, "image size 100 must be a positive multiple of 16");

  opts.batch = -2;
  opts.image_size = -5;
  msg = error_of([&] { build_model("resnet18", opts); });
  EXPECT_CONTAINS(msg, "batch must be > 0, got -2");
  EXPECT_CONTAINS(msg, "image size must be > 0 (or 0 for the default 224), got -5");
}

TEST(Registry, LoadNetworkByNameIsBuildModel) {
  ModelOptions opts;
  opts.batch = 2;
  Graph a = load_network("mobilenet_v2", opts);
  Graph b = build_model("mobilenet_v2", opts);
  EXPECT_EQ(a.ops().size(), b.ops().size());
  EXPECT_EQ(a.macs(), b.macs());
  EXPECT_EQ(a.tensor(a.outputs()[0]).shape.dims, (Dims{2, 1000}));
}

TEST(Registry, LoadNetworkReadsAJsonFileAndOverridesItsBatch) {
  TempFile file("resnet18.json");
  Graph built = build_model("resnet18");
  save_graph(built, file.path);

  Graph same = load_network(file.path);  // batch 1 = the file's
  EXPECT_EQ(same.name(), "resnet18");
  EXPECT_EQ(same.ops().size(), built.ops().size());
  EXPECT_EQ(same.param_count(), 11'689'512);
  EXPECT_EQ(same.macs(), built.macs());

  ModelOptions opts;
  opts.batch = 4;
  opts.image_size = 999;  // ignored for files
  Graph four = load_network(file.path, opts);
  EXPECT_NO_THROW(four.validate());
  EXPECT_EQ(four.tensor(four.inputs()[0]).shape.dims, (Dims{4, 3, 224, 224}));
  EXPECT_EQ(four.tensor(four.outputs()[0]).shape.dims, (Dims{4, 1000}));
  EXPECT_EQ(four.macs(), 4 * built.macs());
  EXPECT_EQ(four.param_count(), built.param_count());
  ASSERT_EQ(four.ops().size(), built.ops().size());
  for (std::size_t i = 0; i < four.ops().size(); ++i) {
    EXPECT_EQ(four.ops()[i].name, built.ops()[i].name);
    EXPECT_EQ(four.ops()[i].inputs, built.ops()[i].inputs);
  }
}

TEST(Registry, ABatchAFileCannotTakeIsReportedWithTheOp) {
  Graph g("fixed");
  GraphBuilder b(g);
  TensorId x = b.input("x", {2, 8, 4, 4});
  x = b.reshape("to_rows", x, {2, 128});
  b.output(b.fc("fc", x, 10));
  TempFile file("fixed.json");
  save_graph(g, file.path);
  // No batch asked: the file's own (2), which a rebatch to 1 could not have given.
  EXPECT_EQ(load_network(file.path).tensor(2).shape.dims, (Dims{2, 10}));
  ModelOptions opts;
  opts.batch = 3;
  std::string msg = error_of([&] { load_network(file.path, opts); });
  EXPECT_CONTAINS(msg, "cannot set the batch to 3");
  EXPECT_CONTAINS(msg, "to_rows");
  opts.batch = 2;
  EXPECT_EQ(load_network(file.path, opts).tensor(2).shape.dims, (Dims{2, 10}));
}

TEST(Registry, NeitherAModelNorAFileSaysSo) {
  std::string msg = error_of([] { load_network("resnet5"); });
  EXPECT_CONTAINS(msg, "'resnet5' is neither a built-in model nor an existing network file");
  EXPECT_CONTAINS(msg, "resnet18, resnet50");
}

TEST(Registry, AFileThatIsNotJsonIsAParseError) {
  TempFile file("broken.json");
  std::ofstream(file.path) << "{ \"ops\": [ not json";
  std::string msg = error_of([&] { load_network(file.path); }, ErrorCode::parse_error);
  EXPECT_CONTAINS(msg, file.path);
}

}  // namespace
}  // namespace plantune::models
