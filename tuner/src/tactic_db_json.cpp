#include "plantune/tuner/tactic_db_json.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <limits>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "host_threads.h"
#include "json_members.h"
#include "plantune/core/error.h"
#include "plantune/layouts/transform_cost_json.h"
#include "plantune/precision/error_metrics_json.h"
#include "tactic_json_io.h"
#include "text.h"
#include "variant_rules.h"

namespace plantune::tuner {
namespace {

using detail::JsonReader;
using detail::JsonWriter;
using detail::Members;

constexpr std::int64_t kMaxDim = std::numeric_limits<std::int32_t>::max();

constexpr std::array<std::string_view, 5> kTopMembers = {"format", "schema_version", "environment",
                                                         "entries", "transforms"};
// layouts::transform_cost_to_json's members, in the order they are written: dims an array of
// integers, then strings, then bytes_moved and repetitions integers, the rest numbers.
constexpr std::array<std::string_view, 12> kTransformMembers = {
    "dims",        "src_layout", "src_dtype", "dst_layout", "dst_dtype",   "provider",
    "bytes_moved", "median_ms",  "min_ms",    "max_ms",     "repetitions", "gbps"};
constexpr std::array<std::string_view, 7> kEnvMembers = {
    "gpu_name",      "compute_capability", "sm_count", "driver_version", "cuda_runtime_version",
    "cudnn_version", "plantune_version"};
constexpr std::array<std::string_view, 2> kEntryMembers = {"key", "variants"};
constexpr std::array<std::string_view, 10> kVariantMembers = {
    "layout",          "precision", "padded_c",   "padded_k",   "status",
    "reverify_reason", "winner",    "provenance", "candidates", "error_vs_fp32"};
constexpr std::array<std::string_view, 4> kProvenanceMembers = {"date", "command", "commit",
                                                                "tuning_seconds"};
// The members of precision::error_metrics_to_json, in the order they are written; the first two
// are integers, the others numbers or "inf" / "-inf".
constexpr std::array<std::string_view, 8> kErrorMembers = {
    "count", "nonfinite", "max_abs", "max_rel", "mean_rel", "rel_l2", "sqnr_db", "cosine"};

constexpr std::string_view kStatusOk = "ok";
constexpr std::string_view kStatusReverify = "needs_reverify";

// ----- writing -----

void write_environment(JsonWriter& w, const Environment& e) {
  w.begin_object(true);
  w.key("gpu_name");
  w.string(e.gpu_name);
  w.key("compute_capability");
  w.string(detail::cat(e.cc_major, ".", e.cc_minor));
  w.key("sm_count");
  w.integer(e.sm_count);
  w.key("driver_version");
  w.string(e.driver_version);
  w.key("cuda_runtime_version");
  w.string(e.cuda_runtime_version);
  w.key("cudnn_version");
  w.string(e.cudnn_version);
  w.key("plantune_version");
  w.string(e.plantune_version);
  w.end_object();
}

// A flat JSON object another module builds (nlohmann) through our writer: one line, the
// members in `names`' order; values integers, numbers, strings or arrays of integers.
template <std::size_t N>
void write_flat(JsonWriter& w, const nlohmann::json& j, const std::array<std::string_view, N>& names,
                std::string_view what) {
  PT_REQUIRE(j.size() == N, internal,
             what << " JSON has " << j.size() << " members, the database writes " << N);
  w.begin_object(true);
  for (std::string_view name : names) {
    const nlohmann::json& v = j.at(std::string(name));
    w.key(name);
    if (v.is_array()) {
      w.begin_array(true);
      for (const auto& d : v) w.integer(d.get<std::int64_t>());
      w.end_array();
    } else if (v.is_number_integer()) {
      w.integer(v.get<std::int64_t>());
    } else if (v.is_number()) {
      w.number(v.get<double>());
    } else {
      w.string(v.get<std::string>());
    }
  }
  w.end_object();
}

void write_error_metrics(JsonWriter& w, const precision::ErrorMetrics& m) {
  write_flat(w, precision::error_metrics_to_json(m), kErrorMembers, "error metrics");
}

void write_transform(JsonWriter& w, const layouts::TransformCost& c) {
  write_flat(w, layouts::transform_cost_to_json(c), kTransformMembers, "transform cost");
}

void write_variant(JsonWriter& w, const VariantResult& r) {
  w.begin_object();
  detail::write_variant_members(w, r.variant);
  w.key("status");
  w.string(r.needs_reverify ? kStatusReverify : kStatusOk);
  if (r.needs_reverify) {
    w.key("reverify_reason");
    w.string(r.reverify_reason);
  }
  w.key("winner");
  if (const Candidate* c = r.winner()) {
    w.string(tactic_id(c->tactic));
  } else {
    w.null();
  }
  if (r.error_vs_fp32) {
    w.key("error_vs_fp32");
    write_error_metrics(w, *r.error_vs_fp32);
  }
  w.key("provenance");
  w.begin_object(true);
  w.key("date");
  w.string(r.provenance.date);
  w.key("command");
  w.string(r.provenance.command);
  w.key("commit");
  w.string(r.provenance.commit);
  w.key("tuning_seconds");
  w.number(r.provenance.tuning_seconds);
  w.end_object();
  w.key("candidates");
  w.begin_array();
  for (const auto& c : r.candidates) detail::write_candidate(w, c);
  w.end_array();
  w.end_object();
}

// ----- reading -----

Environment read_environment(JsonReader& r) {
  Environment e;
  Members m(r, kEnvMembers);
  r.begin_object();
  std::string_view key;
  while (r.next_member(key)) {
    switch (m.take(key)) {
      case 0:
        e.gpu_name = r.string();
        break;
      case 1: {
        std::string_view s = r.string_view();
        auto dot = s.find('.');
        auto num = [](std::string_view t, int& out) {
          auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
          return !t.empty() && t.size() <= 2 && ec == std::errc() && p == t.data() + t.size();
        };
        if (dot == std::string_view::npos || !num(s.substr(0, dot), e.cc_major) ||
            !num(s.substr(dot + 1), e.cc_minor) || e.cc_major < 0 || e.cc_minor < 0) {
          r.fail(detail::cat("compute capability '", s.substr(0, 32),
                             "' is not MAJOR.MINOR (e.g. \"9.0\")"));
        }
        break;
      }
      case 2:
        e.sm_count = static_cast<int>(r.integer(0, 1'000'000));
        break;
      case 3:
        e.driver_version = r.string();
        break;
      case 4:
        e.cuda_runtime_version = r.string();
        break;
      case 5:
        e.cudnn_version = r.string();
        break;
      default:
        e.plantune_version = r.string();
        break;
    }
  }
  m.require({0, 1, 2, 3, 4, 5, 6});
  return e;
}

Provenance read_provenance(JsonReader& r) {
  Provenance p;
  Members m(r, kProvenanceMembers);
  r.begin_object();
  std::string_view key;
  while (r.next_member(key)) {
    switch (m.take(key)) {
      case 0:
        p.date = r.string();
        if (!is_utc_timestamp(p.date)) {
          r.fail(detail::cat("date '", p.date.substr(0, 40),
                             "' is not a UTC timestamp YYYY-MM-DDTHH:MM:SSZ"));
        }
        break;
      case 1:
        p.command = r.string();
        break;
      case 2:
        p.commit = r.string();
        break;
      default:
        p.tuning_seconds = r.number(0, 1e9);
        break;
    }
  }
  m.require({0, 1, 2, 3});
  return p;
}

// Strictly what write_error_metrics writes (every member, integers where it writes integers,
// "inf" / "-inf" as the only strings), decoded by precision::error_metrics_from_json. Value
// ranges are check_variant_structure's.
precision::ErrorMetrics read_error_metrics(JsonReader& r) {
  nlohmann::json j = nlohmann::json::object();
  Members m(r, kErrorMembers);
  r.begin_object();
  std::string_view key;
  while (r.next_member(key)) {
    const std::size_t i = m.take(key);
    const std::string name(kErrorMembers[i]);
    if (i < 2) {
      j[name] = r.integer(0, std::numeric_limits<std::int64_t>::max());
    } else if (r.peek() == detail::JsonType::string) {
      const std::string_view s = r.string_view();
      if (s != "inf" && s != "-inf") {
        r.fail(detail::cat("'", s.substr(0, 32), "' is not a number, \"inf\" or \"-inf\""));
      }
      j[name] = std::string(s);
    } else {
      j[name] = r.number(-std::numeric_limits<double>::max(),
                         std::numeric_limits<double>::max());
    }
  }
  m.require({0, 1, 2, 3, 4, 5, 6, 7});
  try {
    return precision::error_metrics_from_json(j, r.path());
  } catch (const Error& e) {
    r.fail(e.what());
  }
}

// `scratch` collects the candidates before they move into a vector of the exact size: one
// allocation per variant instead of a growing vector's several.
VariantResult read_variant(JsonReader& r, std::vector<Candidate>& scratch) {
  VariantResult v;
  std::optional<std::string_view> winner;
  std::string winner_storage;  // when the name had escapes (not a view into the text)
  Members m(r, kVariantMembers);
  r.begin_object();
  std::string_view key;
  while (r.next_member(key)) {
    switch (m.take(key)) {
      case 0:
        v.variant.layout = detail::read_layout(r);
        break;
      case 1:
        v.variant.precision = detail::read_precision(r);
        break;
      case 2:
        v.variant.padded_c = r.integer(0, kMaxDim);
        break;
      case 3:
        v.variant.padded_k = r.integer(0, kMaxDim);
        break;
      case 4: {
        std::string_view s = r.string_view();
        if (s != kStatusOk && s != kStatusReverify) {
          r.fail(
              detail::cat("status '", s.substr(0, 64), "' is neither 'ok' nor 'needs_reverify'"));
        }
        v.needs_reverify = s == kStatusReverify;
        break;
      }
      case 5:
        v.reverify_reason = r.string();
        break;
      case 6:
        if (!r.null_if_present()) {
          winner = r.string_view();
          if (!r.in_text(*winner)) winner = winner_storage = std::string(*winner);
        }
        break;
      case 7:
        v.provenance = read_provenance(r);
        break;
      case 8:
        scratch.clear();
        r.begin_array();
        while (r.next_element()) scratch.push_back(detail::read_candidate(r));
        v.candidates.reserve(scratch.size());
        std::move(scratch.begin(), scratch.end(), std::back_inserter(v.candidates));
        break;
      default:
        v.error_vs_fp32 = read_error_metrics(r);
        break;
    }
  }
  m.require({0, 1, 2, 3, 4, 6, 7, 8});
  if (v.needs_reverify && v.reverify_reason.empty()) {
    r.fail("status needs_reverify needs a non-empty 'reverify_reason'");
  }
  if (!v.needs_reverify && m.has(5))
    r.fail("'reverify_reason' is only allowed with status needs_reverify");
  try {
    detail::check_variant_structure(v);
  } catch (const Error& e) {
    r.fail(e.what());
  }
  const Candidate* w = v.winner();
  if (!w && winner) {
    r.fail(detail::cat("winner '", *winner, "' is given but no candidate is ok"));
  }
  if (w && (!winner || *winner != tactic_id(w->tactic))) {
    r.fail(detail::cat("winner ", winner ? detail::cat("'", *winner, "'") : std::string("null"),
                       " is not the first ok candidate '", tactic_id(w->tactic), "'"));
  }
  return v;
}

Entry read_entry(JsonReader& r, std::vector<Candidate>& scratch) {
  Entry e;
  Members m(r, kEntryMembers);
  r.begin_object();
  std::string_view key;
  while (r.next_member(key)) {
    if (m.take(key) == 0) {
      e.key = r.string();
      try {
        e.problem = parse_problem_key(e.key);
      } catch (const Error& err) {
        r.fail(err.what());
      }
    } else {
      r.begin_array();
      while (r.next_element()) {
        e.variants.push_back(read_variant(r, scratch));
        std::size_t n = e.variants.size();
        if (n >= 2 && !(e.variants[n - 2].variant < e.variants[n - 1].variant)) {
          r.fail(detail::cat(
              "variant ", to_string(e.variants[n - 1].variant),
              e.variants[n - 2].variant == e.variants[n - 1].variant
                  ? " appears twice"
                  : " is out of order (variants are sorted by layout, precision, padding)"));
        }
      }
      if (e.variants.empty()) r.fail("an entry needs at least one variant");
    }
  }
  m.require({0, 1});
  return e;
}

// One transform cost record: its members as the layouts module writes them, checked by
// layouts::transform_cost_from_json (names, dims, bytes_moved against the desc) and for sane
// statistics (positive times, min <= median <= max, repetitions >= 1).
layouts::TransformCost read_transform(JsonReader& r) {
  Members m(r, kTransformMembers);
  nlohmann::json j = nlohmann::json::object();
  r.begin_object();
  std::string_view key;
  while (r.next_member(key)) {
    const std::size_t i = m.take(key);
    const std::string name(kTransformMembers[i]);
    if (i == 0) {
      nlohmann::json dims = nlohmann::json::array();
      r.begin_array();
      while (r.next_element()) dims.push_back(r.integer(1, kMaxDim));
      j[name] = std::move(dims);
    } else if (i <= 5) {
      j[name] = r.string();
    } else if (i == 6 || i == 10) {
      j[name] = r.integer(1, std::numeric_limits<std::int64_t>::max());
    } else {
      j[name] = r.number(0.0, std::numeric_limits<double>::max());
    }
  }
  m.require({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  layouts::TransformCost c;
  try {
    c = layouts::transform_cost_from_json(j, r.path());
  } catch (const Error& e) {
    r.fail(e.what());
  }
  if (!(c.median_ms > 0.0 && c.min_ms > 0.0 && c.min_ms <= c.median_ms && c.median_ms <= c.max_ms)) {
    r.fail(detail::cat("transform '", layouts::to_string(c.desc),
                       "': times must be positive with min_ms <= median_ms <= max_ms"));
  }
  return c;
}

// [parallel entries] The entries array is nearly all of a large database and its elements
// are independent, so it is read in pieces on several threads. The text after its '[' is cut
// where an element must begin: a ',' then '{' whose first member is "key" (whitespace allowed
// between). In valid JSON that pattern cannot lie inside a string (a quote inside a string is
// escaped), but in a hostile file it could be an object further down, so no cut is trusted
// until the piece before it has read whole elements up to exactly that ','; the first piece
// starts right after the '['. The pieces' entries then go into the database in order on the
// calling thread. Anything unexpected (a parse error, a cut not confirmed, a repeated key)
// throws the pieces' work away and the array is read again on the calling thread, which
// gives the error with its line, column and member path exactly as a one-thread read does.

bool is_json_ws(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

// The ',' of the first `, {"key" :` in [from, end), or nullptr.
const char* find_entry_cut(const char* from, const char* end) {
  constexpr std::string_view kKey = "\"key\"";
  const std::string_view rest(from, static_cast<std::size_t>(end - from));
  for (std::size_t pos = rest.find(kKey); pos != std::string_view::npos;
       pos = rest.find(kKey, pos + 1)) {
    const char* after = from + pos + kKey.size();
    while (after < end && is_json_ws(*after)) ++after;
    if (after == end || *after != ':') continue;
    const char* b = from + pos;
    while (b > from && is_json_ws(b[-1])) --b;
    if (b == from || b[-1] != '{') continue;
    --b;
    while (b > from && is_json_ws(b[-1])) --b;
    if (b == from || b[-1] != ',') continue;
    return b - 1;
  }
  return nullptr;
}

struct EntryPiece {
  std::vector<Entry> entries;
  bool ok = false;                   // read whole elements exactly up to the next cut
  std::optional<JsonReader> reader;  // the last piece's, after the array's ']'
};

// Reads elements from `at` until the next token is `stop` (the next piece's cut) or, for the
// last piece (`stop` null), until the array ends. Never throws: failure is !ok.
void read_entry_piece(const JsonReader& r, const char* at, const char* stop, bool first,
                      EntryPiece& out) noexcept {
  try {
    JsonReader pr = r.array_piece(at, first);
    std::vector<Candidate> scratch;
    while (true) {
      if (stop) {
        const char* next = pr.next_token();
        if (next >= stop) {
          out.ok = next == stop;
          return;
        }
      }
      if (!pr.next_element()) {
        out.ok = stop == nullptr;
        if (out.ok) out.reader.emplace(std::move(pr));
        return;
      }
      out.entries.push_back(read_entry(pr, scratch));
    }
  } catch (...) {
    out.ok = false;
  }
}

// The entries array read in pieces (r is just after its '['), the last piece's reader after
// the array's ']'; nullopt when the text is too small for two pieces or any piece failed: the
// caller then reads the array itself.
std::optional<std::vector<EntryPiece>> read_entries_in_pieces(JsonReader& r, std::string_view text,
                                                 const TacticDbReadOptions& o) {
  const char* begin = r.next_token();
  const char* end = text.data() + text.size();
  const auto bytes = static_cast<std::size_t>(end - begin);
  const std::size_t pieces =
      std::min<std::size_t>(o.thread_count(), bytes / std::max<std::size_t>(o.min_piece_bytes, 1));
  if (pieces < 2) return std::nullopt;
  std::vector<const char*> cuts{begin};
  for (std::size_t i = 1; i < pieces; ++i) {
    const char* cut = find_entry_cut(std::max(begin + i * (bytes / pieces), cuts.back() + 1), end);
    if (!cut) break;
    cuts.push_back(cut);
  }
  if (cuts.size() < 2) return std::nullopt;
  std::vector<EntryPiece> out(cuts.size());
  detail::run_parts_on_threads(cuts.size(), [&](std::size_t i) {
    read_entry_piece(r, cuts[i], i + 1 < cuts.size() ? cuts[i + 1] : nullptr, i == 0, out[i]);
  });
  for (const auto& p : out) {
    if (!p.ok) return std::nullopt;
  }
  return out;
}

}  // namespace

std::string tactic_db_to_json(const TacticDb& db) {
  JsonWriter w;
  w.begin_object();
  w.key("format");
  w.string(kTacticDbFormat);
  w.key("schema_version");
  w.integer(kTacticDbSchemaVersion);
  w.key("environment");
  write_environment(w, db.environment());
  w.key("entries");
  w.begin_array();
  for (const Entry* e : db.sorted_entries()) {
    w.begin_object();
    w.key("key");
    w.string(e->key);
    w.key("variants");
    w.begin_array();
    for (const auto& v : e->variants) write_variant(w, v);
    w.end_array();
    w.end_object();
  }
  w.end_array();
  if (!db.transforms().empty()) {
    w.key("transforms");
    w.begin_array();
    for (const auto& c : db.transforms()) write_transform(w, c);
    w.end_array();
  }
  w.end_object();
  std::string out = w.take();
  out += '\n';
  return out;
}

unsigned TacticDbReadOptions::thread_count() const {
  return std::clamp(threads != 0 ? threads : std::thread::hardware_concurrency(), 1u,
                    kMaxReadThreads);
}

TacticDb tactic_db_from_json(std::string_view text, const std::string& source) {
  return tactic_db_from_json(text, source, TacticDbReadOptions{});
}

TacticDb tactic_db_from_json(std::string_view text, const std::string& source,
                             const TacticDbReadOptions& options) {
  if (options.pieces_read) *options.pieces_read = 1;
  JsonReader r(text, source);
  TacticDb db;
  std::vector<Candidate> scratch;
  Members m(r, kTopMembers);
  if (r.peek() != detail::JsonType::object) {
    r.fail(detail::cat("not a tactic database (expected a JSON object with format \"",
                       kTacticDbFormat, "\")"));
  }
  r.begin_object();
  std::string_view key;
  while (r.next_member(key)) {
    switch (m.take(key)) {
      case 0:
        if (r.string_view() != kTacticDbFormat) {
          r.fail(detail::cat("format is not \"", kTacticDbFormat, "\""));
        }
        break;
      case 1: {
        std::int64_t v = r.integer(std::numeric_limits<std::int64_t>::min(),
                                   std::numeric_limits<std::int64_t>::max());
        if (v != kTacticDbSchemaVersion) {
          r.fail(detail::cat("schema version ", v, " is not supported (this build reads ",
                             kTacticDbSchemaVersion, ")"));
        }
        break;
      }
      case 2:
        db.env_ = read_environment(r);
        break;
      case 4:
        r.begin_array();
        while (r.next_element()) {
          const layouts::TransformCost c = read_transform(r);
          for (const auto& t : db.transforms_) {
            if (t.desc == c.desc && t.provider == c.provider) {
              r.fail(detail::cat("transform '", layouts::to_string(c.desc), "' of provider '",
                                 c.provider, "' appears twice"));
            }
          }
          db.transforms_.push_back(c);
        }
        break;
      default: {
        // False when the key is already there (try_emplace then leaves `e` as it was).
        auto insert = [&db](Entry& e) {
          std::string k = e.key;
          return db.entries_.try_emplace(std::move(k), std::move(e)).second;
        };
        r.begin_array();
        if (auto pieces = read_entries_in_pieces(r, text, options)) {
          std::size_t n = 0;
          for (const auto& p : *pieces) n += p.entries.size();
          db.entries_.reserve(n);
          bool unique = true;
          for (auto& p : *pieces) {
            for (auto& e : p.entries) unique = unique && insert(e);
          }
          if (unique) {
            if (options.pieces_read) *options.pieces_read = pieces->size();
            r.continue_after(*pieces->back().reader);
            break;
          }
          db.entries_.clear();  // a repeated key: the read below names it
        }
        while (r.next_element()) {
          Entry e = read_entry(r, scratch);
          if (!insert(e)) r.fail(detail::cat("entry key '", e.key, "' appears twice"));
        }
        break;
      }
    }
  }
  m.require({0, 1, 2, 3});
  r.end_document();
  return db;
}

}  // namespace plantune::tuner
