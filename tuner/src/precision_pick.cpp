#include "plantune/tuner/precision_pick.h"

#include <sstream>

namespace plantune::tuner {

DType policy_dtype(Precision p) {
  switch (p) {
    case Precision::fp32: return DType::fp32;
    case Precision::tf32: return DType::tf32;
    case Precision::fp16: return DType::fp16;
    case Precision::bf16: return DType::bf16;
    case Precision::int8: return DType::int8;
  }
  return DType::fp32;
}

const VariantResult* pick_variant(const Entry& e, const precision::PrecisionPolicy& policy,
                                  std::optional<Layout> layout, std::string* why) {
  std::ostringstream out;
  const VariantResult* best = nullptr;
  for (const VariantResult& r : e.variants) {
    const std::string name = to_string(r.variant);
    const DType dt = policy_dtype(r.variant.precision);
    const Candidate* w = r.winner();
    std::string skip;
    if (layout && r.variant.layout != *layout) {
      skip = "not in layout " + std::string(to_string(*layout));
    } else if (w == nullptr) {
      skip = "no winner (no tactic succeeded)";
    } else if (r.needs_reverify) {
      skip = "needs re-verification (" + r.reverify_reason + ")";
    } else if (!policy.allows(dt)) {
      skip = "precision " + std::string(to_string(dt)) + " is not allowed by the policy";
    } else if (r.error_vs_fp32) {
      if (std::string over = policy.budget(dt).why_not(*r.error_vs_fp32); !over.empty()) {
        skip = "over its budget: " + over;
      }
    } else if (dt != DType::fp32) {
      skip = "no error against fp32 stored (tune it again to measure one)";
    }
    if (!skip.empty()) {
      out << name << ": " << skip << "\n";
      continue;
    }
    if (best == nullptr || w->timing->median_ms < best->winner()->timing->median_ms) best = &r;
  }
  if (best != nullptr) {
    out << "picked " << to_string(best->variant) << " (" << best->winner()->timing->median_ms
        << " ms)";
  } else {
    out << "no variant fits the policy";
  }
  if (why != nullptr) *why = out.str();
  return best;
}

}  // namespace plantune::tuner
