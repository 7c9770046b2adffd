#include "plantune/core/graph_json.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "plantune/core/error.h"
#include "plantune/core/graph_builder.h"

namespace plantune {
namespace {

using nlohmann::json;
using Dims = std::vector<std::int64_t>;

const std::string kSourceDir = PLANTUNE_SOURCE_DIR;
const std::string kBinaryDir = PLANTUNE_BINARY_DIR;

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

// A small valid network; each error test breaks one thing in it.
json base_network() {
  return json::parse(R"({
    "format": "plantune-network", "version": 1, "name": "tiny",
    "inputs": [{"name": "x", "shape": [1, 8, 16, 16], "dtype": "fp32"}],
    "ops": [
      {"name": "c1", "kind": "conv2d", "inputs": ["x"],
       "attrs": {"out_channels": 8, "kernel_h": 3, "kernel_w": 3, "pad_h": 1, "pad_w": 1}},
      {"name": "r1", "kind": "activation", "inputs": ["c1"], "attrs": {"activation": "relu"}},
      {"name": "sum", "kind": "add", "inputs": ["r1", "x"]},
      {"name": "gap", "kind": "global_avg_pool", "inputs": ["sum"]},
      {"name": "fc", "kind": "fully_connected", "inputs": ["gap"], "output": "logits",
       "attrs": {"out_features": 10}, "shape": [1, 10]}
    ],
    "outputs": ["logits"]
  })");
}

// Loads `j` as source "bad.json" and returns the Error's message after checking its code and
// that it names the source and `subject` (an op or tensor).
std::string load_error(const json& j, ErrorCode code, const std::string& subject) {
  try {
    graph_from_json_string(j.dump(), "bad.json");
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.code(), code) << msg;
    EXPECT_EQ(msg.rfind("bad.json: ", 0), 0u) << msg;
    EXPECT_CONTAINS(msg, subject);
    return msg;
  }
  ADD_FAILURE() << "no Error for " << j.dump();
  return {};
}

// Every op kind, with non-default attributes where the builder allows.
Graph every_kind() {
  Graph g("every_kind");
  GraphBuilder b(g);
  TensorId x = b.input("image", {2, 4, 16, 16});
  TensorId c = b.conv("conv", x, 8, 3, 2, 1, 2, true, Activation::hard_swish, 1);
  ConvAttrs t;
  t.out_channels = 6;
  t.kernel_h = 3, t.kernel_w = 2;
  t.stride_h = t.stride_w = 2;
  t.pad_h = 1, t.pad_w = 0;
  t.output_pad_h = 1, t.output_pad_w = 0;
  t.bias = true;
  t.activation = Activation::relu;
  TensorId up = g.add_op("deconv", OpKind::conv_transpose2d, {c}, t, "deconv_out");
  TensorId bn = g.add_op("bn", OpKind::batch_norm, {up}, BatchNormAttrs{1e-3});
  TensorId a = b.act("act", bn, Activation::sigmoid);
  PoolAttrs p;
  p.kernel_h = 2, p.kernel_w = 4;
  p.stride_h = p.stride_w = 2;
  p.pad_h = 0, p.pad_w = 1;
  p.ceil_mode = true;  // (16 + 2 - 4) / 2 divides exactly: 8 either way
  TensorId mp = g.add_op("mp", OpKind::max_pool, {a}, p);
  TensorId ap = b.avg_pool("ap", a, 2, 2);
  TensorId s = b.add("sum", mp, ap, Activation::relu6);
  TensorId gp = b.global_avg_pool("gap", s);
  TensorId m = b.mul("scale", s, gp);
  TensorId cat = b.concat("cat", {m, s}, -3);
  TensorId us = b.upsample("us", cat, 2, UpsampleMode::bilinear);
  TensorId rs = b.reshape("rs", us, {2, -1, 16, 16});
  TensorId fl = b.flatten("flat", rs, 1);
  TensorId fc = b.fc("fc", fl, 10, false, Activation::silu);
  TensorId sm = b.softmax("sm", fc, -1);
  b.output(sm);
  b.output(cat);
  return g;
}

