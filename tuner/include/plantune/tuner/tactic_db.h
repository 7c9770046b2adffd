#pragma once
// TacticDb: the tuner's memory of what it measured, in memory. Entries are keyed by the
// canonical problem key (problem_key.h); each entry holds, per Variant (layout x precision x
// channel padding), the ranked candidates, the winner and the provenance. The database carries
// the Environment it was measured in (environment.h). JSON form: tactic_db_json.h; files with
// locking and atomic saves: tactic_db_store.h; format: docs/tactic-db-format.md.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "plantune/core/graph.h"
#include "plantune/layouts/transform_cost.h"
#include "plantune/precision/error_metrics.h"
#include "plantune/tuner/candidate.h"
#include "plantune/tuner/environment.h"
#include "plantune/tuner/problem_key.h"
#include "plantune/tuner/tactic.h"

namespace plantune::tuner {

// Schema version this build reads and writes.
inline constexpr int kTacticDbSchemaVersion = 1;

// How a variant's results came to be.
struct Provenance {
  std::string date;           // UTC, "2026-11-22T04:12:25Z"
  std::string command;        // the command line that measured it
  std::string commit;         // plantune source revision, may be empty
  double tuning_seconds = 0;  // time spent tuning this variant

  // Provenance dated now (UTC).
  static Provenance now(std::string command, std::string commit, double tuning_seconds);
  bool operator==(const Provenance&) const = default;
};

// True for "YYYY-MM-DDTHH:MM:SSZ" with plausible field ranges.
bool is_utc_timestamp(std::string_view s);

struct VariantResult {
  Variant variant;
  std::vector<Candidate> candidates;  // rank order (rank_candidates)
  Provenance provenance;
  bool needs_reverify = false;  // measured in another environment: re-validate and re-time
  std::string reverify_reason;  // why (non-empty exactly when needs_reverify)
  // The winner's output against an fp64 reference computed from the unrounded (fp32) inputs:
  // what running in this variant's precision costs, where each candidate's Validation only
  // checks it against the same rounded inputs (Note [error vs fp32] in tuner.h). Absent
  // without a winner, for GEMMs, and in databases written before it was measured.
  std::optional<precision::ErrorMetrics> error_vs_fp32;

  // The first candidate when its outcome is ok; nullptr when no tactic succeeded.
  const Candidate* winner() const;
  // Throws invalid_argument naming the variant: candidate rules (validate(Candidate)),
  // rank order, a tactic listed twice, negative padding, a malformed provenance date, a
  // reverify reason that does not match needs_reverify, or an error_vs_fp32 without a winner
  // or out of range (count >= 1, 0 <= nonfinite <= count, no NaN, errors >= 0, cosine in
  // [-1, 1]).
  void validate() const;
  bool operator==(const VariantResult&) const = default;
};

// Bounds what a variant stores (database size and load time grow with the candidates): keeps
// the first `max_ok` ok candidates, every incorrect one (a tactic that once failed validation
// stays known), and any other that `keep` selects; drops the rest, keeping rank order.
void trim_candidates(VariantResult& r, std::size_t max_ok,
                     const std::function<bool(const Candidate&)>& keep = {});

struct Entry {
  std::string key;  // problem_key(problem)
  Problem problem;
  std::vector<VariantResult> variants;  // sorted by Variant, each variant once

  static Entry for_problem(const Problem& p);
  const VariantResult* find(const Variant& v) const;
  bool operator==(const Entry&) const = default;
};

// The answer of a lookup: the winning tactic of one variant and its measurements.
struct Choice {
  std::string key;
  Variant variant;
  Candidate winner;
  bool needs_reverify = false;

  Tactic tactic() const { return Tactic{variant, winner.tactic}; }
  double median_ms() const { return winner.timing ? winner.timing->median_ms : 0.0; }
};

// A disagreement found while merging. kind winner: both sides had a winner for the variant and
// they differ (ids and median times of both; `kept` is the merged winner). kind outcome: one
// tactic has different outcomes on the two sides (ours_id == theirs_id).
struct Conflict {
  enum class Kind { winner, outcome };
  Kind kind = Kind::winner;
  std::string key;
  Variant variant;
  std::string ours_id, theirs_id;
  double ours_ms = 0, theirs_ms = 0;  // medians (0 when untimed)
  Outcome ours_outcome = Outcome::ok, theirs_outcome = Outcome::ok;
  std::string kept_id;  // empty when the merged variant has no winner

