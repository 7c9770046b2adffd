#include "plantune/tuner/tactic_db.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <unordered_set>

#include "plantune/core/error.h"
#include "plantune/tuner/problem_from_graph.h"
#include "text.h"
#include "variant_rules.h"

namespace plantune::tuner {
namespace {

double median_of(const Candidate* c) { return c && c->timing ? c->timing->median_ms : 0.0; }

// Which of two results for the same tactic a merge keeps (true: theirs). See TacticDb::merge.
bool prefer_theirs(const Candidate& ours, const Candidate& theirs) {
  bool ours_bad = ours.outcome == Outcome::incorrect;
  bool theirs_bad = theirs.outcome == Outcome::incorrect;
  if (ours_bad || theirs_bad) return !ours_bad;
  if (ours.timing.has_value() != theirs.timing.has_value()) return theirs.timing.has_value();
  if (ours.timing && theirs.timing) return theirs.timing->tighter_than(*ours.timing);
  return false;
}

void merge_variant(const std::string& key, VariantResult& ours, const VariantResult& theirs,
                   MergeReport& report) {
  if (ours.needs_reverify != theirs.needs_reverify) {
    if (ours.needs_reverify) {
      ours = theirs;
      ++report.replaced_unverified;
    }
    return;
  }
  ++report.merged_variants;
  std::size_t first_conflict = report.conflicts.size();
  // Copies: merging below reallocates ours.candidates.
  std::optional<Candidate> ours_winner;
  if (const Candidate* w = ours.winner()) ours_winner = *w;
  const Candidate* theirs_winner = theirs.winner();

  for (const Candidate& t : theirs.candidates) {
    auto it = std::find_if(ours.candidates.begin(), ours.candidates.end(),
                           [&](const Candidate& o) { return same_tactic(o.tactic, t.tactic); });
    if (it == ours.candidates.end()) {
      ours.candidates.push_back(t);
      continue;
    }
    if (it->outcome != t.outcome) {
      Conflict c;
      c.kind = Conflict::Kind::outcome;
      c.key = key;
      c.variant = ours.variant;
      c.ours_id = c.theirs_id = tactic_id(t.tactic);
      c.ours_ms = median_of(&*it);
      c.theirs_ms = median_of(&t);
      c.ours_outcome = it->outcome;
      c.theirs_outcome = t.outcome;
      report.conflicts.push_back(std::move(c));
    }
    if (prefer_theirs(*it, t)) *it = t;
  }
  rank_candidates(ours.candidates);
  if (theirs.provenance.date > ours.provenance.date) ours.provenance = theirs.provenance;

  const Candidate* kept = ours.winner();
  // error_vs_fp32 belongs to the winner it was measured on: the side whose winner is the
  // merged winner gives it (ours first); none when neither side's is.
  auto won = [&](const Candidate* w) {
    return kept != nullptr && w != nullptr && same_tactic(w->tactic, kept->tactic);
  };
  if (!(won(ours_winner ? &*ours_winner : nullptr) && ours.error_vs_fp32)) {
    ours.error_vs_fp32 = won(theirs_winner) ? theirs.error_vs_fp32 : std::nullopt;
  }
  std::string kept_id = kept ? tactic_id(kept->tactic) : "";
  for (std::size_t i = first_conflict; i < report.conflicts.size(); ++i) {
    report.conflicts[i].kept_id = kept_id;
  }
  if (ours_winner && theirs_winner && !same_tactic(ours_winner->tactic, theirs_winner->tactic)) {
    Conflict c;
    c.kind = Conflict::Kind::winner;
    c.key = key;
    c.variant = ours.variant;
    c.ours_id = tactic_id(ours_winner->tactic);
    c.ours_ms = median_of(&*ours_winner);
    c.theirs_id = tactic_id(theirs_winner->tactic);
    c.theirs_ms = median_of(theirs_winner);
    c.kept_id = kept_id;
    report.conflicts.push_back(std::move(c));
  }
}

// The rules of VariantResult::error_vs_fp32 (tactic_db.h).
void check_error_vs_fp32(const VariantResult& r, const precision::ErrorMetrics& m) {
  const std::string where = to_string(r.variant);
  PT_REQUIRE(r.winner() != nullptr, invalid_argument,
             "variant " << where << ": error_vs_fp32 is stored without a winner");
  PT_REQUIRE(m.count >= 1 && m.nonfinite >= 0 && m.nonfinite <= m.count, invalid_argument,
             "variant " << where << ": error_vs_fp32 count " << m.count << " and nonfinite "
                        << m.nonfinite << " need count >= 1 and 0 <= nonfinite <= count");
  const std::pair<const char*, double> errors[] = {
      {"max_abs", m.max_abs}, {"max_rel", m.max_rel}, {"mean_rel", m.mean_rel},
      {"rel_l2", m.rel_l2}};
  for (const auto& [name, v] : errors) {
    PT_REQUIRE(v >= 0, invalid_argument,  // false for NaN too
               "variant " << where << ": error_vs_fp32 " << name << " " << v
                          << " must be >= 0");
  }
  PT_REQUIRE(!std::isnan(m.sqnr_db), invalid_argument,
             "variant " << where << ": error_vs_fp32 sqnr_db is NaN");
  PT_REQUIRE(m.cosine >= -1 && m.cosine <= 1, invalid_argument,
             "variant " << where << ": error_vs_fp32 cosine " << m.cosine
                        << " is outside -1..1");
}

void sort_variants(std::vector<VariantResult>& v) {
  std::sort(v.begin(), v.end(),
            [](const VariantResult& a, const VariantResult& b) { return a.variant < b.variant; });
}

}  // namespace

Provenance Provenance::now(std::string command, std::string commit, double tuning_seconds) {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return Provenance{buf, std::move(command), std::move(commit), tuning_seconds};
}

bool is_utc_timestamp(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SSZ
  if (s.size() != 20) return false;
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (kShape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != kShape[i]) return false;
  }
  auto num = [&](std::size_t pos, std::size_t len) {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  int month = num(5, 2), day = num(8, 2), hour = num(11, 2), minute = num(14, 2),
      second = num(17, 2);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 &&
         second <= 60;
}

const Candidate* VariantResult::winner() const {
  if (candidates.empty() || candidates.front().outcome != Outcome::ok) return nullptr;
  return &candidates.front();
}

void detail::check_variant_structure(const VariantResult& r) {
  std::string where = to_string(r.variant);
  PT_REQUIRE(r.variant.padded_c >= 0 && r.variant.padded_k >= 0, invalid_argument,
             "variant " << where << ": padded channel counts must be >= 0");
  PT_REQUIRE(is_utc_timestamp(r.provenance.date), invalid_argument,
             "variant " << where << ": provenance date '" << r.provenance.date
                        << "' is not a UTC timestamp YYYY-MM-DDTHH:MM:SSZ");
  PT_REQUIRE(std::isfinite(r.provenance.tuning_seconds) && r.provenance.tuning_seconds >= 0,
             invalid_argument,
             "variant " << where << ": tuning_seconds " << r.provenance.tuning_seconds
                        << " must be finite and >= 0");
  PT_REQUIRE(r.needs_reverify == !r.reverify_reason.empty(), invalid_argument,
             "variant " << where << ": a reverify reason is required exactly when the variant "
                        << "needs re-verification");
  if (r.error_vs_fp32) check_error_vs_fp32(r, *r.error_vs_fp32);
  const auto& c = r.candidates;
  for (std::size_t i = 1; i < c.size(); ++i) {
    PT_REQUIRE(!ranks_before(c[i], c[i - 1]), invalid_argument,
               "variant " << where << ": candidate " << i << " (" << tactic_id(c[i].tactic)
                          << ") is out of rank order (ok by median time, then by outcome)");
  }
  for (std::size_t i = 1; i < c.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      PT_REQUIRE(!same_tactic(c[j].tactic, c[i].tactic), invalid_argument,
                 "variant " << where << ": tactic " << tactic_id(c[i].tactic)
                            << " is listed twice (candidates " << j << " and " << i << ")");
    }
  }
}

