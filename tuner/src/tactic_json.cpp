#include "plantune/tuner/tactic_json.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "json_members.h"
#include "plantune/core/error.h"
#include "tactic_json_io.h"
#include "text.h"

namespace plantune::tuner {
namespace detail {
namespace {

constexpr std::int64_t kMaxId = std::int64_t{1} << 62;
constexpr std::int64_t kMaxBytes = std::int64_t{1} << 62;
constexpr std::int64_t kMaxDim = std::numeric_limits<std::int32_t>::max();
constexpr double kMaxMs = 1e9;

// Reads an enum by name; fails listing nothing more than the bad name (the schema lists them).
template <typename E>
E read_enum(JsonReader& r, std::optional<E> (*parse)(std::string_view), const char* what) {
  std::string_view s = r.string_view();
  auto v = parse(s);
  if (!v) r.fail(cat("unknown ", what, " '", s.substr(0, 64), "'"));
  return *v;
}

std::vector<std::string> read_string_list(JsonReader& r) {
  std::vector<std::string> out;
  r.begin_array();
  while (r.next_element()) out.push_back(r.string());
  return out;
}

void write_string_list(JsonWriter& w, const std::vector<std::string>& v) {
  w.begin_array(true);
  for (const auto& s : v) w.string(s);
  w.end_array();
}

constexpr std::array<std::string_view, 17> kTacticMembers = {
    "api",         "algo",           "math_type",        "engine_id",     "knobs",
    "source",      "behavior_notes", "numerical_notes",  "algo_id",       "tile",
    "stages",      "split_k",        "reduction_scheme", "cta_swizzling", "custom_option",
    "inner_shape", "cluster_shape"};
enum TacticMember : std::size_t {
  kApi,
  kAlgo,
  kMathType,
  kEngineId,
  kKnobs,
  kSource,
  kBehaviorNotes,
  kNumericalNotes,
  kAlgoId,
  kTile,
  kStages,
  kSplitK,
  kReduction,
  kSwizzle,
  kCustom,
  kInner,
  kCluster
};

constexpr std::array<std::string_view, 6> kTimingMembers = {"median_ms", "p10_ms", "p90_ms",
                                                            "n",         "spread", "cold_l2"};
constexpr std::array<std::string_view, 5> kValidationMembers = {
    "reference", "max_rel_error", "tolerance", "output_finite", "redzones_intact"};
constexpr std::array<std::string_view, 6> kCandidateMembers = {
    "tactic", "outcome", "timing", "workspace_bytes", "validation", "detail"};

TimingStats read_timing(JsonReader& r) {
  TimingStats t;
  double spread = 0;
  Members m(r, kTimingMembers);
  r.begin_object();
  std::string_view key;
  while (r.next_member(key)) {
    switch (m.take(key)) {
      case 0:
        t.median_ms = r.number(0, kMaxMs);
        break;
      case 1:
        t.p10_ms = r.number(0, kMaxMs);
        break;
      case 2:
        t.p90_ms = r.number(0, kMaxMs);
        break;
      case 3:
        t.n = r.integer(1, 1'000'000'000);
        break;
      case 4:
        spread = r.number(0, kMaxMs);
        break;
      default:
        t.cold_l2 = r.boolean();
        break;
    }
  }
  m.require({0, 1, 2, 3, 4, 5});
  double expected = t.spread();
  if (std::fabs(spread - expected) > 1e-9 * std::max(1.0, expected)) {
    r.fail(cat("timing spread ", std::to_string(spread),
               " is not (p90 - p10) / median = ", std::to_string(expected)));
  }
  return t;
}

Validation read_validation(JsonReader& r) {
  Validation v;
  Members m(r, kValidationMembers);
  r.begin_object();
  std::string_view key;
  while (r.next_member(key)) {
    switch (m.take(key)) {
      case 0:
        v.reference = r.string();
        break;
      case 1:
        v.max_rel_error = r.number(0, std::numeric_limits<double>::max());
        break;
      case 2:
        v.tolerance = r.number(0, std::numeric_limits<double>::max());
        break;
      case 3:
        v.output_finite = r.boolean();
        break;
      default:
        v.redzones_intact = r.boolean();
        break;
    }
  }
  m.require({0, 1, 2, 3, 4});
  return v;
}

}  // namespace

Layout read_layout(JsonReader& r) {
  std::string_view s = r.string_view();
  auto l = layout_from_string(s);
  if (!l) r.fail(cat("unknown layout '", s.substr(0, 64), "'"));
  return *l;
}

Precision read_precision(JsonReader& r) {
  return read_enum<Precision>(r, precision_from_string, "precision");
}

void write_variant_members(JsonWriter& w, const Variant& v) {
  w.key("layout");
  w.string(to_string(v.layout));
  w.key("precision");
  w.string(to_string(v.precision));
  w.key("padded_c");
  w.integer(v.padded_c);
  w.key("padded_k");
  w.integer(v.padded_k);
}

void write_tactic(JsonWriter& w, const TacticConfig& t) {
  w.begin_object(true);
  w.key("api");
  w.string(to_string(api_of(t)));
  if (const auto* l = std::get_if<LegacyConvTactic>(&t)) {
    w.key("algo");
    w.string(to_string(l->algo));
    w.key("math_type");
    w.string(to_string(l->math));
  } else if (const auto* g = std::get_if<GraphEngineTactic>(&t)) {
    w.key("engine_id");
    w.integer(g->engine_id);
    w.key("knobs");
    w.begin_object(true);
    for (const auto& k : g->knobs) {
      w.key(k.name);
      w.integer(k.value);
    }
    w.end_object();
    w.key("source");
    w.string(to_string(g->source));
    w.key("behavior_notes");
    write_string_list(w, g->behavior_notes);
    w.key("numerical_notes");
    write_string_list(w, g->numerical_notes);
  } else {
    const auto& c = std::get<CublasLtTactic>(t);
    w.key("algo_id");
    w.integer(c.algo_id);
    w.key("tile");
    w.string(c.tile);
    w.key("stages");
    w.string(c.stages);
    w.key("split_k");
    w.integer(c.split_k);
    w.key("reduction_scheme");
    w.string(to_string(c.reduction));
    w.key("cta_swizzling");
    w.integer(c.cta_swizzling);
    w.key("custom_option");
    w.integer(c.custom_option);
    w.key("inner_shape");
    w.string(c.inner_shape);
    w.key("cluster_shape");
    w.string(c.cluster_shape);
    w.key("source");
    w.string(to_string(c.source));
  }
  w.end_object();
}

TacticConfig read_tactic(JsonReader& r) {
  // Members may come in any order, so collect first and assemble once "api" is known.
  Members m(r, kTacticMembers);
  Api api = Api::cudnn_legacy;
  LegacyConvTactic legacy;
  GraphEngineTactic graph;
  CublasLtTactic lt;
  std::string_view source;
  std::string source_storage;
  r.begin_object();
  std::string_view key;
  while (r.next_member(key)) {
    switch (m.take(key)) {
      case kApi:
        api = read_enum<Api>(r, api_from_string, "api");
        break;
      case kAlgo:
        legacy.algo = read_enum<LegacyAlgo>(r, legacy_algo_from_string, "legacy algorithm");
        break;
      case kMathType:
        legacy.math = read_enum<MathType>(r, math_type_from_string, "math type");
        break;
      case kEngineId:
        graph.engine_id = r.integer(0, kMaxId);
        break;
      case kKnobs: {
        r.begin_object();
        std::string_view name;
        while (r.next_member(name)) {
          std::string n(name);
          std::int64_t value = r.integer(-kMaxId, kMaxId);
          if (graph.knob(n)) r.fail(cat("knob '", n, "' appears twice"));
          graph.set_knob(std::move(n), value);
        }
        break;
      }
      case kSource:
        source_storage = r.string();
        source = source_storage;
        break;
      case kBehaviorNotes:
        graph.behavior_notes = read_string_list(r);
        break;
      case kNumericalNotes:
        graph.numerical_notes = read_string_list(r);
        break;
      case kAlgoId:
        lt.algo_id = r.integer(0, kMaxId);
        break;
      case kTile:
        lt.tile = r.string();
        break;
      case kStages:
        lt.stages = r.string();
        break;
      case kSplitK:
        lt.split_k = r.integer(1, kMaxDim);
        break;
      case kReduction:
        lt.reduction =
            read_enum<ReductionScheme>(r, reduction_scheme_from_string, "reduction scheme");
        break;
      case kSwizzle:
        lt.cta_swizzling = r.integer(0, kMaxDim);
        break;
      case kCustom:
        lt.custom_option = r.integer(0, kMaxDim);
        break;
      case kInner:
        lt.inner_shape = r.string();
        break;
      default:
        lt.cluster_shape = r.string();
        break;
    }
  }
  m.require({kApi});
  // Each api owns its members; the others must be absent.
  auto only = [&](std::initializer_list<std::size_t> own) {
    for (std::size_t i = 1; i < kTacticMembers.size(); ++i) {
      bool mine = i == kSource && api != Api::cudnn_legacy;
      for (std::size_t o : own) mine = mine || o == i;
      if (m.has(i) && !mine) {
        r.fail(cat("member '", kTacticMembers[i], "' does not belong to api ", to_string(api)));
      }
    }
    m.require(own);
  };
  TacticConfig out;
  switch (api) {
    case Api::cudnn_legacy:
      only({kAlgo, kMathType});
      out = legacy;
      break;
    case Api::cudnn_graph: {
      only({kEngineId, kKnobs, kBehaviorNotes, kNumericalNotes});
      m.require({kSource});
      auto s = graph_source_from_string(source);
      if (!s) r.fail(cat("unknown graph tactic source '", source_storage, "'"));
      graph.source = *s;
      out = std::move(graph);
      break;
    }
    case Api::cublaslt: {
      only({kAlgoId, kTile, kStages, kSplitK, kReduction, kSwizzle, kCustom, kInner, kCluster});
      m.require({kSource});
      auto s = cublaslt_source_from_string(source);
      if (!s) r.fail(cat("unknown cuBLASLt tactic source '", source_storage, "'"));
      lt.source = *s;
      out = std::move(lt);
      break;
    }
  }
  return out;
}

void write_candidate(JsonWriter& w, const Candidate& c) {
  w.begin_object(true);
  w.key("tactic");
  write_tactic(w, c.tactic);
  w.key("outcome");
  w.string(to_string(c.outcome));
  if (c.timing) {
    const TimingStats& t = *c.timing;
    w.key("timing");
    w.begin_object(true);
    w.key("median_ms");
    w.number(t.median_ms);
    w.key("p10_ms");
    w.number(t.p10_ms);
    w.key("p90_ms");
    w.number(t.p90_ms);
    w.key("n");
    w.integer(t.n);
    w.key("spread");
    w.number(t.spread());
    w.key("cold_l2");
    w.boolean(t.cold_l2);
    w.end_object();
  }
  w.key("workspace_bytes");
  w.integer(c.workspace_bytes);
  if (c.validation) {
    const Validation& v = *c.validation;
    w.key("validation");
    w.begin_object(true);
    w.key("reference");
    w.string(v.reference);
    w.key("max_rel_error");
    w.number(v.max_rel_error);
    w.key("tolerance");
    w.number(v.tolerance);
    w.key("output_finite");
    w.boolean(v.output_finite);
    w.key("redzones_intact");
    w.boolean(v.redzones_intact);
    w.end_object();
  }
  if (!c.detail.empty()) {
    w.key("detail");
    w.string(c.detail);
  }
  w.end_object();
}

Candidate read_candidate(JsonReader& r) {
  Candidate c;
  Members m(r, kCandidateMembers);
  r.begin_object();
  std::string_view key;
  while (r.next_member(key)) {
    switch (m.take(key)) {
      case 0:
        c.tactic = read_tactic(r);
        break;
      case 1:
        c.outcome = read_enum<Outcome>(r, outcome_from_string, "outcome");
        break;
      case 2:
        c.timing = read_timing(r);
        break;
      case 3:
        c.workspace_bytes = r.integer(0, kMaxBytes);
        break;
      case 4:
        c.validation = read_validation(r);
        break;
      default:
        c.detail = r.string();
        break;
    }
  }
  m.require({0, 1, 3});
  try {
    validate(c);
  } catch (const Error& e) {
    r.fail(e.what());
  }
  return c;
}

}  // namespace detail

namespace {

template <typename T, typename Fn>
T read_one(std::string_view text, const std::string& source, Fn read) {
  detail::JsonReader r(text, source);
  T v = read(r);
  r.end_document();
  return v;
}

}  // namespace

std::string to_json_string(const TacticConfig& t) {
  detail::JsonWriter w;
  detail::write_tactic(w, t);
  return w.take();
}

std::string to_json_string(const Tactic& t) {
  detail::JsonWriter w;
  w.begin_object(true);
  detail::write_variant_members(w, t.variant);
  w.key("tactic");
  detail::write_tactic(w, t.config);
  w.end_object();
  return w.take();
}

std::string to_json_string(const Candidate& c) {
  detail::JsonWriter w;
  detail::write_candidate(w, c);
  return w.take();
}

TacticConfig tactic_config_from_json_string(std::string_view text, const std::string& source) {
  return read_one<TacticConfig>(text, source, [](detail::JsonReader& r) {
    TacticConfig t = detail::read_tactic(r);
    try {
      validate(t);
    } catch (const Error& e) {
      r.fail(e.what());
    }
    return t;
  });
}

Tactic tactic_from_json_string(std::string_view text, const std::string& source) {
  return read_one<Tactic>(text, source, [](detail::JsonReader& r) {
    static constexpr std::array<std::string_view, 5> kNames = {"layout", "precision", "padded_c",
                                                               "padded_k", "tactic"};
    Tactic t;
    detail::Members m(r, kNames);
    r.begin_object();
    std::string_view key;
    while (r.next_member(key)) {
      switch (m.take(key)) {
        case 0:
          t.variant.layout = detail::read_layout(r);
          break;
        case 1:
          t.variant.precision = detail::read_precision(r);
          break;
        case 2:
          t.variant.padded_c = r.integer(0, detail::kMaxDim);
          break;
        case 3:
          t.variant.padded_k = r.integer(0, detail::kMaxDim);
          break;
        default:
          t.config = detail::read_tactic(r);
          break;
      }
    }
    m.require({0, 1, 2, 3, 4});
    try {
      validate(t.config);
    } catch (const Error& e) {
      r.fail(e.what());
    }
    return t;
  });
}

Candidate candidate_from_json_string(std::string_view text, const std::string& source) {
  return read_one<Candidate>(text, source, detail::read_candidate);
}

void to_json(nlohmann::json& j, const Tactic& t) { j = nlohmann::json::parse(to_json_string(t)); }

void from_json(const nlohmann::json& j, Tactic& t) {
  t = tactic_from_json_string(j.dump(), "<json value>");
}

}  // namespace plantune::tuner