  // One line for reports.
  std::string describe() const;
};

struct MergeReport {
  EnvCheck environment;                 // the other database's environment against ours
  std::size_t rejected_entries = 0;     // not merged: the environment check rejected them
  std::size_t added_entries = 0;        // keys we did not have
  std::size_t added_variants = 0;       // variants we did not have, of keys we had
  std::size_t merged_variants = 0;      // variants both had, candidates merged
  std::size_t replaced_unverified = 0;  // our needs_reverify variants replaced by verified ones
  std::vector<Conflict> conflicts;
};

class TacticDb;
struct TacticDbReadOptions;
// Defined in tactic_db_json.h.
TacticDb tactic_db_from_json(std::string_view text, const std::string& source);

class TacticDb {
 public:
  TacticDb() = default;
  explicit TacticDb(Environment env) : env_(std::move(env)) {}

  const Environment& environment() const { return env_; }
  void set_environment(Environment env) { env_ = std::move(env); }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  const Entry* find(std::string_view key) const;
  // The winner of one variant; nullopt when the key or variant is absent, no tactic succeeded,
  // or the variant needs re-verification and `include_unverified` is false.
  std::optional<Choice> lookup(std::string_view key, const Variant& v,
                               bool include_unverified = false) const;
  // The fastest winner over the variants `allow` accepts (all when empty), same rules.
  std::optional<Choice> best(std::string_view key,
                             const std::function<bool(const Variant&)>& allow = {},
                             bool include_unverified = false) const;

  // Adds an entry or replaces the entry with the same key. Candidates are ranked and
  // variants sorted first; throws invalid_argument (naming key and variant) when the entry
  // breaks a rule of VariantResult::validate, repeats a variant, or its key is not
  // problem_key(problem).
  void insert(Entry e);
  // Adds or replaces one variant of the problem's entry (creating the entry when needed).
  void insert(const Problem& p, VariantResult r);

  // Merges `other` into this database. Environments first (Note [environment check]): when
  // ours is empty we adopt theirs; when theirs is rejected nothing is merged; when it needs
  // re-verification, their variants come in marked needs_reverify with the reason.
  // Per variant both have: a verified variant replaces an unverified one; otherwise the
  // candidates are united by tactic identity, and for a tactic on both sides we keep:
  // an `incorrect` result if either side has one (never trust a tactic that once failed
  // validation), else the one with timing statistics, else the tighter statistics
  // (TimingStats::tighter_than: smaller spread / sqrt(n), then more samples), else ours.
  // The winner is then the fastest ok candidate; differing winners and differing outcomes
  // are reported as conflicts. The provenance kept is the later-dated one (ours on a tie).
  // error_vs_fp32 belongs to the winner it was measured on: the merged variant keeps the one
  // of the side whose winner is the merged winner (ours first), none when neither is.
  MergeReport merge(const TacticDb& other);

  // A database with our environment and the entries of `keys` (in any order); keys we do not
  // have are appended to `missing` when given.
  TacticDb subset(std::span<const std::string> keys,
                  std::vector<std::string>* missing = nullptr) const;
  // The entries whose problems have the geometry (sizes, padding, strides, groups) of a
  // tunable op of `g` (batch overridden when given), whatever their dtypes.
  TacticDb subset_for_graph(const Graph& g, std::optional<std::int64_t> batch = std::nullopt) const;

  // A copy in which each variant keeps only its winner (no candidate when no tactic
  // succeeded), with the same environment and transform costs: all that a runtime which only
  // looks winners up reads, and the fastest to load (tactic_db_bench).
  TacticDb winners_only() const;

  // Marks every variant needs_reverify with `reason`; returns how many were not marked yet.
  std::size_t mark_needs_reverify(const std::string& reason);
  // Entries sorted by key (the order files are written in).
  std::vector<const Entry*> sorted_entries() const;
  // Total number of variants.
  std::size_t variant_count() const;

  // Measured layout/precision transform costs (layouts/transform_cost.h), at most one per
  // (desc, provider), in insertion order: what a schedule weighs a layout change with
  // (layouts::predict_ms). `put_transform` adds `c`, or replaces the record of the same desc and
  // provider when `c` is tighter (more repetitions; on a tie a smaller max/min spread); returns
  // whether `c` was stored. merge() does the same with the other database's records (none when
  // its environment is rejected); subset() keeps them all (they are few and small).
  const std::vector<layouts::TransformCost>& transforms() const { return transforms_; }
  bool put_transform(const layouts::TransformCost& c);

 private:
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };

  Environment env_;
  std::unordered_map<std::string, Entry, KeyHash, std::equal_to<>> entries_;
  std::vector<layouts::TransformCost> transforms_;

  // The JSON reader checks each rule while reading and inserts directly.
  friend TacticDb tactic_db_from_json(std::string_view text, const std::string& source,
                                      const TacticDbReadOptions& options);
};

}  // namespace plantune::tuner
