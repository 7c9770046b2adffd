#include "plantune/core/graph.h"

#include <gtest/gtest.h>

#include <string>

#include "plantune/core/error.h"

namespace plantune {
namespace {

using Dims = std::vector<std::int64_t>;

template <class F>
std::string error_of(F&& f, ErrorCode code = ErrorCode::invalid_argument) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no Error thrown";
  return {};
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

ConvAttrs conv3x3(std::int64_t k) {
  ConvAttrs a;
  a.out_channels = k;
  a.kernel_h = a.kernel_w = 3;
  a.pad_h = a.pad_w = 1;
  return a;
}

// x -> conv -> bn -> relu -> add(x) -> gap -> fc
//   tensors: 0 x, 1 conv, 2 bn, 3 relu, 4 res, 5 gap, 6 logits
Graph small_block() {
  Graph g("block");
  TensorId x = g.add_input("x", TensorShape{{2, 16, 8, 8}});
  TensorId c = g.add_op("conv", OpKind::conv2d, {x}, conv3x3(16));
  TensorId b = g.add_op("bn", OpKind::batch_norm, {c}, BatchNormAttrs{});
  TensorId r = g.add_op("relu", OpKind::activation, {b}, ActivationAttrs{Activation::relu});
  TensorId s = g.add_op("res", OpKind::add, {r, x}, EltwiseAttrs{Activation::relu});
  TensorId p = g.add_op("gap", OpKind::global_avg_pool, {s}, NoAttrs{});
  TensorId y =
      g.add_op("fc", OpKind::fully_connected, {p}, FullyConnectedAttrs{10, true}, "logits");
  g.mark_output(y);
  return g;
}

TEST(Graph, BuildsTensorsAndOpsInOrder) {
  Graph g = small_block();
  EXPECT_EQ(g.name(), "block");
  ASSERT_EQ(g.tensors().size(), 7u);
  ASSERT_EQ(g.ops().size(), 6u);
  EXPECT_EQ(g.inputs(), (std::vector<TensorId>{0}));
  EXPECT_EQ(g.outputs(), (std::vector<TensorId>{6}));
  EXPECT_EQ(g.tensor(6).name, "logits");
  EXPECT_EQ(g.ops()[5].name, "fc");
  EXPECT_EQ(g.ops()[5].output, 6);
  EXPECT_EQ(g.tensor(4).shape.dims, (Dims{2, 16, 8, 8}));
  EXPECT_EQ(g.tensor(5).shape.dims, (Dims{2, 16, 1, 1}));
  EXPECT_EQ(g.tensor(6).shape.dims, (Dims{2, 10}));
  EXPECT_EQ(g.find_tensor("relu"), 3);
  EXPECT_EQ(g.find_tensor("fc"), std::nullopt);  // output renamed to "logits"
  EXPECT_EQ(g.producer(0), std::nullopt);
  EXPECT_EQ(g.producer(4), 3u);
  EXPECT_EQ(g.input_shapes(3),
            (std::vector<TensorShape>{TensorShape{{2, 16, 8, 8}}, TensorShape{{2, 16, 8, 8}}}));
  EXPECT_EQ(g.ops()[3].inputs, (std::vector<TensorId>{3, 0}));
  EXPECT_NO_THROW(g.validate());
}

TEST(Graph, CountsParamsMacsFlops) {
  Graph g = small_block();
  // conv 16*16*9, bn 2*16, fc 16*10 + 10
  EXPECT_EQ(g.param_count(), 2304 + 32 + 170);
  // conv 2*16*8*8*16*9, fc 2*16*10
  EXPECT_EQ(g.macs(), 294912 + 320);
  // 2*MACs for conv/fc; bn, relu, add one per output element (2048 each); gap one per input
  EXPECT_EQ(g.flops(), 2 * (294912 + 320) + 3 * 2048 + 2048);
  EXPECT_EQ(g.count(OpKind::conv2d), 1u);
  EXPECT_EQ(g.count(OpKind::add), 1u);
  EXPECT_EQ(g.count(OpKind::concat), 0u);
}

TEST(Graph, OutputDtypeFollowsInputs) {
  Graph g;
  TensorId x = g.add_input("x", TensorShape{{1, 4}}, DType::fp16);
  TensorId y = g.add_op("sm", OpKind::softmax, {x}, SoftmaxAttrs{});
  EXPECT_EQ(g.tensor(y).dtype, DType::fp16);
  TensorId z = g.add_input("z", TensorShape{{1, 4}}, DType::fp32);
  EXPECT_CONTAINS(error_of([&] {
                    g.add_op("a", OpKind::add, {x, z}, EltwiseAttrs{});
                  }),
                  "op 'a' (add): input 'z' is fp32 but input 'x' is fp16");
}

TEST(Graph, RejectsDuplicateNames) {
  Graph g = small_block();
  EXPECT_CONTAINS(error_of([&] { g.add_input("x", TensorShape{{1}}); }),
                  "graph input 'x': a tensor of that name already exists");
  EXPECT_CONTAINS(
      error_of([&] { g.add_op("conv", OpKind::activation, {0}, ActivationAttrs{}, "new"); }),
      "op 'conv' (activation): an op of that name already exists");
  EXPECT_CONTAINS(
      error_of([&] { g.add_op("other", OpKind::activation, {0}, ActivationAttrs{}, "relu"); }),
      "op 'other' (activation): output tensor 'relu' already exists");
  EXPECT_CONTAINS(error_of([&] { g.mark_output(6); }), "tensor 'logits' is already a graph output");
  EXPECT_EQ(g.ops().size(), 6u);  // failed calls leave the graph unchanged
  EXPECT_EQ(g.tensors().size(), 7u);
}

TEST(Graph, RejectsBadInputs) {
  Graph g;
  EXPECT_CONTAINS(error_of([&] {
                    g.add_input("x", TensorShape{{1, 0, 4, 4}});
                  }),
                  "tensor 'x' has a non-positive dim: [1, 0, 4, 4]");
  EXPECT_CONTAINS(error_of([&] { g.add_input("x", TensorShape{}); }), "tensor 'x' has rank 0");
  EXPECT_CONTAINS(error_of([&] {
                    g.add_input("x", TensorShape{{4, 4}, Layout::nhwc});
                  }),
                  "layout nhwc applies to 4-D tensors only");
  EXPECT_CONTAINS(error_of([&] { g.add_input("", TensorShape{{4}}); }),
                  "graph input with an empty name");
  EXPECT_CONTAINS(error_of(
                      [&] {
                        g.add_input("huge", TensorShape{{std::int64_t{1} << 62, 2}});
                      },
                      ErrorCode::overflow),
                  "tensor 'huge' [4611686018427387904, 2] fp32: byte count overflows 64 bits");
  // 2^61 fp32 elements = 2^63 bytes: one past int64
  EXPECT_CONTAINS(error_of([&] { g.add_input("big", TensorShape{{std::int64_t{1} << 61}}); },
                           ErrorCode::overflow),
                  "tensor 'big'");
  EXPECT_NO_THROW(g.add_input("ok", TensorShape{{std::int64_t{1} << 61}}, DType::fp16));
  EXPECT_TRUE(g.tensors().size() == 1u);
}

TEST(Graph, RejectsBadOps) {
  Graph g;
  TensorId x = g.add_input("x", TensorShape{{1, 8, 4, 4}});
  EXPECT_CONTAINS(error_of([&] { g.add_op("c", OpKind::conv2d, {7}, conv3x3(8)); }),
                  "op 'c' (conv2d): input 0 is tensor id 7, which does not exist");
  EXPECT_CONTAINS(error_of([&] { g.add_op("c", OpKind::conv2d, {}, conv3x3(8)); }),
                  "op 'c' (conv2d) has no inputs");
  EXPECT_CONTAINS(error_of([&] { g.add_op("c", OpKind::conv2d, {x}, PoolAttrs{}); }),
                  "op 'c' (conv2d): attributes are of the wrong type");
  EXPECT_CONTAINS(error_of([&] { g.add_op("", OpKind::conv2d, {x}, conv3x3(8)); }),
                  "an op of kind conv2d has an empty name");
  EXPECT_EQ(g.ops().size(), 0u);
}

TEST(Graph, ValidateNeedsAnOutput) {
  Graph g;
  TensorId x = g.add_input("x", TensorShape{{1, 8}});
  g.add_op("sm", OpKind::softmax, {x}, SoftmaxAttrs{});
  EXPECT_CONTAINS(error_of([&] { g.validate(); }), "graph 'network' has no outputs");
  g.mark_output(1);
  EXPECT_NO_THROW(g.validate());
}

TEST(Graph, TensorLookupsCheckRange) {
  Graph g = small_block();
  EXPECT_CONTAINS(error_of([&] { g.tensor(7); }), "tensor id 7 does not exist (7 tensors)");
  EXPECT_THROW(g.tensor(-1), Error);
  EXPECT_THROW(g.producer(99), Error);
  EXPECT_THROW(g.input_shapes(6), Error);
  EXPECT_CONTAINS(error_of([&] { g.mark_output(42); }), "tensor id 42 does not exist");
}

}  // namespace
}  // namespace plantune