void expect_same_graph(const Graph& a, const Graph& b) {
  EXPECT_EQ(a.name(), b.name());
  ASSERT_EQ(a.tensors().size(), b.tensors().size());
  for (std::size_t i = 0; i < a.tensors().size(); ++i) {
    EXPECT_EQ(a.tensors()[i].name, b.tensors()[i].name) << i;
    EXPECT_EQ(a.tensors()[i].shape, b.tensors()[i].shape) << i;
    EXPECT_EQ(a.tensors()[i].dtype, b.tensors()[i].dtype) << i;
  }
  ASSERT_EQ(a.ops().size(), b.ops().size());
  for (std::size_t i = 0; i < a.ops().size(); ++i) {
    EXPECT_EQ(a.ops()[i].name, b.ops()[i].name) << i;
    EXPECT_EQ(a.ops()[i].kind, b.ops()[i].kind) << i;
    EXPECT_EQ(a.ops()[i].inputs, b.ops()[i].inputs) << i;
    EXPECT_EQ(a.ops()[i].output, b.ops()[i].output) << i;
    EXPECT_TRUE(a.ops()[i].attrs == b.ops()[i].attrs) << a.ops()[i].name;
  }
  EXPECT_EQ(a.inputs(), b.inputs());
  EXPECT_EQ(a.outputs(), b.outputs());
}

TEST(GraphJson, EveryKindRoundTrips) {
  Graph g = every_kind();
  ASSERT_EQ(g.ops().size(), 15u);
  for (int k = 0; k <= static_cast<int>(OpKind::upsample); ++k) {
    EXPECT_EQ(g.count(static_cast<OpKind>(k)), 1u) << to_string(static_cast<OpKind>(k));
  }
  json j = graph_to_json(g);
  Graph back = graph_from_json(j, "<roundtrip>");
  expect_same_graph(g, back);
  EXPECT_EQ(graph_to_json(back), j);
  // through text as well
  Graph again = graph_from_json_string(j.dump(2), "<text>");
  expect_same_graph(g, again);
}

TEST(GraphJson, WritesExpectedFields) {
  json j = graph_to_json(every_kind());
  EXPECT_EQ(j["format"], "plantune-network");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["inputs"][0], json::parse(R"({"name":"image","shape":[2,4,16,16],"dtype":"fp32"})"));
  const json& conv = j["ops"][0];
  EXPECT_EQ(conv["kind"], "conv2d");
  EXPECT_EQ(conv["inputs"], json::array({"image"}));
  EXPECT_EQ(conv["output"], "conv");
  EXPECT_EQ(conv["shape"], json::array({2, 8, 8, 8}));
  EXPECT_EQ(conv["attrs"], json::parse(R"({"out_channels": 8, "kernel_h": 3, "kernel_w": 3,
      "stride_h": 2, "stride_w": 2, "pad_h": 1, "pad_w": 1, "dilation_h": 1, "dilation_w": 1,
      "groups": 2, "bias": true, "activation": "hard_swish"})"));
  EXPECT_EQ(j["ops"][1]["attrs"]["output_pad_h"], 1);
  EXPECT_EQ(j["ops"][1]["output"], "deconv_out");
  EXPECT_EQ(j["ops"][7]["attrs"], json::object());  // global_avg_pool
  EXPECT_EQ(j["outputs"], json::array({"sm", "cat"}));
}

TEST(GraphJson, DefaultsFillOmittedFields) {
  Graph g = graph_from_json(base_network(), "base.json");
  EXPECT_EQ(g.name(), "tiny");
  const auto& conv = std::get<ConvAttrs>(g.ops()[0].attrs);
  EXPECT_EQ(conv.stride_h, 1);
  EXPECT_EQ(conv.groups, 1);
  EXPECT_FALSE(conv.bias);
  EXPECT_EQ(conv.activation, Activation::none);
  EXPECT_EQ(std::get<EltwiseAttrs>(g.ops()[2].attrs).activation, Activation::none);
  const auto& fc = std::get<FullyConnectedAttrs>(g.ops()[4].attrs);
  EXPECT_TRUE(fc.bias);
  EXPECT_EQ(g.tensor(*g.find_tensor("logits")).shape.dims, (Dims{1, 10}));
  // the same network built in code
  Graph h("tiny");
  GraphBuilder b(h);
  TensorId x = b.input("x", {1, 8, 16, 16});
  TensorId c = b.conv("c1", x, 8, 3);
  TensorId r = b.act("r1", c, Activation::relu);
  TensorId s = b.add("sum", r, x);
  TensorId p = b.global_avg_pool("gap", s);
  h.add_op("fc", OpKind::fully_connected, {p}, FullyConnectedAttrs{10}, "logits");
  h.mark_output(4 + 1);
  expect_same_graph(g, h);
  // name and dtype are optional too
  json j = base_network();
  j.erase("name");
  j["inputs"][0].erase("dtype");
  Graph d = graph_from_json(j, "min.json");
  EXPECT_EQ(d.name(), "network");
  EXPECT_EQ(d.tensor(0).dtype, DType::fp32);
}

