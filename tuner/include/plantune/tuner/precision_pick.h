#pragma once
// Choosing among a problem's tuned variants under a precision policy: the fastest variant whose
// precision the policy allows and whose measured error against fp32 (VariantResult::
// error_vs_fp32) fits the policy's budget for that precision (precision_policy.h).
#include <optional>
#include <string>

#include "plantune/core/dtype.h"
#include "plantune/precision/precision_policy.h"
#include "plantune/tuner/tactic_db.h"

namespace plantune::tuner {

// The dtype a PrecisionPolicy names run precision `p` by: fp32 -> DType::fp32, tf32 ->
// DType::tf32, fp16 -> DType::fp16, bf16 -> DType::bf16, int8 -> DType::int8.
DType policy_dtype(Precision p);

// The variant of `e` with the fastest winner (median time; the first in variant order on a
// tie) among those that
//   * have a winner and do not need re-verification (as TacticDb::lookup),
//   * are in `layout`, when one is given,
//   * run in a precision `policy` allows, and
//   * have an error_vs_fp32 within policy.budget(precision). An fp32 variant without a stored
//     error qualifies (fp32 is the reference precision); any other variant without one does
//     not: its cost in accuracy is unknown.
// nullptr when none qualifies. `why`, when given, receives one line per variant passed over
// ("nhwc/fp16: over its budget: rel_l2 0.031 > 0.01"), then "picked <variant> (<ms> ms)" or
// "no variant fits the policy".
const VariantResult* pick_variant(const Entry& e, const precision::PrecisionPolicy& policy,
                                  std::optional<Layout> layout = std::nullopt,
                                  std::string* why = nullptr);

}  // namespace plantune::tuner