void VariantResult::validate() const {
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    try {
      plantune::tuner::validate(candidates[i]);
    } catch (const Error& e) {
      PT_FAIL(invalid_argument,
              "variant " << to_string(variant) << ", candidate " << i << ": " << e.what());
    }
  }
  detail::check_variant_structure(*this);
}

void trim_candidates(VariantResult& r, std::size_t max_ok,
                     const std::function<bool(const Candidate&)>& keep) {
  std::size_t ok_seen = 0;
  std::erase_if(r.candidates, [&](const Candidate& c) {
    if (c.outcome == Outcome::ok && ok_seen++ < max_ok) return false;
    if (c.outcome == Outcome::incorrect) return false;
    return !(keep && keep(c));
  });
}

Entry Entry::for_problem(const Problem& p) { return Entry{problem_key(p), p, {}}; }

const VariantResult* Entry::find(const Variant& v) const {
  auto it =
      std::lower_bound(variants.begin(), variants.end(), v,
                       [](const VariantResult& r, const Variant& x) { return r.variant < x; });
  return it != variants.end() && it->variant == v ? &*it : nullptr;
}

std::string Conflict::describe() const {
  auto ms = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f ms", v);
    return std::string(buf);
  };
  std::string s = detail::cat(key, " [", to_string(variant), "]: ");
  if (kind == Kind::winner) {
    s += detail::cat("different winners: ours ", ours_id, " (", ms(ours_ms), "), theirs ",
                     theirs_id, " (", ms(theirs_ms), ")");
  } else {
    s += detail::cat("tactic ", ours_id, " is ", to_string(ours_outcome), " in ours, ",
                     to_string(theirs_outcome), " in theirs");
  }
  s += detail::cat("; kept ", kept_id.empty() ? std::string("no winner") : kept_id);
  return s;
}

