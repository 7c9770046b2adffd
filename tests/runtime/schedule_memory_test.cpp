#include "plantune/runtime/schedule_memory.h"

#include <gtest/gtest.h>

#include "plantune/core/error.h"

#include "plantune/core/graph_builder.h"

namespace plantune::runtime {
namespace {

// A hand-made schedule: x -> conv a -> conv b (+ residual a, in place over a) -> view -> out.
Schedule tiny() {
  Schedule s;
  GraphBuilder b(s.graph);
  auto x = b.input("x", {1, 4, 4, 4});
  auto a = b.conv("a", x, 4, 3);
  auto c = b.conv("b", a, 4, 3);
  auto f = b.flatten("f", c);
  b.output(f);
  auto tensor = [&](const char* name, std::vector<std::int64_t> dims, std::int64_t bytes) {
    ScheduleTensor t;
    t.name = t.source = name;
    t.dims = std::move(dims);
    t.bytes = bytes;
    s.tensors.push_back(t);
  };
  tensor("x", {1, 4, 4, 4}, 256);
  tensor("a", {1, 4, 4, 4}, 256);
  tensor("b", {1, 4, 4, 4}, 256);
  tensor("f", {1, 64}, 256);
  s.tensors[0].graph_input = true;
  s.tensors[3].graph_output = true;
  auto step = [&](const char* name, OpKind op, std::vector<int> in, int out) {
    ScheduleStep st;
    st.name = name;
    st.op = op;
    st.ops = {name};
    st.inputs = std::move(in);
    st.output = out;
    s.steps.push_back(st);
    return &s.steps.back();
  };
  step("a", OpKind::conv2d, {0}, 1)->tactic = StepTactic{"k", {}, 0.1, 1000};
  auto* sb = step("b", OpKind::conv2d, {1}, 2);
  sb->residual = 1;
  sb->in_place = true;
  sb->tactic = StepTactic{"k", {}, 0.1, 3000};
  step("f", OpKind::flatten, {2}, 3);
  return s;
}

TEST(ScheduleMemory, ProblemAsData) {
  const planner::Problem p = memory_problem(tiny());
  ASSERT_EQ(p.buffers.size(), 6u);  // 4 tensors + a workspace for each conv
  // Alloc(+) and dealloc(-) by step: step 0: +x +a +ws_a -x -ws_a; step 1: b over a, +ws_b -ws_b;
  // step 2: f over b.
  EXPECT_EQ(p.buffers[0].first, 0);  // x: the user writes it before step 0
  EXPECT_EQ(p.buffers[0].last, 1);
  EXPECT_EQ(p.buffers[1].first, 0);  // a: written at 0, read at 1 (conv input and residual)
  EXPECT_EQ(p.buffers[1].last, 2);
  EXPECT_EQ(p.buffers[2].alias, (planner::Alias{1, 0}));  // b stored over a
  EXPECT_EQ(p.buffers[3].alias, (planner::Alias{2, 0}));  // the view over b
  EXPECT_EQ(p.buffers[3].last, 3);                        // a graph output lives to the end
  EXPECT_EQ(p.buffers[4].name, "a/workspace");
  EXPECT_EQ(p.buffers[4].size, 1024);  // 1000 rounded up to 256
  EXPECT_EQ(p.buffers[4].first, 0);
  EXPECT_EQ(p.buffers[4].last, 1);
  EXPECT_EQ(p.buffers[5].name, "b/workspace");
  EXPECT_EQ(p.buffers[5].size, 3072);
  EXPECT_EQ(p.buffers[5].first, 1);
  EXPECT_EQ(p.buffers[5].last, 2);
}

TEST(ScheduleMemory, PlanFillsOffsetsAndValidates) {
  Schedule s = tiny();
  plan_memory(s);
  for (const auto& t : s.tensors) EXPECT_GE(t.offset, 0) << t.name;
  EXPECT_EQ(s.tensors[2].offset, s.tensors[1].offset);
  EXPECT_EQ(s.memory.workspace_bytes, 3072);
  EXPECT_GE(s.steps[0].workspace_offset, 0);
  EXPECT_GE(s.steps[1].workspace_offset, 0);
  EXPECT_EQ(s.steps[2].workspace_offset, -1);
  // Step 0: x + a + its 1024-byte workspace = 1536; step 1: a (b over it) + 3072 = 3328.
  EXPECT_EQ(s.memory.lower_bound_bytes, 3328);
  EXPECT_EQ(s.memory.arena_bytes, 3328);
  s.validate();
  // Move b onto step b's live workspace: the independent check refuses it.
  s.steps[1].in_place = false;
  s.tensors[2].offset = s.steps[1].workspace_offset;
  EXPECT_THROW(s.validate(), Error);
}

TEST(ScheduleMemory, InPlaceOverASmallerTensorIsRefused) {
  Schedule s = tiny();
  s.tensors[1].bytes = 128;
  s.tensors[1].dims = {1, 2, 4, 4};
  EXPECT_THROW(memory_problem(s), Error);
}

}  // namespace
}  // namespace plantune::runtime