TEST(GraphJson, DtypeAndLayoutOfInputs) {
  json j = base_network();
  j["inputs"][0]["dtype"] = "fp16";
  j["inputs"][0]["layout"] = "nhwc";
  Graph g = graph_from_json(j, "nhwc.json");
  EXPECT_EQ(g.tensor(0).dtype, DType::fp16);
  EXPECT_EQ(g.tensor(0).shape.layout, Layout::nhwc);
  EXPECT_EQ(g.tensor(1).shape, (TensorShape{{1, 8, 16, 16}, Layout::nhwc}));
  EXPECT_EQ(g.tensor(1).dtype, DType::fp16);
  json back = graph_to_json(g);
  EXPECT_EQ(back["inputs"][0]["layout"], "nhwc");
  expect_same_graph(g, graph_from_json(back, "again"));
}

// ---- one test per kind of bad input ----

TEST(GraphJsonErrors, NotJson) {
  try {
    graph_from_json_string("{\"format\": \"plantune-network\", \"ops\": [oops]}", "bad.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::parse_error);
    EXPECT_CONTAINS(e.what(), "bad.json: not valid JSON");
  }
  std::string path = kSourceDir + "/tests/core/data/garbage.json";
  try {
    load_graph(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::parse_error);
    EXPECT_CONTAINS(e.what(), path + ": not valid JSON");
  }
  EXPECT_THROW(graph_from_json_string("", "empty.json"), Error);
  json top = json::array();
  EXPECT_CONTAINS(load_error(top, ErrorCode::parse_error, "top level"), "expected an object");
}

TEST(GraphJsonErrors, MissingFields) {
  json j = base_network();
  j["ops"][0].erase("kind");
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "op 'c1'"),
                  "missing required field 'kind'");
  j = base_network();
  j["ops"][2].erase("inputs");
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "op 'sum' (add)"),
                  "missing required field 'inputs'");
  j = base_network();
  j["ops"][1].erase("name");
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "ops[1]"), "missing required field 'name'");
  j = base_network();
  j["inputs"][0].erase("shape");
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "input 'x'"),
                  "missing required field 'shape'");
  j = base_network();
  j["ops"][4]["attrs"].erase("out_features");
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "op 'fc' (fully_connected)"),
                  "missing required attribute 'out_features'");
  j = base_network();
  j.erase("outputs");
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "top level"),
                  "missing required field 'outputs'");
  j = base_network();
  j.erase("format");
  load_error(j, ErrorCode::parse_error, "missing required field 'format'");
}

TEST(GraphJsonErrors, WrongTypes) {
  json j = base_network();
  j["ops"][0]["attrs"]["stride_h"] = 2.0;
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "op 'c1' (conv2d)"),
                  "attribute 'stride_h': expected an integer, got number 2.0");
  j = base_network();
  j["ops"][0]["attrs"]["bias"] = 1;
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "op 'c1' (conv2d)"),
                  "attribute 'bias': expected true or false, got number");
  j = base_network();
  j["inputs"][0]["shape"] = json::parse(R"([1, "8", 16, 16])");
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "input 'x'"),
                  "shape dim 1: expected an integer, got string");
  j = base_network();
  j["ops"][2]["inputs"] = "r1";
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "op 'sum' (add)"),
                  "inputs: expected an array, got string");
  j = base_network();
  j["ops"][1]["attrs"]["activation"] = "swish";
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "op 'r1' (activation)"),
                  "unknown activation 'swish'");
  j = base_network();
  j["inputs"][0]["dtype"] = "float32";
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "input 'x'"), "unknown dtype 'float32'");
  j = base_network();
  j["ops"][3]["attrs"] = json::array();
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "op 'gap' (global_avg_pool)"),
                  "attrs: expected an object, got array");
  j = base_network();
  j["version"] = "1";
  load_error(j, ErrorCode::parse_error, "version: expected an integer");
}

