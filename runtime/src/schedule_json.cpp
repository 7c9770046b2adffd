#include "plantune/runtime/schedule_json.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "plantune/core/error.h"
#include "plantune/core/graph_json.h"
#include "plantune/tuner/problem_key.h"
#include "plantune/tuner/tactic_json.h"

namespace plantune::runtime {

namespace {

using nlohmann::json;
constexpr std::string_view kFormat = "plantune-schedule";

json env_to_json(const tuner::Environment& e) {
  return {{"gpu_name", e.gpu_name},
          {"compute_capability", std::to_string(e.cc_major) + "." + std::to_string(e.cc_minor)},
          {"sm_count", e.sm_count},
          {"driver_version", e.driver_version},
          {"cuda_runtime_version", e.cuda_runtime_version},
          {"cudnn_version", e.cudnn_version},
          {"plantune_version", e.plantune_version}};
}

// Strict member access with the path in every message.
class Reader {
 public:
  Reader(const std::string& source) : source_(source) {}
  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    PT_FAIL(parse_error, source_ << ": " << path << ": " << what);
  }
  const json& member(const json& obj, const std::string& path, const char* name) const {
    if (!obj.is_object()) fail(path, "expected an object");
    auto it = obj.find(name);
    if (it == obj.end()) fail(path, std::string("missing member '") + name + "'");
    return *it;
  }
  void only(const json& obj, const std::string& path, std::set<std::string> allowed) const {
    if (!obj.is_object()) fail(path, "expected an object");
    for (auto it = obj.begin(); it != obj.end(); ++it)
      if (!allowed.count(it.key())) fail(path, "unknown member '" + it.key() + "'");
  }
  std::string str(const json& obj, const std::string& path, const char* name) const {
    const json& v = member(obj, path, name);
    if (!v.is_string()) fail(path + "." + name, "expected a string");
    return v.get<std::string>();
  }
  std::int64_t integer(const json& obj, const std::string& path, const char* name) const {
    const json& v = member(obj, path, name);
    if (!v.is_number_integer()) fail(path + "." + name, "expected an integer");
    return v.get<std::int64_t>();
  }
  double number(const json& obj, const std::string& path, const char* name) const {
    const json& v = member(obj, path, name);
    if (!v.is_number()) fail(path + "." + name, "expected a number");
    return v.get<double>();
  }
  bool boolean(const json& obj, const std::string& path, const char* name) const {
    const json& v = member(obj, path, name);
    if (!v.is_boolean()) fail(path + "." + name, "expected true or false");
    return v.get<bool>();
  }
  template <class T, class F>
  T enumerated(const json& obj, const std::string& path, const char* name, F parse) const {
    const std::string s = str(obj, path, name);
    auto v = parse(s);
    if (!v) fail(path + "." + name, "unknown value '" + s + "'");
    return *v;
  }

 private:
  const std::string& source_;
};

tuner::Environment env_from_json(const Reader& r, const json& j, const std::string& path) {
  r.only(j, path, {"gpu_name", "compute_capability", "sm_count", "driver_version",
                   "cuda_runtime_version", "cudnn_version", "plantune_version"});
  tuner::Environment e;
  e.gpu_name = r.str(j, path, "gpu_name");
  const std::string cc = r.str(j, path, "compute_capability");
  if (std::sscanf(cc.c_str(), "%d.%d", &e.cc_major, &e.cc_minor) != 2)
    r.fail(path + ".compute_capability", "expected \"major.minor\", got '" + cc + "'");
  e.sm_count = static_cast<int>(r.integer(j, path, "sm_count"));
  e.driver_version = r.str(j, path, "driver_version");
  e.cuda_runtime_version = r.str(j, path, "cuda_runtime_version");
  e.cudnn_version = r.str(j, path, "cudnn_version");
  e.plantune_version = r.str(j, path, "plantune_version");
  return e;
}

}  // namespace

