#include "plantune/planner/plan_svg.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "plantune/core/error.h"
#include "plantune/core/graph_builder.h"
#include "plantune/planner/lifetime.h"
#include "plantune/planner/planner.h"

namespace plantune::planner {
namespace {

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + what.size())) ++n;
  return n;
}

// Four buffers, one of them empty and one an alias:
//   0 "a"     [0, 2)  1 MiB at 0
//   1 "b<&>"  [1, 3)  1 MiB at 1 MiB
//   2 "empty" [1, 2)  0 bytes          (no rectangle)
//   3 "view"  [1, 2)  1 MiB alias of a (a dashed outline)
struct Sample {
  Problem problem;
  Plan plan;
  Sample() {
    constexpr std::int64_t kMiB = 1 << 20;
    problem.buffers = {{0, kMiB, 256, 0, 2, std::nullopt, std::nullopt, "a"},
                       {1, kMiB, 256, 1, 3, std::nullopt, std::nullopt, "b<&>"},
                       {2, 0, 1, 1, 2, std::nullopt, std::nullopt, "empty"},
                       {3, kMiB, 256, 1, 2, std::nullopt, Alias{0, 0}, "view"}};
    plan.offsets = {0, kMiB, 0, 0};
    plan.arena_bytes = 2 * kMiB;
    plan.lower_bound = 2 * kMiB;
    plan.optimal = true;
    plan.algorithm = "portfolio";
  }
};

TEST(PlanSvg, OneRectanglePerNonzeroBufferWithTooltip) {
  Sample s;
  std::string svg = plan_to_svg(s.problem, s.plan);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_EQ(Count(svg, "class=\"buffer\""), 2u);        // a, b
  EXPECT_EQ(Count(svg, "class=\"buffer alias\""), 1u);  // view
  EXPECT_EQ(Count(svg, "<title>"), 3u);
  EXPECT_EQ(Count(svg, "<rect"), 4u);  // the three above and the background
  EXPECT_EQ(Count(svg, "<rect"), Count(svg, "</rect>") + Count(svg, "class=\"background\""));
  EXPECT_NE(svg.find("<title>a (buffer 0): 1.00 MiB (1048576 bytes), steps [0, 2), offset 0"
                     "</title>"),
            std::string::npos);
  EXPECT_NE(svg.find("alias of buffer 0 at +0"), std::string::npos);
  EXPECT_EQ(svg.find("empty"), std::string::npos);
  // Names are escaped, never raw.
  EXPECT_NE(svg.find("b&lt;&amp;&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("b<&>"), std::string::npos);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
}

TEST(PlanSvg, GeometryFollowsStepsAndAddresses) {
  Sample s;
  SvgOptions o;
  o.width = 1120;  // plot area 1000 px wide (margins 90 + 30), 3 steps: 1000/3 px per step
  o.height = 624;  // plot area 520 px high (margins 48 + 56), top = 2 MiB x 1.04
  std::string svg = plan_to_svg(s.problem, s.plan, o);
  // Buffer b: x = 90 + 1 x 1000/3, width 2 x 1000/3, top at 2 MiB -> 48 + 520 - 520/1.04.
  EXPECT_NE(svg.find("<rect class=\"buffer\" x=\"423.33\" y=\"68.00\" width=\"666.67\" "
                     "height=\"250.00\""),
            std::string::npos)
      << svg;
  // The lower bound: a dashed line at 2 MiB.
  EXPECT_NE(svg.find("<line class=\"lower-bound\" x1=\"90.00\" y1=\"68.00\" x2=\"1090.00\" "
                     "y2=\"68.00\" stroke=\"#c00\" stroke-width=\"1.5\" stroke-dasharray"),
            std::string::npos);
  EXPECT_NE(svg.find("step (op index)"), std::string::npos);
  EXPECT_NE(svg.find("address (MiB)"), std::string::npos);
  EXPECT_NE(svg.find("lower bound 2.00 MiB"), std::string::npos);
}

TEST(PlanSvg, APlannedGraphHasOneRectanglePerBuffer) {
  Graph g("net");
  GraphBuilder b(g);
  TensorId x = b.input("x", {1, 8, 16, 16});
  TensorId c = b.conv("conv", x, 8, 3);
  TensorId n = b.batch_norm("bn", c);
  TensorId r = b.act("relu", n, Activation::relu);
  TensorId f = b.flatten("flat", r);
  b.output(b.fc("fc", f, 10));
  Lifetimes lt = analyze_lifetimes(g, {Mode::aliasing, {4096, 0, 0, 0, 0}});
  Plan p = plan(lt.problem);
  std::string svg = plan_to_svg(lt.problem, p);
  std::size_t roots = 0, aliases = 0;
  for (const Buffer& buf : lt.problem.buffers) (buf.alias ? aliases : roots) += buf.size > 0;
  EXPECT_EQ(roots, 4u);    // x, conv, fc, conv/workspace
  EXPECT_EQ(aliases, 3u);  // bn, relu, flat
  EXPECT_EQ(Count(svg, "class=\"buffer\""), roots);
  EXPECT_EQ(Count(svg, "class=\"buffer alias\""), aliases);
  EXPECT_NE(svg.find("conv/workspace"), std::string::npos);

  auto path = (std::filesystem::temp_directory_path() / "plantune_plan_svg_test.svg").string();
  save_plan_svg(path, lt.problem, p);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::remove(path.c_str());
  EXPECT_EQ(text.str(), svg);
}

TEST(PlanSvg, EmptyProblemStillDrawsAxes) {
  Problem empty;
  Plan p;
  p.algorithm = "naive";
  std::string svg = plan_to_svg(empty, p);
  EXPECT_EQ(Count(svg, "class=\"buffer"), 0u);
  EXPECT_NE(svg.find("lower-bound"), std::string::npos);
}

TEST(PlanSvg, RejectsAPlanOfAnotherProblem) {
  Sample s;
  s.plan.offsets.pop_back();
  EXPECT_THROW(plan_to_svg(s.problem, s.plan), Error);
  Sample t;
  EXPECT_THROW(save_plan_svg("/nonexistent/dir/p.svg", t.problem, t.plan), Error);
}

}  // namespace
}  // namespace plantune::planner
