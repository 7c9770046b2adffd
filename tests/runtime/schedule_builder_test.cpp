#include "plantune/runtime/schedule_builder.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "plantune/core/error.h"

#include "plantune/core/graph_builder.h"
#include "plantune/layouts/transform_cost.h"
#include "plantune/models/registry.h"
#include "plantune/planner/checker.h"
#include "plantune/runtime/schedule_memory.h"
#include "plantune/tuner/problem_from_graph.h"
#include "schedule_test_db.h"

namespace plantune::runtime {
namespace {

using testing::made_up_db;

Graph resnet50(std::int64_t batch) {
  models::ModelOptions mo;
  mo.batch = batch;
  return models::build_model("resnet50", mo);
}

std::size_t count_kind(const Schedule& s, StepKind k) {
  std::size_t n = 0;
  for (const auto& st : s.steps) n += st.kind == k ? 1 : 0;
  return n;
}

TEST(ScheduleBuilder, Resnet50AllNhwcWhenNhwcIsFaster) {
  const Graph g = resnet50(32);
  ScheduleOptions o;
  tuner::TacticDb db = made_up_db(g, o, /*nchw_ms=*/0.05, /*nhwc_ms=*/0.02);
  const Schedule s = build_schedule(g, db, o);
  EXPECT_EQ(s.ops_before, 175u);
  EXPECT_EQ(s.layers_after, 56u);
  std::size_t convs = 0, residual_in_place = 0;
  for (const auto& st : s.steps) {
    if (st.kind != StepKind::layer || st.op != OpKind::conv2d) continue;
    ++convs;
    ASSERT_TRUE(st.tactic) << st.name;
    EXPECT_EQ(st.tactic->tactic.variant.layout, Layout::nhwc) << st.name;
    EXPECT_TRUE(st.epilogue_fused) << st.name;
    // The fast candidate needs 1 TiB of workspace: the limit skips it.
    EXPECT_EQ(st.tactic->workspace_bytes, 1 << 20) << st.name;
    EXPECT_TRUE(st.bias) << st.name;
    if (st.residual && st.in_place) ++residual_in_place;
  }
  EXPECT_EQ(convs, 53u);
  // Every bottleneck's last conv adds its residual; each residual dies there.
  EXPECT_EQ(residual_in_place, 16u);
  // One conversion in (fp32 NCHW -> fp16 NHWC) and one out (fp16 -> fp32).
  EXPECT_EQ(count_kind(s, StepKind::convert), 2u);
  EXPECT_EQ(s.memory.workspace_bytes, 1 << 20);
  EXPECT_LE(s.memory.arena_bytes, s.memory.naive_bytes);
  EXPECT_GE(s.memory.arena_bytes, s.memory.lower_bound_bytes);
  s.validate();
  // The planner's independent checker agrees with the offsets.
  const planner::Problem p = memory_problem(s);
  planner::Plan plan;
  for (const auto& t : s.tensors) plan.offsets.push_back(t.offset);
  for (const auto& st : s.steps)
    if (st.workspace_offset >= 0) plan.offsets.push_back(st.workspace_offset);
  plan.arena_bytes = s.memory.arena_bytes;
  EXPECT_FALSE(planner::check_plan(p, plan).has_value());
}

TEST(ScheduleBuilder, LayoutFollowsTheDatabase) {
  const Graph g = resnet50(2);
  ScheduleOptions o;
  tuner::TacticDb db = made_up_db(g, o, /*nchw_ms=*/0.01, /*nhwc_ms=*/0.03);
  const Schedule s = build_schedule(g, db, o);
  for (const auto& st : s.steps) {
    if (st.tactic && st.op == OpKind::conv2d) {
      EXPECT_EQ(st.tactic->tactic.variant.layout, Layout::nchw) << st.name;
    }
  }
  EXPECT_TRUE(s.layout_exact);
}

// Two convolutions, the first a little faster in NCHW, the second in NHWC: at the assumed
// bandwidth moving the small tensor between them costs next to nothing, so each runs in its
// own layout; once the database holds a measured transform cost for that move that exceeds the
// gain, both run in one layout.
TEST(ScheduleBuilder, MeasuredTransformCostsPriceLayoutChanges) {
  Graph g("two_convs");
  GraphBuilder b(g);
  TensorId x = b.conv("a", b.input("x", {1, 16, 8, 8}), 16, 3);
  const TensorId mid = x;
  x = b.conv("b", x, 32, 3);
  b.output(x);
  ScheduleOptions o;
  o.fused_epilogues = false;
  tuner::TacticDb db;
  for (const TuneRequest& r : schedule_problems(g, o)) {
    const bool first = r.layers.front() == "a";
    testing::add_problem(db, r.problem, r.variants, first ? 0.010 : 0.011, first ? 0.011 : 0.010, 0);
  }
  auto layouts_of = [](const Schedule& s) {
    std::map<std::string, Layout> out;
    for (const auto& st : s.steps)
      if (st.tactic) out[st.name] = st.tactic->tactic.variant.layout;
    return out;
  };
  auto l = layouts_of(build_schedule(g, db, o));
  EXPECT_EQ(l["a"], Layout::nchw);
  EXPECT_EQ(l["b"], Layout::nhwc);

  const auto& dims = g.tensor(mid).shape.dims;
  for (bool to_nhwc : {true, false}) {
    const layouts::TransformDesc d{{dims[0], dims[1], dims[2], dims[3]},
                                   to_nhwc ? layouts::kNCHW : layouts::kNHWC, DType::fp16,
                                   to_nhwc ? layouts::kNHWC : layouts::kNCHW, DType::fp16};
    db.put_transform(layouts::make_transform_cost(d, "plantune", std::vector<double>{0.05}));
  }
  l = layouts_of(build_schedule(g, db, o));
  EXPECT_EQ(l["a"], l["b"]) << "a 0.05 ms move for a 0.002 ms gain";
}

TEST(ScheduleBuilder, PlainConvolutionFallbackRunsTheEpilogueSeparately) {
  const Graph g = resnet50(1);
  ScheduleOptions plain = {};
  plain.fused_epilogues = false;  // the database holds only plain convolutions
  tuner::TacticDb db = made_up_db(g, plain, 0.05, 0.02);
  ScheduleOptions o;  // asks for fused ones
  const Schedule s = build_schedule(g, db, o);
  std::size_t unfused = 0;
  for (const auto& st : s.steps) {
    if (st.op != OpKind::conv2d || st.kind != StepKind::layer) continue;
    EXPECT_FALSE(st.epilogue_fused) << st.name;
    EXPECT_FALSE(st.note.empty());
    // The epilogue kernel reads the residual after the conv wrote y: never in place.
    if (st.residual) {
      EXPECT_FALSE(st.in_place) << st.name;
    }
    ++unfused;
  }
  EXPECT_EQ(unfused, 53u);
  s.validate();
}

TEST(ScheduleBuilder, MissingConvolutionNamesTheLayer) {
  const Graph g = resnet50(1);
  tuner::TacticDb db;
  try {
    build_schedule(g, db);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'conv1'"), std::string::npos) << e.what();
  }
}

TEST(ScheduleBuilder, TuneMissingIsAskedForExactlyWhatIsMissing) {
  const Graph g = resnet50(1);
  ScheduleOptions o;
  std::size_t asked = 0;
  o.tune_missing = [&](std::span<const TuneRequest> missing, tuner::TacticDb& db) {
    asked = missing.size();
    for (const auto& r : missing) testing::add_problem(db, r.problem, r.variants, 0.05, 0.02, 0);
  };
  tuner::TacticDb db;
  const Schedule s = build_schedule(g, db, o);
  EXPECT_EQ(asked, schedule_problems(g, o).size());
  EXPECT_GT(asked, 20u);
  // Now everything is there: nothing more is asked.
  asked = 0;
  build_schedule(g, db, o);
  EXPECT_EQ(asked, 0u);
}

TEST(ScheduleBuilder, FlattenOfASpatialTensorStaysNchw) {
  // conv -> flatten [N, C*H*W] -> fc: NHWC would reorder the fc's input.
  Graph g("t");
  GraphBuilder b(g);
  auto x = b.input("x", {2, 8, 6, 6});
  auto c = b.conv("conv", x, 8, 3);
  auto f = b.flatten("flatten", c);
  b.output(b.fc("fc", f, 10));
  ScheduleOptions o;
  tuner::TacticDb db = made_up_db(g, o, 0.05, 0.02);
  const Schedule s = build_schedule(g, db, o);
  for (const auto& st : s.steps) {
    if (st.kind == StepKind::layer && st.op == OpKind::flatten) {
      EXPECT_EQ(s.tensors[static_cast<std::size_t>(st.inputs[0])].layout, Layout::nchw);
    }
  }
  s.validate();
}

TEST(ScheduleBuilder, EveryBuiltinModelSchedules) {
  for (const auto& m : models::builtin_models()) {
    models::ModelOptions mo;
    const Graph g = models::build_model(m.name, mo);
    ScheduleOptions o;
    tuner::TacticDb db = made_up_db(g, o, 0.05, 0.02);
    const Schedule s = build_schedule(g, db, o);
    s.validate();
    EXPECT_LT(s.layers_after, s.ops_before) << m.name;
  }
}

}  // namespace
}  // namespace plantune::runtime