std::string schedule_to_json(const Schedule& s) {
  json j;
  j["format"] = kFormat;
  j["schema_version"] = s.schema_version;
  j["created"] = s.created;
  j["command"] = s.command;
  j["precision"] = std::string(tuner::to_string(s.precision));
  j["environment"] = env_to_json(s.environment);
  j["layers"] = {{"ops_before", s.ops_before}, {"after", s.layers_after}};
  j["layout_assignment"] = {{"method", s.layout_method}, {"exact", s.layout_exact}};
  j["estimated_ms"] = s.estimated_ms;
  j["memory"] = {{"arena_bytes", s.memory.arena_bytes},
                 {"workspace_bytes", s.memory.workspace_bytes},
                 {"naive_bytes", s.memory.naive_bytes},
                 {"lower_bound_bytes", s.memory.lower_bound_bytes},
                 {"algorithm", s.memory.algorithm}};
  json tensors = json::array();
  for (const auto& t : s.tensors) {
    json jt = {{"name", t.name},
               {"source", t.source},
               {"dims", t.dims},
               {"layout", std::string(to_string(t.layout))},
               {"dtype", std::string(to_string(t.dtype))},
               {"bytes", t.bytes},
               {"offset", t.offset}};
    if (t.graph_input) jt["graph_input"] = true;
    if (t.graph_output) jt["graph_output"] = true;
    tensors.push_back(std::move(jt));
  }
  j["tensors"] = std::move(tensors);
  auto name_of = [&](int id) { return s.tensors.at(static_cast<std::size_t>(id)).name; };
  json steps = json::array();
  for (const auto& st : s.steps) {
    json js = {{"name", st.name}, {"kind", std::string(to_string(st.kind))}};
    json inputs = json::array();
    for (int t : st.inputs) inputs.push_back(name_of(t));
    js["inputs"] = std::move(inputs);
    js["output"] = name_of(st.output);
    js["estimated_ms"] = st.estimated_ms;
    if (st.kind == StepKind::layer) {
      js["op"] = std::string(to_string(st.op));
      js["ops"] = st.ops;
      if (st.residual) js["residual"] = name_of(*st.residual);
      js["bias"] = st.bias;
      if (st.folded_bn) js["folded_bn"] = *st.folded_bn;
      js["activation"] = std::string(to_string(st.activation));
      js["epilogue_fused"] = st.epilogue_fused;
      js["in_place"] = st.in_place;
      if (st.workspace_offset >= 0) js["workspace_offset"] = st.workspace_offset;
      if (st.tactic) {
        json tactic;
        tuner::to_json(tactic, st.tactic->tactic);
        js["tactic"] = {{"key", st.tactic->key},
                        {"tactic", std::move(tactic)},
                        {"median_ms", st.tactic->median_ms},
                        {"workspace_bytes", st.tactic->workspace_bytes}};
      }
    }
    if (!st.note.empty()) js["note"] = st.note;
    steps.push_back(std::move(js));
  }
  j["steps"] = std::move(steps);
  j["network"] = graph_to_json(s.graph);
  return j.dump(1);
}