TEST(GraphJsonErrors, NonPositiveDims) {
  json j = base_network();
  j["inputs"][0]["shape"] = {1, 0, 16, 16};
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "input 'x'"),
                  "dim 1 is 0; dims must be >= 1");
  j["inputs"][0]["shape"] = {1, 8, -16, 16};
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "input 'x'"), "dim 2 is -16");
  j = base_network();
  j["ops"][4]["shape"] = {1, 0};
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "op 'fc'"), "dim 1 is 0");
  j = base_network();
  j["inputs"][0]["shape"] = json::array();
  load_error(j, ErrorCode::parse_error, "input 'x'");
}

TEST(GraphJsonErrors, ShapesThatDoNotChain) {
  json j = base_network();
  j["ops"][4]["shape"] = {1, 11};
  EXPECT_CONTAINS(load_error(j, ErrorCode::invalid_argument, "op 'fc' (fully_connected)"),
                  "declared output shape [1, 11] but the inputs give [1, 10]");
  j = base_network();
  j["ops"][0]["attrs"]["out_channels"] = 16;  // then add(r1 [.,16,..], x [.,8,..])
  EXPECT_CONTAINS(load_error(j, ErrorCode::invalid_argument, "op 'sum' (add)"),
                  "inputs must have one shape, got [1, 16, 16, 16] and [1, 8, 16, 16]");
  j = base_network();
  j["ops"][0]["attrs"]["groups"] = 3;
  EXPECT_CONTAINS(load_error(j, ErrorCode::invalid_argument, "op 'c1' (conv2d)"),
                  "input has 8 channels but groups=3 does not divide it");
  std::string path = kSourceDir + "/tests/core/data/channel_mismatch.json";
  try {
    load_graph(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_CONTAINS(e.what(), path + ": op 'layer1.0.add' (add): inputs must have one shape");
  }
}

TEST(GraphJsonErrors, UseBeforeDefinitionAndCycles) {
  json j = base_network();
  std::swap(j["ops"][0], j["ops"][1]);  // relu reads c1 before c1 is defined
  EXPECT_CONTAINS(load_error(j, ErrorCode::invalid_argument, "op 'r1' (activation)"),
                  "input 'c1' is used before it is defined (by op 'c1', ops[1])");
  j = base_network();
  j["ops"][2]["inputs"][1] = "nowhere";
  EXPECT_CONTAINS(load_error(j, ErrorCode::invalid_argument, "op 'sum' (add)"),
                  "input 'nowhere' is not defined by any graph input or op");
  j = base_network();
  j["ops"][1]["inputs"][0] = "r1";
  EXPECT_CONTAINS(load_error(j, ErrorCode::invalid_argument, "op 'r1' (activation)"),
                  "input 'r1' is the op's own output (a cycle)");
  std::string path = kSourceDir + "/tests/core/data/cycle.json";
  try {
    load_graph(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_CONTAINS(e.what(), path + ": op 'a' (add): input 'b' is used before it is defined");
    EXPECT_CONTAINS(e.what(), "a cycle cannot be expressed");
  }
  j = base_network();
  j["outputs"] = {"ghost"};
  EXPECT_CONTAINS(load_error(j, ErrorCode::invalid_argument, "tensor 'ghost'"), "is not defined");
}

TEST(GraphJsonErrors, UnknownOpKind) {
  json j = base_network();
  j["ops"][0]["kind"] = "conv3d";
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "op 'c1'"),
                  "unknown op kind 'conv3d' (known: conv2d, conv_transpose2d");
}

