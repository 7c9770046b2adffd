#include "plantune/tuner/problem_key.h"

#include <gtest/gtest.h>

#include <string>
#include <unordered_set>
#include <vector>

#include "plantune/core/error.h"

namespace plantune::tuner {
namespace {

ConvProblem resnet_3x3() {
  ConvProblem p;
  p.n = 32, p.c = 64, p.h = 56, p.w = 56, p.k = 64, p.r = 3, p.s = 3;
  p.pad_h = p.pad_w = 1;
  p.x_dtype = p.w_dtype = p.y_dtype = DType::fp16;
  p.compute = DType::fp32;
  return p;
}

GemmProblem resnet_fc() {
  GemmProblem g;
  g.m = 32, g.n = 1000, g.k = 2048;
  g.transb = true;
  g.a_dtype = g.b_dtype = g.d_dtype = DType::fp16;
  g.bias = true;
  return g;
}

// The message of the parse_error `key` raises.
std::string parse_error_of(const std::string& key) {
  try {
    parse_problem_key(key);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::parse_error) << key;
    return e.what();
  }
  ADD_FAILURE() << "parsed without error: " << key;
  return "";
}

TEST(ProblemKey, ConvKeyIsCanonicalText) {
  EXPECT_EQ(problem_key(resnet_3x3()),
            "conv2d n32_c64_h56_w56_k64_r3_s3_p1x1_u1x1_d1x1_g1 x=fp16 w=fp16 y=fp16 acc=fp32");
  ConvProblem p = resnet_3x3();
  p.pad_h = 3, p.pad_w = 2, p.stride_h = 2, p.stride_w = 1, p.dilation_h = 2, p.groups = 32;
  p.x_dtype = DType::int8, p.compute = DType::int32;
  EXPECT_EQ(problem_key(p),
            "conv2d n32_c64_h56_w56_k64_r3_s3_p3x2_u2x1_d2x1_g32 x=int8 w=fp16 y=fp16 acc=int32");
}

TEST(ProblemKey, GemmKeyIsCanonicalText) {
  EXPECT_EQ(problem_key(resnet_fc()),
            "gemm m32_n1000_k2048_ta0_tb1 a=fp16 b=fp16 d=fp16 acc=fp32 bias=1 act=none");
  GemmProblem g = resnet_fc();
  g.transa = true, g.bias = false, g.activation = Activation::relu;
  EXPECT_EQ(problem_key(g),
            "gemm m32_n1000_k2048_ta1_tb1 a=fp16 b=fp16 d=fp16 acc=fp32 bias=0 act=relu");
}

TEST(ProblemKey, ParseRoundTripsEveryField) {
  std::vector<ConvProblem> convs;
  ConvProblem base = resnet_3x3();
  convs.push_back(base);
  ConvProblem stem = base;
  stem.c = 3, stem.h = stem.w = 224, stem.r = stem.s = 7, stem.pad_h = stem.pad_w = 3;
  stem.stride_h = stem.stride_w = 2;
  convs.push_back(stem);
  ConvProblem depthwise = base;
  depthwise.c = depthwise.k = 96, depthwise.groups = 96, depthwise.stride_h = 2;
  convs.push_back(depthwise);
  ConvProblem dilated = base;
  dilated.dilation_h = dilated.dilation_w = 2, dilated.pad_h = 2, dilated.pad_w = 0;
  dilated.y_dtype = DType::bf16, dilated.x_dtype = DType::bf16, dilated.w_dtype = DType::bf16;
  convs.push_back(dilated);
  for (const auto& p : convs) {
    std::string key = problem_key(p);
    Problem back = parse_problem_key(key);
    ASSERT_TRUE(std::holds_alternative<ConvProblem>(back)) << key;
    EXPECT_EQ(std::get<ConvProblem>(back), p) << key;
    EXPECT_EQ(parse_conv_key(key), p);
    EXPECT_EQ(problem_key(back), key);
  }
  GemmProblem g = resnet_fc();
  g.activation = Activation::gelu, g.compute = DType::fp16, g.transa = true;
  EXPECT_EQ(parse_gemm_key(problem_key(g)), g);
  EXPECT_EQ(std::get<GemmProblem>(parse_problem_key(problem_key(g))), g);
}

TEST(ProblemKey, EpilogueIsPrintedOnlyWhenNotEmpty) {
  ConvProblem p = resnet_3x3();
  EXPECT_TRUE(p.epilogue.empty());
  const std::string plain =
      "conv2d n32_c64_h56_w56_k64_r3_s3_p1x1_u1x1_d1x1_g1 x=fp16 w=fp16 y=fp16 acc=fp32";
  EXPECT_EQ(problem_key(p), plain);  // the key of a plain convolution is what it always was
  p.epilogue = ConvEpilogue{true, true, Activation::relu};
  EXPECT_FALSE(p.epilogue.empty());
  EXPECT_EQ(problem_key(p), plain + " bias=1 add=1 act=relu");
  p.epilogue = ConvEpilogue{true, false, Activation::none};
  EXPECT_EQ(problem_key(p), plain + " bias=1 add=0 act=none");
  p.epilogue = ConvEpilogue{false, false, Activation::hard_swish};
  EXPECT_EQ(problem_key(p), plain + " bias=0 add=0 act=hard_swish");
  EXPECT_EQ(geometry_of_key(problem_key(p)), "conv2d n32_c64_h56_w56_k64_r3_s3_p1x1_u1x1_d1x1_g1");
}

TEST(ProblemKey, EpilogueKeysRoundTrip) {
  std::vector<ConvEpilogue> epilogues;
  for (int bias = 0; bias < 2; ++bias) {
    for (int add = 0; add < 2; ++add) {
      for (int a = 0; a <= static_cast<int>(Activation::hard_swish); ++a) {
        ConvEpilogue e{bias == 1, add == 1, static_cast<Activation>(a)};
        if (!e.empty()) epilogues.push_back(e);
      }
    }
  }
  EXPECT_EQ(epilogues.size(), 4u * 7u - 1u);
  std::unordered_set<std::string> keys;
  for (const ConvEpilogue& e : epilogues) {
    ConvProblem p = resnet_3x3();
    p.stride_h = p.stride_w = 2;
    p.epilogue = e;
    const std::string key = problem_key(p);
    EXPECT_TRUE(keys.insert(key).second) << key;
    EXPECT_EQ(parse_conv_key(key), p) << key;
    EXPECT_EQ(std::get<ConvProblem>(parse_problem_key(key)), p) << key;
    EXPECT_EQ(problem_key(parse_conv_key(key)), key);
  }
}

TEST(ProblemKey, BadEpilogueTokensAreNamed) {
  const std::string good = problem_key(resnet_3x3());
  struct Case {
    std::string suffix;
    std::string expect;  // part of the message
  };
  const std::vector<Case> cases = {
      {" bias=1 add=1 act=relu foo=1", "unknown epilogue token 'foo=1'"},
      {" bias=1 add=1 act=relu relu", "unknown epilogue token 'relu'"},
      {" bias=1 add=1 bias=1", "epilogue token 'bias=1' repeats 'bias='"},
      {" bias=1 add=1 add=0 act=relu", "epilogue token 'add=0' repeats 'add='"},
      {" act=relu bias=1 add=1 act=relu", "epilogue token 'act=relu' repeats 'act='"},
      {" bias=2 add=1 act=relu", "epilogue token 'bias=2' needs 'bias=0' or 'bias=1'"},
      {" bias=1 add=yes act=relu", "epilogue token 'add=yes' needs 'add=0' or 'add=1'"},
      {" bias=1 add=1 act=tanh", "unknown activation in epilogue token 'act=tanh'"},
      {" bias=1 act=relu", "missing 'add='"},
      {" bias=1", "missing 'add='"},
      {" add=1 act=relu", "missing 'bias='"},
      {" bias=1 add=1", "missing 'act='"},
      {" bias=0 add=0 act=none", "empty epilogue"},
      {" act=relu bias=1 add=1", "not canonical"},
      {" bias=1 add=1  act=relu", "not a conv2d key"},
      {" bias=1 add=1 act=relu ", "not a conv2d key"},
  };
  for (const auto& c : cases) {
    const std::string key = good + c.suffix;
    const std::string msg = parse_error_of(key);
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "key: '" << key << "'\nmessage: " << msg;
    EXPECT_NE(msg.find("conv2d n32_c64"), std::string::npos) << msg;
  }
}

TEST(ProblemKey, EqualityAndHashSeeEveryField) {
  ConvProblem base = resnet_3x3();
  std::vector<ConvProblem> changed;
  auto vary = [&](auto mutate) {
    ConvProblem p = base;
    mutate(p);
    changed.push_back(p);
  };
  vary([](ConvProblem& p) { p.n = 1; });
  vary([](ConvProblem& p) { p.c = 128; });
  vary([](ConvProblem& p) { p.h = 28; });
  vary([](ConvProblem& p) { p.w = 28; });
  vary([](ConvProblem& p) { p.k = 128; });
  vary([](ConvProblem& p) { p.r = 1; });
  vary([](ConvProblem& p) { p.s = 1; });
  vary([](ConvProblem& p) { p.pad_h = 0; });
  vary([](ConvProblem& p) { p.pad_w = 0; });
  vary([](ConvProblem& p) { p.stride_h = 2; });
  vary([](ConvProblem& p) { p.stride_w = 2; });
  vary([](ConvProblem& p) { p.dilation_h = 2; });
  vary([](ConvProblem& p) { p.dilation_w = 2; });
  vary([](ConvProblem& p) { p.groups = 2; });
  vary([](ConvProblem& p) { p.x_dtype = DType::fp32; });
  vary([](ConvProblem& p) { p.w_dtype = DType::fp32; });
  vary([](ConvProblem& p) { p.y_dtype = DType::fp32; });
  vary([](ConvProblem& p) { p.compute = DType::fp16; });
  vary([](ConvProblem& p) { p.epilogue.bias = true; });
  vary([](ConvProblem& p) { p.epilogue.residual = true; });
  vary([](ConvProblem& p) { p.epilogue.activation = Activation::relu; });
  vary([](ConvProblem& p) {
    p.epilogue.bias = true;
    p.epilogue.activation = Activation::relu;
  });
  vary([](ConvProblem& p) {
    p.epilogue.bias = p.epilogue.residual = true;
    p.epilogue.activation = Activation::relu;
  });
  vary([](ConvProblem& p) {
    p.epilogue.bias = p.epilogue.residual = true;
    p.epilogue.activation = Activation::silu;
  });
  std::unordered_set<std::size_t> hashes{std::hash<ConvProblem>{}(base)};
  std::unordered_set<std::string> keys{problem_key(base)};
  for (const auto& p : changed) {
    EXPECT_NE(p, base) << problem_key(p);
    hashes.insert(std::hash<ConvProblem>{}(p));
    keys.insert(problem_key(p));
  }
  EXPECT_EQ(hashes.size(), changed.size() + 1);
  EXPECT_EQ(keys.size(), changed.size() + 1);
  ConvProblem copy = base;
  EXPECT_EQ(copy, base);
  EXPECT_EQ(std::hash<ConvProblem>{}(copy), std::hash<ConvProblem>{}(base));

  GemmProblem g = resnet_fc(), g2 = g;
  EXPECT_EQ(std::hash<GemmProblem>{}(g), std::hash<GemmProblem>{}(g2));
  g2.activation = Activation::relu;
  EXPECT_NE(g, g2);
  EXPECT_NE(std::hash<GemmProblem>{}(g), std::hash<GemmProblem>{}(g2));
}

TEST(ProblemKey, OutputSizeFollowsCudnn) {
  ConvProblem p = resnet_3x3();
  EXPECT_EQ(p.out_h(), 56);
  p.stride_h = p.stride_w = 2;
  EXPECT_EQ(p.out_h(), 28);
  p.h = 224, p.w = 224, p.r = p.s = 7, p.pad_h = p.pad_w = 3;
  EXPECT_EQ(p.out_h(), 112);
  EXPECT_EQ(p.out_w(), 112);
  p.dilation_h = 2, p.stride_h = 1, p.pad_h = 0;  // (224 - 12 - 1) / 1 + 1
  EXPECT_EQ(p.out_h(), 212);
}

TEST(ProblemKey, GeometryIsTheFirstTwoTokens) {
  EXPECT_EQ(geometry_of_key(problem_key(resnet_3x3())),
            "conv2d n32_c64_h56_w56_k64_r3_s3_p1x1_u1x1_d1x1_g1");
  EXPECT_EQ(geometry_of_key(problem_key(resnet_fc())), "gemm m32_n1000_k2048_ta0_tb1");
}

TEST(ProblemKey, RejectsTextThatIsNotACanonicalKey) {
  const std::string good = problem_key(resnet_3x3());
  struct Case {
    std::string key;
    std::string expect;  // part of the message
  };
  std::vector<Case> cases = {
      {"", "neither"},
      {"conv3d n1", "neither"},
      {"conv2d n32_c64_h56_w56_k64_r3_s3_p1x1_u1x1_d1x1 x=fp16 w=fp16 y=fp16 acc=fp32",
       "needs 11 fields"},
      {"conv2d n032_c64_h56_w56_k64_r3_s3_p1x1_u1x1_d1x1_g1 x=fp16 w=fp16 y=fp16 acc=fp32",
       "not canonical"},
      {"conv2d n32_c64_h56_w56_k64_r3_s3_p1x1_u1x1_d1x1_g1 x=fp16 w=fp16 y=fp16  acc=fp32",
       "not a conv2d key"},
      {good + " ", "not a conv2d key"},
      {"conv2d n-1_c64_h56_w56_k64_r3_s3_p1x1_u1x1_d1x1_g1 x=fp16 w=fp16 y=fp16 acc=fp32",
       "decimal integers"},
      {"conv2d n99999999999_c64_h56_w56_k64_r3_s3_p1x1_u1x1_d1x1_g1 x=fp16 w=fp16 y=fp16 acc=fp32",
       "decimal integers"},
      {"conv2d n4294967296_c64_h56_w56_k64_r3_s3_p1x1_u1x1_d1x1_g1 x=fp16 w=fp16 y=fp16 acc=fp32",
       "outside 1..2147483647"},
      {"conv2d n0_c64_h56_w56_k64_r3_s3_p1x1_u1x1_d1x1_g1 x=fp16 w=fp16 y=fp16 acc=fp32", "n = 0"},
      {"conv2d n32_c64_h56_w56_k64_r3_s3_p1_u1x1_d1x1_g1 x=fp16 w=fp16 y=fp16 acc=fp32",
       "needs 2 values"},
      {"conv2d n32_c64_h56_w56_k64_r3_s3_p1x1_u1x1_d1x1_g3 x=fp16 w=fp16 y=fp16 acc=fp32",
       "must divide"},
      {"conv2d n32_c64_h2_w56_k64_r5_s3_p0x1_u1x1_d1x1_g1 x=fp16 w=fp16 y=fp16 acc=fp32",
       "larger than the padded input"},
      {"conv2d n32_c64_h56_w56_k64_r3_s3_p1x1_u1x1_d1x1_g1 x=fp64 w=fp16 y=fp16 acc=fp32",
       "unknown dtype"},
      {"conv2d n32_c64_h56_w56_k64_r3_s3_p1x1_u1x1_d1x1_g1 w=fp16 x=fp16 y=fp16 acc=fp32",
       "expected 'x=<dtype>'"},
      {"gemm m32_n1000_k2048_ta2_tb1 a=fp16 b=fp16 d=fp16 acc=fp32 bias=1 act=none", "0 or 1"},
      {"gemm m32_n1000_k2048_ta0_tb1 a=fp16 b=fp16 d=fp16 acc=fp32 bias=yes act=none", "bias=0"},
      {"gemm m32_n1000_k2048_ta0_tb1 a=fp16 b=fp16 d=fp16 acc=fp32 bias=1 act=tanh",
       "unknown activation"},
  };
  for (const auto& c : cases) {
    std::string msg = parse_error_of(c.key);
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "key: '" << c.key << "'\nmessage: " << msg;
    if (!c.key.empty()) {
      EXPECT_NE(msg.find(c.key.substr(0, 10)), std::string::npos) << msg;
    }
  }
  EXPECT_THROW(parse_conv_key(problem_key(resnet_fc())), Error);
  EXPECT_THROW(parse_gemm_key(good), Error);
}

TEST(ProblemKey, ValidateNamesTheBadField) {
  ConvProblem p = resnet_3x3();
  p.stride_w = 0;
  try {
    p.validate();
    FAIL() << "stride 0 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("stride_w = 0"), std::string::npos) << e.what();
  }
  GemmProblem g = resnet_fc();
  g.k = 0;
  EXPECT_THROW(g.validate(), Error);
}

}  // namespace
}  // namespace plantune::tuner