const Entry* TacticDb::find(std::string_view key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

std::optional<Choice> TacticDb::lookup(std::string_view key, const Variant& v,
                                       bool include_unverified) const {
  const Entry* e = find(key);
  if (!e) return std::nullopt;
  const VariantResult* r = e->find(v);
  if (!r || (r->needs_reverify && !include_unverified)) return std::nullopt;
  const Candidate* w = r->winner();
  if (!w) return std::nullopt;
  return Choice{e->key, r->variant, *w, r->needs_reverify};
}

std::optional<Choice> TacticDb::best(std::string_view key,
                                     const std::function<bool(const Variant&)>& allow,
                                     bool include_unverified) const {
  const Entry* e = find(key);
  if (!e) return std::nullopt;
  const VariantResult* best_r = nullptr;
  for (const auto& r : e->variants) {
    if ((r.needs_reverify && !include_unverified) || (allow && !allow(r.variant))) continue;
    const Candidate* w = r.winner();
    if (w && (!best_r || w->timing->median_ms < best_r->winner()->timing->median_ms)) best_r = &r;
  }
  if (!best_r) return std::nullopt;
  return Choice{e->key, best_r->variant, *best_r->winner(), best_r->needs_reverify};
}

void TacticDb::insert(Entry e) {
  PT_REQUIRE(e.key == problem_key(e.problem), invalid_argument,
             "entry key '" << e.key << "' is not the key of its problem ('"
                           << problem_key(e.problem) << "')");
  std::visit([](const auto& p) { p.validate(); }, e.problem);
  for (auto& r : e.variants) rank_candidates(r.candidates);
  sort_variants(e.variants);
  for (std::size_t i = 0; i < e.variants.size(); ++i) {
    PT_REQUIRE(i == 0 || e.variants[i - 1].variant != e.variants[i].variant, invalid_argument,
               "entry '" << e.key << "': variant " << to_string(e.variants[i].variant)
                         << " appears twice");
    try {
      e.variants[i].validate();
    } catch (const Error& err) {
      PT_FAIL(invalid_argument, "entry '" << e.key << "': " << err.what());
    }
  }
  std::string key = e.key;
  entries_.insert_or_assign(std::move(key), std::move(e));
}

void TacticDb::insert(const Problem& p, VariantResult r) {
  std::string key = problem_key(p);
  auto it = entries_.find(key);
  Entry e = it == entries_.end() ? Entry::for_problem(p) : it->second;
  auto v = std::find_if(e.variants.begin(), e.variants.end(),
                        [&](const VariantResult& x) { return x.variant == r.variant; });
  if (v == e.variants.end()) {
    e.variants.push_back(std::move(r));
  } else {
    *v = std::move(r);
  }
  insert(std::move(e));
}

MergeReport TacticDb::merge(const TacticDb& other) {
  MergeReport report;
  if (env_.empty() && entries_.empty()) {
    env_ = other.env_;
  } else {
    report.environment = check_environment(other.env_, env_);
  }
  if (report.environment.verdict == EnvVerdict::reject) {
    report.rejected_entries = other.size();
    return report;
  }
  bool reverify = report.environment.verdict == EnvVerdict::reverify;
  std::string reason =
      detail::cat("measured in another environment: ", report.environment.reason());

  for (const layouts::TransformCost& c : other.transforms_) put_transform(c);
  for (const Entry* theirs : other.sorted_entries()) {
    Entry incoming = *theirs;
    if (reverify) {
      for (auto& r : incoming.variants) {
        if (!r.needs_reverify) {
          r.needs_reverify = true;
          r.reverify_reason = reason;
        }
      }
    }
    auto it = entries_.find(incoming.key);
    if (it == entries_.end()) {
      ++report.added_entries;
      std::string key = incoming.key;
      entries_.emplace(std::move(key), std::move(incoming));
      continue;
    }
    Entry& ours = it->second;
    for (auto& r : incoming.variants) {
      auto v = std::find_if(ours.variants.begin(), ours.variants.end(),
                            [&](const VariantResult& x) { return x.variant == r.variant; });
      if (v == ours.variants.end()) {
        ++report.added_variants;
        ours.variants.push_back(std::move(r));
      } else {
        merge_variant(ours.key, *v, r, report);
      }
    }
    sort_variants(ours.variants);
  }
  return report;
}

bool TacticDb::put_transform(const layouts::TransformCost& c) {
  layouts::validate(c.desc);
  PT_REQUIRE(c.median_ms > 0.0 && c.repetitions >= 1 && !c.provider.empty(), invalid_argument,
             "transform cost of " << layouts::to_string(c.desc)
                                  << ": needs a provider, a positive median and repetitions");
  auto spread = [](const layouts::TransformCost& t) { return t.max_ms / t.min_ms; };
  for (layouts::TransformCost& t : transforms_) {
    if (t.desc != c.desc || t.provider != c.provider) continue;
    const bool tighter = c.repetitions > t.repetitions ||
                         (c.repetitions == t.repetitions && spread(c) < spread(t));
    if (tighter) t = c;
    return tighter;
  }
  transforms_.push_back(c);
  return true;
}

TacticDb TacticDb::subset(std::span<const std::string> keys,
                          std::vector<std::string>* missing) const {
  TacticDb out(env_);
  out.transforms_ = transforms_;
  for (const auto& k : keys) {
    auto it = entries_.find(k);
    if (it != entries_.end()) {
      out.entries_.insert_or_assign(it->first, it->second);
    } else if (missing) {
      missing->push_back(k);
    }
  }
  return out;
}

TacticDb TacticDb::winners_only() const {
  TacticDb out(env_);
  out.transforms_ = transforms_;
  for (const auto& [key, e] : entries_) {
    Entry lean = e;
    for (VariantResult& v : lean.variants) {
      const bool has_winner = v.winner() != nullptr;
      v.candidates.resize(has_winner ? 1 : 0);  // the winner is the first candidate
    }
    out.entries_.insert_or_assign(key, std::move(lean));
  }
  return out;
}

TacticDb TacticDb::subset_for_graph(const Graph& g, std::optional<std::int64_t> batch) const {
  std::unordered_set<std::string> geometries;
  for (const auto& k : tunable_keys(g, batch)) geometries.insert(std::string(geometry_of_key(k)));
  TacticDb out(env_);
  out.transforms_ = transforms_;
  for (const auto& [key, e] : entries_) {
    if (geometries.count(std::string(geometry_of_key(key)))) out.entries_.emplace(key, e);
  }
  return out;
}

std::size_t TacticDb::mark_needs_reverify(const std::string& reason) {
  PT_REQUIRE(!reason.empty(), invalid_argument, "a re-verification reason must not be empty");
  std::size_t n = 0;
  for (auto& [key, e] : entries_) {
    for (auto& r : e.variants) {
      if (r.needs_reverify) continue;
      r.needs_reverify = true;
      r.reverify_reason = reason;
      ++n;
    }
  }
  return n;
}

std::vector<const Entry*> TacticDb::sorted_entries() const {
  std::vector<const Entry*> out;
  out.reserve(entries_.size());
  for (const auto& [key, e] : entries_) out.push_back(&e);
  std::sort(out.begin(), out.end(), [](const Entry* a, const Entry* b) { return a->key < b->key; });
  return out;
}

std::size_t TacticDb::variant_count() const {
  std::size_t n = 0;
  for (const auto& [key, e] : entries_) n += e.variants.size();
  return n;
}

}  // namespace plantune::tuner
