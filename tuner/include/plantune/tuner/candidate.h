#pragma once
// What happened when a tactic was tried: its outcome, its validation against a reference, and
// its timing statistics. Candidates of one variant are kept in rank order (rank_candidates).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plantune/tuner/tactic.h"

namespace plantune::tuner {

// ok: validated and timed. not_supported: the library declined the problem (not an error).
// incorrect: output differed from the reference or guard bytes were overwritten; never chosen.
// over_workspace_limit: needs more workspace than allowed; never allocated.
// failed: the library reported an error while running. timeout: exceeded its time budget.
enum class Outcome { ok, not_supported, incorrect, over_workspace_limit, failed, timeout };

std::string_view to_string(Outcome o);
std::optional<Outcome> outcome_from_string(std::string_view s);

// Timing of one tactic: order statistics of n repeated runs (milliseconds). cold_l2: inputs
// were rotated over more than the L2 size between runs.
struct TimingStats {
  double median_ms = 0, p10_ms = 0, p90_ms = 0;
  std::int64_t n = 0;
  bool cold_l2 = true;

  // Percentiles by linear interpolation between order statistics (numpy's default).
  // Throws invalid_argument for no samples or a negative or non-finite sample.
  static TimingStats from_samples(std::span<const double> samples_ms, bool cold_l2);
  // (p90 - p10) / median, 0 when the median is 0.
  double spread() const;
  // spread() / sqrt(n): how uncertain the median is; smaller is tighter.
  double uncertainty() const;
  // Tighter: smaller uncertainty(); on equal uncertainty, more samples. Merges keep the tighter.
  bool tighter_than(const TimingStats& other) const;

  bool operator==(const TimingStats&) const = default;
};

// Comparison of a tactic's output with an independent reference.
struct Validation {
  std::string reference;        // which reference, e.g. "direct_fp64" or "cpu_sampled"
  double max_rel_error = 0;     // over finite outputs
  double tolerance = 0;         // per-dtype limit for max_rel_error
  bool output_finite = true;    // false: NaN or Inf where the reference is finite
  bool redzones_intact = true;  // guard bytes around output and workspace unchanged

  bool passed() const { return output_finite && redzones_intact && max_rel_error <= tolerance; }
  bool operator==(const Validation&) const = default;
};

// The Validation of a comparison: `max_rel_error` as measured, stored finite (NaN, inf and
// anything above 1e30 become 1e30, so the database can hold it).
Validation make_validation(std::string reference, double max_rel_error, double tolerance,
                           bool output_finite, bool redzones_intact);

struct Candidate {
  TacticConfig tactic;
  Outcome outcome = Outcome::not_supported;
  std::optional<TimingStats> timing;     // present when timed
  std::int64_t workspace_bytes = 0;      // requested workspace
  std::optional<Validation> validation;  // present when compared with a reference
  std::string detail;                    // why it was not ok (a status name), may be empty

  bool operator==(const Candidate&) const = default;
};

// Rank order: ok candidates first by median time (ties by tactic_id), then the others grouped
// by outcome in enum order, keeping their relative order.
bool ranks_before(const Candidate& a, const Candidate& b);
// Stable sort into rank order.
void rank_candidates(std::vector<Candidate>& candidates);

// Throws invalid_argument describing the first broken rule: tactic names (validate(tactic));
// timing finite with 0 <= p10 <= median <= p90 <= 1e9 ms, 1 <= n <= 1e9; validation
// tolerance > 0 and errors finite and >= 0; workspace >= 0; ok needs a timing and a passed
// validation; incorrect needs a failed validation.
void validate(const Candidate& c);

}  // namespace plantune::tuner