TEST(GraphJsonErrors, DuplicateNames) {
  json j = base_network();
  j["inputs"].push_back(j["inputs"][0]);
  EXPECT_CONTAINS(load_error(j, ErrorCode::invalid_argument, "graph input 'x'"),
                  "a tensor of that name already exists");
  j = base_network();
  j["ops"][1]["name"] = "c1";
  j["ops"][1]["output"] = "r1";
  EXPECT_CONTAINS(load_error(j, ErrorCode::invalid_argument, "op 'c1' (activation)"),
                  "an op of that name already exists");
  j = base_network();
  j["ops"][1]["output"] = "x";
  EXPECT_CONTAINS(load_error(j, ErrorCode::invalid_argument, "op 'r1' (activation)"),
                  "output tensor 'x' already exists");
  j = base_network();
  j["outputs"] = {"logits", "logits"};
  EXPECT_CONTAINS(load_error(j, ErrorCode::invalid_argument, "tensor 'logits'"),
                  "already a graph output");
}

TEST(GraphJsonErrors, ByteCountOverflow) {
  json j = base_network();
  j["inputs"][0]["shape"] = {std::int64_t{1} << 62, 4};  // 2^64 elements
  EXPECT_CONTAINS(load_error(j, ErrorCode::overflow, "tensor 'x'"), "byte count overflows 64 bits");
  j["inputs"][0]["shape"] = {std::int64_t{1} << 61};  // 2^63 bytes of fp32
  load_error(j, ErrorCode::overflow, "tensor 'x'");
  j["inputs"][0]["shape"] = json::parse("[18446744073709551615]");
  EXPECT_CONTAINS(load_error(j, ErrorCode::overflow, "input 'x'"), "does not fit in 64 bits");
  // an op whose output grows past 64 bits: [1, 8, 16, 16] upsampled by 2^55 in H is
  // 2^66 bytes of fp32
  j = base_network();
  j["ops"][1] = json::parse(R"({"name": "big", "kind": "upsample", "inputs": ["c1"],
                                "attrs": {"scale_h": 36028797018963968, "scale_w": 1}})");
  EXPECT_CONTAINS(load_error(j, ErrorCode::overflow, "tensor 'big'"),
                  "byte count overflows 64 bits");
}

TEST(GraphJsonErrors, UnknownAttributeAndFieldNames) {
  json j = base_network();
  j["ops"][0]["attrs"]["strid_h"] = 2;
  j["ops"][0]["attrs"]["padding"] = "same";
  std::string msg = load_error(j, ErrorCode::parse_error, "op 'c1' (conv2d)");
  EXPECT_CONTAINS(msg, "unknown attribute(s) 'padding', 'strid_h'");
  EXPECT_CONTAINS(msg, "allowed: out_channels, kernel_h");
  j = base_network();
  j["ops"][0]["attrs"]["output_pad_h"] = 1;  // conv_transpose2d only
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "op 'c1' (conv2d)"),
                  "unknown attribute(s) 'output_pad_h'");
  j = base_network();
  j["ops"][3]["attrs"] = {{"keepdim", true}};
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "op 'gap' (global_avg_pool)"),
                  "unknown attribute(s) 'keepdim' (allowed: none)");
  j = base_network();
  j["ops"][2]["bias"] = true;  // an attribute outside attrs
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "op 'sum' (add)"),
                  "unknown field(s) 'bias'");
  j = base_network();
  j["inputs"][0]["format"] = "nchw";
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "input 'x'"), "unknown field(s) 'format'");
  j = base_network();
  j["extra"] = 1;
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "top level"), "unknown field(s) 'extra'");
}

TEST(GraphJsonErrors, FormatAndVersion) {
  json j = base_network();
  j["format"] = "onnx";
  EXPECT_CONTAINS(load_error(j, ErrorCode::parse_error, "format"),
                  "is 'onnx', expected 'plantune-network'");
  j = base_network();
  j["version"] = 2;
  EXPECT_CONTAINS(load_error(j, ErrorCode::not_supported, "version"),
                  "2 is not supported (this build reads version 1)");
  j = base_network();
  j["outputs"] = json::array();
  load_error(j, ErrorCode::parse_error, "outputs: must name at least one tensor");
}

