// pick_variant: the fastest variant whose precision a policy allows and whose stored error
// against fp32 fits its budget, on hand-built entries.
#include "plantune/tuner/precision_pick.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tuner/sample_db.h"

namespace plantune::tuner {
namespace {

using precision::PrecisionPolicy;
using testing::error_metrics;
using testing::graph_tactic;
using testing::ok_candidate;

const Variant kNchwFp32{Layout::nchw, Precision::fp32, 0, 0};
const Variant kNhwcFp32{Layout::nhwc, Precision::fp32, 0, 0};
const Variant kNchwTf32{Layout::nchw, Precision::tf32, 0, 0};
const Variant kNhwcFp16{Layout::nhwc, Precision::fp16, 0, 0};
const Variant kNchwFp16{Layout::nchw, Precision::fp16, 0, 0};
const Variant kNhwcBf16{Layout::nhwc, Precision::bf16, 0, 0};
const Variant kNhwcInt8{Layout::nhwc, Precision::int8, 0, 0};

// One variant whose winner takes `ms`, with `rel_l2` as its error against fp32 when given.
VariantResult variant(Variant v, double ms, std::optional<double> rel_l2) {
  VariantResult r;
  r.variant = v;
  r.provenance = testing::provenance();
  r.candidates.push_back(ok_candidate(graph_tactic(20), ms));
  if (rel_l2) r.error_vs_fp32 = error_metrics(*rel_l2);
  return r;
}

// An entry of testing::conv_problem(0) with `variants` (sorted, as TacticDb keeps them).
Entry entry(std::vector<VariantResult> variants) {
  Entry e = Entry::for_problem(testing::conv_problem(0));
  e.variants = std::move(variants);
  std::sort(e.variants.begin(), e.variants.end(),
            [](const VariantResult& a, const VariantResult& b) { return a.variant < b.variant; });
  return e;
}

TEST(PrecisionPick, PolicyDtypesNameTheRunPrecisions) {
  EXPECT_EQ(policy_dtype(Precision::fp32), DType::fp32);
  EXPECT_EQ(policy_dtype(Precision::tf32), DType::tf32);
  EXPECT_EQ(policy_dtype(Precision::fp16), DType::fp16);
  EXPECT_EQ(policy_dtype(Precision::bf16), DType::bf16);
  EXPECT_EQ(policy_dtype(Precision::int8), DType::int8);
}

TEST(PrecisionPick, FastestFittingVariantWins) {
  // bf16 fastest but 2e-2 is over its 1e-2 budget; fp16 next and fits; fp32 slowest.
  const Entry e = entry({variant(kNchwFp32, 0.100, 1e-7), variant(kNhwcFp16, 0.040, 4e-4),
                         variant(kNhwcBf16, 0.030, 2e-2), variant(kNchwTf32, 0.060, 3e-4)});
  std::string why;
  const VariantResult* r = pick_variant(e, PrecisionPolicy::defaults(), std::nullopt, &why);
  ASSERT_NE(r, nullptr) << why;
  EXPECT_EQ(r->variant, kNhwcFp16);
  EXPECT_NE(why.find("nhwc/bf16: over its budget: rel_l2 0.02 > 0.01"), std::string::npos) << why;
  EXPECT_NE(why.find("picked nhwc/fp16 (0.04 ms)"), std::string::npos) << why;
  // a looser bf16 budget lets it win
  PrecisionPolicy loose = PrecisionPolicy::defaults();
  precision::ErrorBudget b;
  b.max_rel_l2 = 5e-2;
  loose.allow(DType::bf16, b);
  r = pick_variant(e, loose);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->variant, kNhwcBf16);
}

TEST(PrecisionPick, DisallowedPrecisionIsSkipped) {
  // int8 is fastest and within the int8 default budget, but the defaults do not allow int8.
  const Entry e = entry({variant(kNhwcInt8, 0.010, 5e-3), variant(kNhwcFp16, 0.040, 4e-4)});
  std::string why;
  const VariantResult* r = pick_variant(e, PrecisionPolicy::defaults(), std::nullopt, &why);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->variant, kNhwcFp16);
  EXPECT_NE(why.find("nhwc/int8: precision int8 is not allowed by the policy"), std::string::npos)
      << why;
  PrecisionPolicy with_int8 = PrecisionPolicy::defaults();
  with_int8.allow(DType::int8);
  r = pick_variant(e, with_int8);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->variant, kNhwcInt8);
}

