#pragma once
// A picture of a plan that opens in a browser: steps on x, arena addresses on y (0 at the
// bottom), one labelled rectangle per buffer of nonzero size (class "buffer"; aliases, which
// share their root's bytes, as dashed outlines of class "buffer alias") with a <title>
// tooltip giving name, size, interval and offset; the lower bound as a dashed line and the
// arena as a solid one; axis ticks and labels in MiB and steps.
#include <string>

#include "plantune/planner/problem.h"

namespace plantune::planner {

struct SvgOptions {
  int width = 1200;   // whole picture, pixels
  int height = 720;
  std::string title;  // heading; empty: "memory plan (<algorithm>)"
};

// Throws invalid_argument when plan.offsets does not have one offset per buffer.
std::string plan_to_svg(const Problem& problem, const Plan& plan, const SvgOptions& options = {});
// Writes plan_to_svg() to `path` atomically; io_error when the file system refuses.
void save_plan_svg(const std::string& path, const Problem& problem, const Plan& plan,
                   const SvgOptions& options = {});

}  // namespace plantune::planner
