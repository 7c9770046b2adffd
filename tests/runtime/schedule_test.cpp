#include "plantune/runtime/schedule.h"

#include <gtest/gtest.h>

#include "plantune/core/error.h"

#include "plantune/models/registry.h"
#include "plantune/runtime/schedule_builder.h"
#include "schedule_test_db.h"

namespace plantune::runtime {
namespace {

Schedule built() {
  models::ModelOptions mo;
  mo.batch = 2;
  const Graph g = models::build_model("resnet18", mo);
  ScheduleOptions o;
  tuner::TacticDb db = testing::made_up_db(g, o, 0.05, 0.02);
  return build_schedule(g, db, o);
}

TEST(Schedule, NamesRoundTrip) {
  for (StepKind k : {StepKind::layer, StepKind::convert})
    EXPECT_EQ(step_kind_from_string(to_string(k)), k);
  EXPECT_FALSE(step_kind_from_string("Layer"));
  EXPECT_EQ(storage_suffix(Layout::nhwc, DType::fp16), "nhwc.fp16");
}

TEST(Schedule, ValidateCatchesEachKindOfDamage) {
  const Schedule good = built();
  good.validate();
  EXPECT_EQ(good.batch(), 2);
  {
    Schedule s = good;
    s.steps[1].inputs[0] = 9999;
    EXPECT_THROW(s.validate(), Error);
  }
  {
    Schedule s = good;  // a step reads what a later step writes
    std::swap(s.steps[1], s.steps[2]);
    EXPECT_THROW(s.validate(), Error);
  }
  {
    Schedule s = good;
    s.tensors[2].bytes += 2;
    EXPECT_THROW(s.validate(), Error);
  }
  {
    Schedule s = good;
    s.tensors[3].offset = s.memory.arena_bytes;
    EXPECT_THROW(s.validate(), Error);
  }
  {
    Schedule s = good;  // a conv without its tactic
    for (auto& st : s.steps)
      if (st.op == OpKind::conv2d && st.kind == StepKind::layer) {
        st.tactic.reset();
        break;
      }
    EXPECT_THROW(s.validate(), Error);
  }
  {
    Schedule s = good;
    s.schema_version = 2;
    EXPECT_THROW(s.validate(), Error);
  }
}

}  // namespace
}  // namespace plantune::runtime
