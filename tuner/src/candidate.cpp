#include "plantune/tuner/candidate.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "plantune/core/error.h"

namespace plantune::tuner {

Validation make_validation(std::string reference, double max_rel_error, double tolerance,
                           bool output_finite, bool redzones_intact) {
  Validation v;
  v.reference = std::move(reference);
  v.max_rel_error = std::isfinite(max_rel_error) ? std::min(max_rel_error, 1e30) : 1e30;
  v.tolerance = tolerance;
  v.output_finite = output_finite;
  v.redzones_intact = redzones_intact;
  return v;
}

namespace {

constexpr std::array<std::string_view, 6> kOutcomeNames = {
    "ok", "not_supported", "incorrect", "over_workspace_limit", "failed", "timeout"};
static_assert(static_cast<int>(Outcome::timeout) + 1 == kOutcomeNames.size());

constexpr double kMaxMs = 1e9;
constexpr std::int64_t kMaxSamples = 1'000'000'000;

// Linear interpolation between order statistics of sorted `v` at quantile q in [0, 1].
double quantile(const std::vector<double>& v, double q) {
  double pos = q * static_cast<double>(v.size() - 1);
  auto lo = static_cast<std::size_t>(std::floor(pos));
  std::size_t hi = std::min(lo + 1, v.size() - 1);
  double frac = pos - static_cast<double>(lo);
  return v[lo] + (v[hi] - v[lo]) * frac;
}

}  // namespace

std::string_view to_string(Outcome o) {
  auto i = static_cast<std::size_t>(o);
  return i < kOutcomeNames.size() ? kOutcomeNames[i] : std::string_view("unknown");
}

std::optional<Outcome> outcome_from_string(std::string_view s) {
  for (std::size_t i = 0; i < kOutcomeNames.size(); ++i) {
    if (kOutcomeNames[i] == s) return static_cast<Outcome>(i);
  }
  return std::nullopt;
}

TimingStats TimingStats::from_samples(std::span<const double> samples_ms, bool cold_l2) {
  PT_REQUIRE(!samples_ms.empty(), invalid_argument, "timing statistics need at least one sample");
  std::vector<double> v(samples_ms.begin(), samples_ms.end());
  for (double x : v) {
    PT_REQUIRE(std::isfinite(x) && x >= 0, invalid_argument,
               "timing sample " << x << " ms is negative or not finite");
  }
  std::sort(v.begin(), v.end());
  TimingStats t;
  t.median_ms = quantile(v, 0.5);
  t.p10_ms = quantile(v, 0.1);
  t.p90_ms = quantile(v, 0.9);
  t.n = static_cast<std::int64_t>(v.size());
  t.cold_l2 = cold_l2;
  return t;
}

double TimingStats::spread() const { return median_ms > 0 ? (p90_ms - p10_ms) / median_ms : 0.0; }

double TimingStats::uncertainty() const {
  return n > 0 ? spread() / std::sqrt(static_cast<double>(n)) : INFINITY;
}

bool TimingStats::tighter_than(const TimingStats& other) const {
  double a = uncertainty(), b = other.uncertainty();
  if (a != b) return a < b;
  return n > other.n;
}

bool ranks_before(const Candidate& a, const Candidate& b) {
  bool a_ok = a.outcome == Outcome::ok, b_ok = b.outcome == Outcome::ok;
  if (a_ok != b_ok) return a_ok;
  if (!a_ok) return a.outcome < b.outcome;
  double ma = a.timing ? a.timing->median_ms : INFINITY;
  double mb = b.timing ? b.timing->median_ms : INFINITY;
  if (ma != mb) return ma < mb;
  return tactic_id(a.tactic) < tactic_id(b.tactic);
}

void rank_candidates(std::vector<Candidate>& candidates) {
  std::stable_sort(candidates.begin(), candidates.end(), ranks_before);
}

void validate(const Candidate& c) {
  validate(c.tactic);
  // Messages name the tactic; its id is only built when a check fails.
  auto id = [&c] { return tactic_id(c.tactic); };
  PT_REQUIRE(c.workspace_bytes >= 0, invalid_argument,
             "candidate " << id() << ": workspace_bytes " << c.workspace_bytes << " is negative");
  if (c.timing) {
    const TimingStats& t = *c.timing;
    bool finite = std::isfinite(t.p10_ms) && std::isfinite(t.median_ms) && std::isfinite(t.p90_ms);
    PT_REQUIRE(finite && t.p10_ms >= 0 && t.p10_ms <= t.median_ms && t.median_ms <= t.p90_ms &&
                   t.p90_ms <= kMaxMs,
               invalid_argument,
               "candidate " << id() << ": timing needs 0 <= p10 <= median <= p90 <= " << kMaxMs
                            << " ms, got p10 " << t.p10_ms << ", median " << t.median_ms << ", p90 "
                            << t.p90_ms);
    PT_REQUIRE(t.n >= 1 && t.n <= kMaxSamples, invalid_argument,
               "candidate " << id() << ": timing sample count " << t.n << " is outside 1.."
                            << kMaxSamples);
  }
  if (c.validation) {
    const Validation& v = *c.validation;
    PT_REQUIRE(std::isfinite(v.max_rel_error) && v.max_rel_error >= 0 &&
                   std::isfinite(v.tolerance) && v.tolerance > 0,
               invalid_argument,
               "candidate " << id() << ": validation needs a finite max_rel_error >= 0 and a "
                            << "tolerance > 0, got " << v.max_rel_error << " and " << v.tolerance);
  }
  if (c.outcome == Outcome::ok) {
    PT_REQUIRE(c.timing.has_value() && c.validation.has_value() && c.validation->passed(),
               invalid_argument,
               "candidate " << id() << ": outcome ok needs a timing and a passed validation");
  }
  if (c.outcome == Outcome::incorrect) {
    PT_REQUIRE(c.validation.has_value() && !c.validation->passed(), invalid_argument,
               "candidate " << id() << ": outcome incorrect needs a failed validation");
  }
}

}  // namespace plantune::tuner
