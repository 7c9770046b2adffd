#pragma once
// The built-in models in the planner suite: each model at each batch, planned plain (every
// tensor its own buffer) and with aliasing (views, in-place reuse, concat elision), to show how
// far aliasing takes the arena below the plain lower bound. Called by planner_suite.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "plantune/planner/planner.h"

namespace plantune::bench {

// The set: resnet50, mobilenet_v2, unet (the targets), resnet18, vgg19; batch 1 and 32.
inline const std::vector<std::string> kSuiteModels = {"resnet50", "mobilenet_v2", "unet",
                                                      "resnet18", "vgg19"};
inline const std::vector<std::int64_t> kSuiteBatches = {1, 32};

struct ModelPlanRow {
  std::string model;
  std::int64_t batch = 1;
  bool strided_concat = false;       // concat slices with batch > 1 elided too (lifetime.h)
  std::size_t tensors = 0;
  std::size_t views = 0, in_place = 0, concat_slices = 0;
  std::int64_t naive_bytes = 0;      // no reuse
  std::int64_t plain_bound = 0;      // lower bound without aliasing
  std::int64_t aliasing_bound = 0;   // lower bound with aliasing
  planner::Plan plain;               // the plan of the plain problem
  planner::Plan aliasing;            // the plan of the aliasing problem
  // 1 - aliasing arena / plain lower bound: > 0 when aliasing beats the plain bound.
  double reduction() const;
};

// Plans every model x batch with contiguous concat slices only, then again with strided ones
// for the models that have a concat (rows in that order, models outer, batches inner).
// Both problems of a row are planned with `options`.
std::vector<ModelPlanRow> plan_builtin_models(
    const std::vector<std::string>& models = kSuiteModels,
    const std::vector<std::int64_t>& batches = kSuiteBatches,
    const planner::PlanOptions& options = {});

nlohmann::json to_json(const std::vector<ModelPlanRow>& rows);
// A markdown table: model, batch, concat rule, buffers, naive, plain bound, plain arena,
// aliasing bound, aliasing arena, reduction vs the plain bound, algorithm, time (MiB, ms).
std::string markdown_table(const std::vector<ModelPlanRow>& rows);

}  // namespace plantune::bench
