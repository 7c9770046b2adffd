#include "plantune/tuner/problem_from_graph.h"

#include <gtest/gtest.h>

#include "plantune/core/error.h"
#include "plantune/core/graph_builder.h"

namespace plantune::tuner {
namespace {

// input [2, 3, 32, 32] -> c1 conv 3x3 s2 (16) -> c2 conv 3x3 (16, groups 4, dilation 2)
// -> c3 the same as c2 (so they share a key) -> global pool -> flatten -> fc 10 (+relu)
Graph small_net(DType dtype = DType::fp32) {
  Graph g("small");
  GraphBuilder b(g);
  auto x = b.input("x", {2, 3, 32, 32}, dtype);
  auto c1 = b.conv("c1", x, 16, 3, 2);
  auto c2 = b.conv("c2", c1, 16, 3, 1, -1, 4, true, Activation::relu, 2);
  auto c3 = b.conv("c3", c2, 16, 3, 1, -1, 4, true, Activation::relu, 2);  // same as c2
  auto p = b.global_avg_pool("pool", c3);
  auto f = b.flatten("flat", p);
  auto y = b.fc("fc", f, 10, true, Activation::relu);
  b.output(y);
  return g;
}

TEST(ProblemFromGraph, ConvOpsBecomeConvProblems) {
  Graph g = small_net();
  auto p1 = std::get<ConvProblem>(problem_from_op(g, 0));
  EXPECT_EQ(problem_key(p1),
            "conv2d n2_c3_h32_w32_k16_r3_s3_p1x1_u2x2_d1x1_g1 x=fp32 w=fp32 y=fp32 acc=fp32");
  auto p2 = std::get<ConvProblem>(problem_from_op(g, 1));
  // "same" padding of a dilated 3x3 is (3 - 1) / 2 * 2 = 2
  EXPECT_EQ(problem_key(p2),
            "conv2d n2_c16_h16_w16_k16_r3_s3_p2x2_u1x1_d2x2_g4 x=fp32 w=fp32 y=fp32 acc=fp32");
  EXPECT_EQ(p2.out_h(), 16);
}

TEST(ProblemFromGraph, FullyConnectedBecomesGemmWithEpilogue) {
  Graph g = small_net(DType::fp16);
  std::size_t fc = g.ops().size() - 1;
  auto p = std::get<GemmProblem>(problem_from_op(g, fc));
  EXPECT_EQ(problem_key(p),
            "gemm m2_n10_k16_ta0_tb1 a=fp16 b=fp16 d=fp16 acc=fp32 bias=1 act=relu");
}

TEST(ProblemFromGraph, BatchOverrideReplacesNAndM) {
  Graph g = small_net();
  auto keys = tunable_keys(g, 32);
  ASSERT_EQ(keys.size(), 3u);  // c2 and c3 share a key
  EXPECT_EQ(keys[0],
            "conv2d n32_c3_h32_w32_k16_r3_s3_p1x1_u2x2_d1x1_g1 x=fp32 w=fp32 y=fp32 acc=fp32");
  EXPECT_EQ(keys[2], "gemm m32_n10_k16_ta0_tb1 a=fp32 b=fp32 d=fp32 acc=fp32 bias=1 act=relu");
  auto ops = tunable_ops(g);
  ASSERT_EQ(ops.size(), 4u);
  EXPECT_EQ(ops[1].op_index, 1u);
  EXPECT_EQ(ops[1].key, ops[2].key);
  EXPECT_EQ(ops[3].op_index, g.ops().size() - 1);
}

TEST(ProblemFromGraph, Int8AccumulatesInInt32) {
  Graph g = small_net(DType::int8);
  auto p = std::get<ConvProblem>(problem_from_op(g, 0));
  EXPECT_EQ(p.x_dtype, DType::int8);
  EXPECT_EQ(p.compute, DType::int32);
}

TEST(ProblemFromGraph, OtherOpsAreRejectedByName) {
  Graph g = small_net();
  try {
    problem_from_op(g, 3);  // global_avg_pool
    FAIL() << "pool accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("'pool'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(problem_from_op(g, 99), Error);
  EXPECT_THROW(problem_from_op(g, 0, 0), Error);
  EXPECT_FALSE(is_tunable(OpKind::max_pool));
  EXPECT_TRUE(is_tunable(OpKind::fully_connected));
}

}  // namespace
}  // namespace plantune::tuner
