// Names of cuDNN backend enum values: exact names, the fallback for values this build does not
// know, and the round trip the tactic database relies on.
#include "plantune/core/cudnn_backend_names.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace {

using plantune::to_string;

TEST(CudnnBackendNames, KnownValues) {
  EXPECT_EQ(to_string(CUDNN_BACKEND_TENSOR_DESCRIPTOR), "CUDNN_BACKEND_TENSOR_DESCRIPTOR");
  EXPECT_EQ(to_string(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR),
            "CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR");
  EXPECT_EQ(to_string(CUDNN_ATTR_TENSOR_DIMENSIONS), "CUDNN_ATTR_TENSOR_DIMENSIONS");
  EXPECT_EQ(to_string(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA),
            "CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA");
  EXPECT_EQ(to_string(CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE),
            "CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE");
  EXPECT_EQ(to_string(CUDNN_DATA_HALF), "CUDNN_DATA_HALF");
  EXPECT_EQ(to_string(CUDNN_HEUR_MODE_A), "CUDNN_HEUR_MODE_A");
  EXPECT_EQ(to_string(CUDNN_NUMERICAL_NOTE_TENSOR_CORE), "TENSOR_CORE");
  EXPECT_EQ(to_string(CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_4x4), "WINOGRAD_TILE_4x4");
  EXPECT_EQ(to_string(CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION), "RUNTIME_COMPILATION");
  EXPECT_EQ(to_string(CUDNN_KNOB_TYPE_TILE_SIZE), "TILE_SIZE");
  EXPECT_EQ(to_string(CUDNN_KNOB_TYPE_SPLIT_K_BUF), "SPLIT_K_BUF");
}

TEST(CudnnBackendNames, UnknownValuesFallBackToNumbers) {
  EXPECT_EQ(to_string(static_cast<cudnnBackendAttributeName_t>(99999)), "CUDNN_ATTR_99999");
  EXPECT_EQ(to_string(static_cast<cudnnBackendDescriptorType_t>(900)),
            "CUDNN_BACKEND_DESCRIPTOR_900");
  EXPECT_EQ(to_string(static_cast<cudnnBackendKnobType_t>(200)), "KNOB_TYPE_200");
  EXPECT_EQ(plantune::knob_type_from_string("KNOB_TYPE_200"),
            static_cast<cudnnBackendKnobType_t>(200));
}

TEST(CudnnBackendNames, EveryKnobTypeRoundTripsWithADistinctName) {
  std::set<std::string> names;
  for (int v = 0; v < CUDNN_KNOB_TYPE_COUNTS; ++v) {
    const auto knob = static_cast<cudnnBackendKnobType_t>(v);
    const std::string name = to_string(knob);
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
    EXPECT_EQ(plantune::knob_type_from_string(name), knob) << name;
  }
}

TEST(CudnnBackendNames, EveryNoteRoundTrips) {
  for (int v = 0; v < CUDNN_NUMERICAL_NOTE_TYPE_COUNT; ++v) {
    const auto note = static_cast<cudnnBackendNumericalNote_t>(v);
    EXPECT_EQ(plantune::numerical_note_from_string(to_string(note)), note) << v;
  }
  for (int v = 0; v < CUDNN_BEHAVIOR_NOTE_TYPE_COUNT; ++v) {
    const auto note = static_cast<cudnnBackendBehaviorNote_t>(v);
    EXPECT_EQ(plantune::behavior_note_from_string(to_string(note)), note) << v;
  }
}

TEST(CudnnBackendNames, GarbageIsRejected) {
  EXPECT_FALSE(plantune::knob_type_from_string(""));
  EXPECT_FALSE(plantune::knob_type_from_string("TILE"));
  EXPECT_FALSE(plantune::knob_type_from_string("KNOB_TYPE_"));
  EXPECT_FALSE(plantune::knob_type_from_string("KNOB_TYPE_-1"));
  EXPECT_FALSE(plantune::knob_type_from_string("KNOB_TYPE_12x"));
  EXPECT_FALSE(plantune::numerical_note_from_string("RUNTIME_COMPILATION"));
  EXPECT_FALSE(plantune::behavior_note_from_string("TENSOR_CORE"));
}

}  // namespace