TEST(GraphJsonFiles, MissingFileIsAnIoError) {
  std::string path = kBinaryDir + "/tests/core/no_such_dir/network.json";
  try {
    load_graph(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io_error);
    EXPECT_CONTAINS(e.what(), path + ": cannot open network file");
  }
  try {
    load_graph(kBinaryDir);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io_error);
    EXPECT_CONTAINS(e.what(), kBinaryDir + ": cannot open network file: it is a directory");
  }
  try {
    save_graph(every_kind(), path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io_error);
    EXPECT_CONTAINS(e.what(), path);
  }
}

TEST(GraphJsonFiles, SaveIsAtomicAndLoadsBack) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(kBinaryDir) / "tests/core/save_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string path = (dir / "net.json").string();
  {
    std::ofstream old(path);
    old << "previous contents";
  }
  Graph g = every_kind();
  save_graph(g, path);
  expect_same_graph(g, load_graph(path));
  // only the target remains: the temporary file was renamed into place
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    ++files;
    EXPECT_EQ(e.path().filename(), "net.json");
  }
  EXPECT_EQ(files, 1);
  // the text reads top-down: fixed key order, short values on one line
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str().rfind("{\n  \"format\": \"plantune-network\",\n  \"version\": 1,\n", 0), 0u)
      << text.str().substr(0, 200);
  EXPECT_CONTAINS(
      text.str(),
      "\n  \"inputs\": [{\"name\": \"image\", \"shape\": [2, 4, 16, 16], \"dtype\": \"fp32\"}],\n");
  EXPECT_CONTAINS(text.str(), "\n      \"attrs\": {\"epsilon\": 0.001},\n");
  EXPECT_EQ(graph_from_json_string(text.str(), path).ops().size(), 15u);
  // an invalid graph (no outputs) is refused and the previous file is untouched
  Graph no_out;
  no_out.add_input("x", TensorShape{{1}});
  EXPECT_THROW(save_graph(no_out, path), Error);
  expect_same_graph(g, load_graph(path));
}

// Writes the network that the schema check (check_schema.py) validates; ctest runs this test as
// the fixture `core_roundtrip_network`.
TEST(GraphJsonFiles, WritesRoundTripFile) {
  std::string path = kBinaryDir + "/tests/core/roundtrip_network.json";
  std::filesystem::create_directories(kBinaryDir + "/tests/core");
  Graph g = every_kind();
  save_graph(g, path);
  Graph back = load_graph(path);
  expect_same_graph(g, back);
  EXPECT_EQ(graph_to_json(back), graph_to_json(g));
}

// The example in docs/network-format.md loads and has the shapes the document states.
TEST(GraphJsonFiles, DocsExampleLoads) {
  std::ifstream in(kSourceDir + "/docs/network-format.md");
  ASSERT_TRUE(in) << "docs/network-format.md missing";
  std::stringstream text;
  text << in.rdbuf();
  std::string md = text.str();
  auto start = md.find("```json\n");
  ASSERT_NE(start, std::string::npos);
  start += 8;
  auto end = md.find("```", start);
  Graph g = graph_from_json_string(md.substr(start, end - start), "docs/network-format.md");
  EXPECT_EQ(g.name(), "tiny_resnet");
  EXPECT_EQ(g.tensor(g.outputs()[0]).shape.dims, (Dims{1, 10}));
  EXPECT_EQ(g.param_count(), 5242);  // as the document computes it
}

// The files the schema must reject are rejected by the reader too, naming the file.
TEST(GraphJsonFiles, SchemaBadFilesAreRejected) {
  namespace fs = std::filesystem;
  int n = 0;
  for (const auto& e : fs::directory_iterator(kSourceDir + "/tests/core/data")) {
    std::string name = e.path().filename().string();
    if (name.rfind("schema_bad_", 0) != 0) continue;
    ++n;
    try {
      load_graph(e.path().string());
      ADD_FAILURE() << name << " loaded";
    } catch (const Error& err) {
      EXPECT_CONTAINS(err.what(), name);
      EXPECT_TRUE(err.code() == ErrorCode::parse_error || err.code() == ErrorCode::not_supported)
          << err.what();
    }
  }
  EXPECT_EQ(n, 7);
}

}  // namespace
}  // namespace plantune