Schedule schedule_from_json(std::string_view text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    PT_FAIL(parse_error, source << ": not JSON: " << e.what());
  }
  const Reader r(source);
  r.only(j, "$", {"format", "schema_version", "created", "command", "precision", "environment",
                  "layers", "layout_assignment", "estimated_ms", "memory", "tensors", "steps",
                  "network"});
  if (r.str(j, "$", "format") != kFormat)
    r.fail("$.format", "expected \"" + std::string(kFormat) + "\": not a plantune schedule");
  Schedule s;
  s.schema_version = static_cast<int>(r.integer(j, "$", "schema_version"));
  if (s.schema_version != kScheduleSchemaVersion)
    r.fail("$.schema_version", "version " + std::to_string(s.schema_version) +
                                   ", this build reads " + std::to_string(kScheduleSchemaVersion));
  s.created = r.str(j, "$", "created");
  s.command = r.str(j, "$", "command");
  s.precision = r.enumerated<tuner::Precision>(j, "$", "precision", tuner::precision_from_string);
  s.environment = env_from_json(r, r.member(j, "$", "environment"), "$.environment");
  const json& layers = r.member(j, "$", "layers");
  r.only(layers, "$.layers", {"ops_before", "after"});
  s.ops_before = static_cast<std::size_t>(r.integer(layers, "$.layers", "ops_before"));
  s.layers_after = static_cast<std::size_t>(r.integer(layers, "$.layers", "after"));
  const json& la = r.member(j, "$", "layout_assignment");
  r.only(la, "$.layout_assignment", {"method", "exact"});
  s.layout_method = r.str(la, "$.layout_assignment", "method");
  s.layout_exact = r.boolean(la, "$.layout_assignment", "exact");
  s.estimated_ms = r.number(j, "$", "estimated_ms");
  const json& m = r.member(j, "$", "memory");
  r.only(m, "$.memory", {"arena_bytes", "workspace_bytes", "naive_bytes",
                         "lower_bound_bytes", "algorithm"});
  s.memory.arena_bytes = r.integer(m, "$.memory", "arena_bytes");
  s.memory.workspace_bytes = r.integer(m, "$.memory", "workspace_bytes");
  s.memory.naive_bytes = r.integer(m, "$.memory", "naive_bytes");
  s.memory.lower_bound_bytes = r.integer(m, "$.memory", "lower_bound_bytes");
  s.memory.algorithm = r.str(m, "$.memory", "algorithm");
  try {
    s.graph = graph_from_json(r.member(j, "$", "network"), source + ": $.network");
  } catch (const Error& e) {
    PT_FAIL(parse_error, e.what());
  }

  std::map<std::string, int> ids;
  const json& tensors = r.member(j, "$", "tensors");
  if (!tensors.is_array()) r.fail("$.tensors", "expected an array");
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const std::string path = "$.tensors[" + std::to_string(i) + "]";
    const json& jt = tensors[i];
    r.only(jt, path, {"name", "source", "dims", "layout", "dtype", "bytes", "offset",
                      "graph_input", "graph_output"});
    ScheduleTensor t;
    t.name = r.str(jt, path, "name");
    t.source = r.str(jt, path, "source");
    const json& dims = r.member(jt, path, "dims");
    if (!dims.is_array()) r.fail(path + ".dims", "expected an array of integers");
    for (const json& d : dims) {
      if (!d.is_number_integer()) r.fail(path + ".dims", "expected an array of integers");
      t.dims.push_back(d.get<std::int64_t>());
    }
    t.layout = r.enumerated<Layout>(jt, path, "layout", layout_from_string);
    t.dtype = r.enumerated<DType>(jt, path, "dtype", dtype_from_string);
    t.bytes = r.integer(jt, path, "bytes");
    t.offset = r.integer(jt, path, "offset");
    if (jt.contains("graph_input")) t.graph_input = r.boolean(jt, path, "graph_input");
    if (jt.contains("graph_output")) t.graph_output = r.boolean(jt, path, "graph_output");
    if (!ids.emplace(t.name, static_cast<int>(i)).second)
      r.fail(path + ".name", "tensor '" + t.name + "' listed twice");
    s.tensors.push_back(std::move(t));
  }
  auto tensor_id = [&](const json& v, const std::string& path) {
    if (!v.is_string()) r.fail(path, "expected a tensor name");
    auto it = ids.find(v.get<std::string>());
    if (it == ids.end()) r.fail(path, "unknown tensor '" + v.get<std::string>() + "'");
    return it->second;
  };
  const json& steps = r.member(j, "$", "steps");
  if (!steps.is_array()) r.fail("$.steps", "expected an array");
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string path = "$.steps[" + std::to_string(i) + "]";
    const json& js = steps[i];
    r.only(js, path, {"name", "kind", "inputs", "output", "estimated_ms", "op", "ops", "residual",
                      "bias", "folded_bn", "activation", "epilogue_fused", "in_place",
                      "workspace_offset", "tactic",
                      "note"});
    ScheduleStep st;
    st.name = r.str(js, path, "name");
    st.kind = r.enumerated<StepKind>(js, path, "kind", step_kind_from_string);
    const json& inputs = r.member(js, path, "inputs");
    if (!inputs.is_array()) r.fail(path + ".inputs", "expected an array of tensor names");
    for (std::size_t k = 0; k < inputs.size(); ++k)
      st.inputs.push_back(tensor_id(inputs[k], path + ".inputs[" + std::to_string(k) + "]"));
    st.output = tensor_id(r.member(js, path, "output"), path + ".output");
    st.estimated_ms = r.number(js, path, "estimated_ms");
    if (js.contains("note")) st.note = r.str(js, path, "note");
    if (st.kind == StepKind::layer) {
      st.op = r.enumerated<OpKind>(js, path, "op", op_kind_from_string);
      const json& ops = r.member(js, path, "ops");
      if (!ops.is_array()) r.fail(path + ".ops", "expected an array of op names");
      for (const json& o : ops) {
        if (!o.is_string()) r.fail(path + ".ops", "expected an array of op names");
        st.ops.push_back(o.get<std::string>());
      }
      if (js.contains("residual"))
        st.residual = tensor_id(js["residual"], path + ".residual");
      st.bias = r.boolean(js, path, "bias");
      if (js.contains("folded_bn")) st.folded_bn = r.str(js, path, "folded_bn");
      st.activation = r.enumerated<Activation>(js, path, "activation", activation_from_string);
      st.epilogue_fused = r.boolean(js, path, "epilogue_fused");
      st.in_place = r.boolean(js, path, "in_place");
      if (js.contains("workspace_offset"))
        st.workspace_offset = r.integer(js, path, "workspace_offset");
      if (js.contains("tactic")) {
        const json& jt = js["tactic"];
        const std::string tp = path + ".tactic";
        r.only(jt, tp, {"key", "tactic", "median_ms", "workspace_bytes"});
        StepTactic t;
        t.key = r.str(jt, tp, "key");
        try {
          t.tactic = r.member(jt, tp, "tactic").get<tuner::Tactic>();
          tuner::parse_problem_key(t.key);
        } catch (const Error& e) {
          r.fail(tp, e.what());
        } catch (const json::exception& e) {
          r.fail(tp, e.what());
        }
        t.median_ms = r.number(jt, tp, "median_ms");
        t.workspace_bytes = r.integer(jt, tp, "workspace_bytes");
        st.tactic = std::move(t);
      }
    }
    s.steps.push_back(std::move(st));
  }
  try {
    s.validate();
  } catch (const Error& e) {
    PT_FAIL(parse_error, source << ": " << e.what());
  }
  return s;
}

void save_schedule(const Schedule& s, const std::string& path) {
  const std::string text = schedule_to_json(s);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    PT_REQUIRE(out.good(), io_error, "cannot write '" << tmp << "'");
    out << text << "\n";
    out.flush();
    PT_REQUIRE(out.good(), io_error, "writing '" << tmp << "' failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    PT_FAIL(io_error, "cannot rename '" << tmp << "' to '" << path << "'");
  }
}

Schedule load_schedule(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  PT_REQUIRE(in.good(), io_error, "cannot read schedule '" << path << "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return schedule_from_json(ss.str(), path);
}

}  // namespace plantune::runtime