TEST(PrecisionPick, WithoutAStoredErrorOnlyFp32Qualifies) {
  // fp16 is faster but has no error (a database from before errors were stored).
  const Entry e = entry({variant(kNchwFp32, 0.100, std::nullopt),
                         variant(kNhwcFp16, 0.040, std::nullopt)});
  std::string why;
  const VariantResult* r = pick_variant(e, PrecisionPolicy::defaults(), std::nullopt, &why);
  ASSERT_NE(r, nullptr) << why;
  EXPECT_EQ(r->variant, kNchwFp32);
  EXPECT_NE(why.find("nhwc/fp16: no error against fp32 stored"), std::string::npos) << why;
  // an fp32 variant with a stored error is held to the fp32 budget (1e-4)
  const Entry bad = entry({variant(kNchwFp32, 0.100, 3e-4)});
  EXPECT_EQ(pick_variant(bad, PrecisionPolicy::defaults(), std::nullopt, &why), nullptr);
  EXPECT_NE(why.find("nchw/fp32: over its budget: rel_l2 0.0003 > 0.0001"), std::string::npos)
      << why;
}

TEST(PrecisionPick, LayoutRestrictsTheChoice) {
  const Entry e = entry({variant(kNchwFp16, 0.050, 4e-4), variant(kNhwcFp16, 0.040, 4e-4),
                         variant(kNhwcFp32, 0.080, 1e-7)});
  std::string why;
  const VariantResult* r = pick_variant(e, PrecisionPolicy::defaults(), Layout::nchw, &why);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->variant, kNchwFp16);
  EXPECT_NE(why.find("nhwc/fp16: not in layout nchw"), std::string::npos) << why;
  r = pick_variant(e, PrecisionPolicy::fp32_only(), Layout::nhwc);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->variant, kNhwcFp32);
  EXPECT_EQ(pick_variant(e, PrecisionPolicy::fp32_only(), Layout::nchw), nullptr);
}

TEST(PrecisionPick, NothingFitsGivesNullAndSaysWhy) {
  VariantResult none_ok = variant(kNchwFp32, 0.1, std::nullopt);
  none_ok.candidates = {testing::failed_candidate(graph_tactic(9), Outcome::not_supported, "")};
  VariantResult unverified = variant(kNhwcFp32, 0.05, 1e-7);
  unverified.needs_reverify = true;
  unverified.reverify_reason = "cuDNN version differs";
  const Entry e = entry({none_ok, unverified, variant(kNhwcFp16, 0.040, 3e-2),
                         variant(kNhwcInt8, 0.010, 5e-3)});
  std::string why;
  EXPECT_EQ(pick_variant(e, PrecisionPolicy::defaults(), std::nullopt, &why), nullptr);
  EXPECT_NE(why.find("nchw/fp32: no winner"), std::string::npos) << why;
  EXPECT_NE(why.find("nhwc/fp32: needs re-verification (cuDNN version differs)"),
            std::string::npos)
      << why;
  EXPECT_NE(why.find("nhwc/fp16: over its budget: rel_l2 0.03 > 0.01"), std::string::npos) << why;
  EXPECT_NE(why.find("nhwc/int8: precision int8 is not allowed"), std::string::npos) << why;
  EXPECT_NE(why.find("no variant fits the policy"), std::string::npos) << why;
  EXPECT_EQ(pick_variant(Entry::for_problem(testing::conv_problem(0)),
                         PrecisionPolicy::defaults()),
            nullptr);
}

}  // namespace
}  // namespace plantune::tuner
