#include "plantune/core/graph_json.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "plantune/core/error.h"

namespace plantune {

using nlohmann::json;

namespace {

constexpr const char* kFormat = "plantune-network";
constexpr int kVersion = 1;

// Marks an attribute that has no usable default.
constexpr bool kRequired = true;

// ---- attribute fields, shared by reader and writer so the names cannot drift -------------------
// `v(name, field[, required])` visits each field of an attribute struct, in documentation order.

template <class V, class A>
void conv_fields(V& v, A& a, OpKind k) {
  v("out_channels", a.out_channels, kRequired);
  v("kernel_h", a.kernel_h);
  v("kernel_w", a.kernel_w);
  v("stride_h", a.stride_h);
  v("stride_w", a.stride_w);
  v("pad_h", a.pad_h);
  v("pad_w", a.pad_w);
  v("dilation_h", a.dilation_h);
  v("dilation_w", a.dilation_w);
  v("groups", a.groups);
  if (k == OpKind::conv_transpose2d) {
    v("output_pad_h", a.output_pad_h);
    v("output_pad_w", a.output_pad_w);
  }
  v("bias", a.bias);
  v("activation", a.activation);
}

template <class V, class A>
void attr_fields(V& v, A& attrs, OpKind k) {
  using T = std::remove_const_t<A>;
  if constexpr (std::is_same_v<T, NoAttrs>) {
  } else if constexpr (std::is_same_v<T, ConvAttrs>) {
    conv_fields(v, attrs, k);
  } else if constexpr (std::is_same_v<T, BatchNormAttrs>) {
    v("epsilon", attrs.epsilon);
  } else if constexpr (std::is_same_v<T, ActivationAttrs>) {
    v("activation", attrs.kind);
  } else if constexpr (std::is_same_v<T, PoolAttrs>) {
    v("kernel_h", attrs.kernel_h);
    v("kernel_w", attrs.kernel_w);
    v("stride_h", attrs.stride_h);
    v("stride_w", attrs.stride_w);
    v("pad_h", attrs.pad_h);
    v("pad_w", attrs.pad_w);
    v("ceil_mode", attrs.ceil_mode);
  } else if constexpr (std::is_same_v<T, EltwiseAttrs>) {
    v("activation", attrs.activation);
  } else if constexpr (std::is_same_v<T, ConcatAttrs>) {
    v("axis", attrs.axis);
  } else if constexpr (std::is_same_v<T, FullyConnectedAttrs>) {
    v("out_features", attrs.out_features, kRequired);
    v("bias", attrs.bias);
    v("activation", attrs.activation);
  } else if constexpr (std::is_same_v<T, SoftmaxAttrs>) {
    v("axis", attrs.axis);
  } else if constexpr (std::is_same_v<T, FlattenAttrs>) {
    v("start_axis", attrs.start_axis);
  } else if constexpr (std::is_same_v<T, ReshapeAttrs>) {
    v("shape", attrs.shape, kRequired);
  } else if constexpr (std::is_same_v<T, UpsampleAttrs>) {
    v("scale_h", attrs.scale_h);
    v("scale_w", attrs.scale_w);
    v("mode", attrs.mode);
  } else {
    static_assert(sizeof(T) == 0, "attr_fields misses an OpAttrs alternative");
  }
}

struct AttrWriter {
  json& out;
  void operator()(const char* name, const Activation& a, bool = false) {
    out[name] = std::string(to_string(a));
  }
  void operator()(const char* name, const UpsampleMode& m, bool = false) {
    out[name] = std::string(to_string(m));
  }
  template <class T>
  void operator()(const char* name, const T& value, bool = false) {
    out[name] = value;
  }
};

json attrs_to_json(const Op& op) {
  json out = json::object();
  AttrWriter w{out};
  std::visit([&](const auto& a) { attr_fields(w, a, op.kind); }, op.attrs);
  return out;
}

// ---- reading
// -------------------------------------------------------------------------------------

// Formats and throws: "<source>: <where>: <msg>".
#define PT_JSON_FAIL(code, where, msg) PT_FAIL(code, source_ << ": " << where << ": " << msg)

const char* type_name(const json& j) { return j.type_name(); }

class Reader {
 public:
  explicit Reader(const std::string& source) : source_(source) {}

  Graph read(const json& root);

 private:
  const std::string& source_;

  // Rejects keys of `obj` outside `known`, naming all of them.
  void check_keys(const json& obj, const std::vector<std::string>& known, const std::string& where,
                  const char* what = "field") const {
    std::string unknown;
    for (const auto& [key, value] : obj.items()) {
      bool ok = false;
      for (const auto& k : known) ok = ok || k == key;
      if (!ok) unknown += (unknown.empty() ? "'" : ", '") + key + "'";
    }
    if (unknown.empty()) return;
    std::string allowed;
    for (const auto& k : known) allowed += (allowed.empty() ? "" : ", ") + k;
    if (allowed.empty()) allowed = "none";
    PT_JSON_FAIL(parse_error, where,
                 "unknown " << what << "(s) " << unknown << " (allowed: " << allowed << ")");
  }

  const json& member(const json& obj, const char* key, const std::string& where) const {
    auto it = obj.find(key);
    if (it == obj.end()) PT_JSON_FAIL(parse_error, where, "missing required field '" << key << "'");
    return *it;
  }

  std::string get_string(const json& j, const std::string& where) const {
    if (!j.is_string()) PT_JSON_FAIL(parse_error, where, "expected a string, got " << type_name(j));
    return j.get<std::string>();
  }

  std::int64_t get_int64(const json& j, const std::string& where) const {
    if (!j.is_number_integer()) {
      PT_JSON_FAIL(
          parse_error, where,
          "expected an integer, got " << type_name(j) << (j.is_number() ? " " + j.dump() : ""));
    }
    if (j.is_number_unsigned() &&
        j.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      PT_JSON_FAIL(overflow, where, "integer " << j.dump() << " does not fit in 64 bits");
    }
    return j.get<std::int64_t>();
  }

  const json& get_array(const json& j, const std::string& where) const {
    if (!j.is_array()) PT_JSON_FAIL(parse_error, where, "expected an array, got " << type_name(j));
    return j;
  }

  const json& get_object(const json& j, const std::string& where) const {
    if (!j.is_object())
      PT_JSON_FAIL(parse_error, where, "expected an object, got " << type_name(j));
    return j;
  }

  // A shape: a non-empty array of integers >= 1.
  std::vector<std::int64_t> get_dims(const json& j, const std::string& where) const {
    get_array(j, where);
    if (j.empty()) PT_JSON_FAIL(parse_error, where, "shape must have at least one dim");
    std::vector<std::int64_t> dims;
    for (std::size_t i = 0; i < j.size(); ++i) {
      std::int64_t d = get_int64(j[i], where + " dim " + std::to_string(i));
      if (d < 1) {
        PT_JSON_FAIL(parse_error, where, "dim " << i << " is " << d << "; dims must be >= 1");
      }
      dims.push_back(d);
    }
    return dims;
  }

  // Runs a Graph call, prefixing its errors with the source.
  template <class F>
  auto with_source(F&& f) const {
    try {
      return f();
    } catch (const Error& e) {
      throw Error(e.code(), source_ + ": " + e.what());
    }
  }

  // Reads one attribute field: visits the same names as the writer.
  struct AttrReader {
    const Reader& r;
    const json& obj;
    std::string where;
    std::vector<std::string> known;

    void operator()(const char* name, std::int64_t& f, bool required = false) {
      if (const json* j = find(name, required)) f = r.get_int64(*j, at(name));
    }
    void operator()(const char* name, int& f, bool required = false) {
      if (const json* j = find(name, required)) {
        std::int64_t v = r.get_int64(*j, at(name));
        if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
          PT_FAIL(parse_error, r.source_ << ": " << at(name) << ": " << v << " is out of range");
        }
        f = static_cast<int>(v);
      }
    }
    void operator()(const char* name, bool& f, bool required = false) {
      if (const json* j = find(name, required)) {
        if (!j->is_boolean()) {
          PT_FAIL(parse_error, r.source_ << ": " << at(name) << ": expected true or false, got "
                                         << type_name(*j));
        }
        f = j->get<bool>();
      }
    }
    void operator()(const char* name, double& f, bool required = false) {
      if (const json* j = find(name, required)) {
        if (!j->is_number()) {
          PT_FAIL(parse_error,
                  r.source_ << ": " << at(name) << ": expected a number, got " << type_name(*j));
        }
        f = j->get<double>();
      }
    }
    void operator()(const char* name, Activation& f, bool required = false) {
      if (const json* j = find(name, required)) {
        std::string s = r.get_string(*j, at(name));
        auto a = activation_from_string(s);
        if (!a) {
          PT_FAIL(parse_error, r.source_ << ": " << at(name) << ": unknown activation '" << s
                                         << "' (known: none, relu, relu6, sigmoid, silu, gelu, "
                                            "hard_swish)");
        }
        f = *a;
      }
    }
    void operator()(const char* name, UpsampleMode& f, bool required = false) {
      if (const json* j = find(name, required)) {
        std::string s = r.get_string(*j, at(name));
        auto m = upsample_mode_from_string(s);
        if (!m) {
          PT_FAIL(parse_error, r.source_ << ": " << at(name) << ": unknown upsample mode '" << s
                                         << "' (known: nearest, bilinear)");
        }
        f = *m;
      }
    }
    void operator()(const char* name, std::vector<std::int64_t>& f, bool required = false) {
      if (const json* j = find(name, required)) {
        r.get_array(*j, at(name));
        f.clear();
        for (std::size_t i = 0; i < j->size(); ++i) {
          f.push_back(r.get_int64((*j)[i], at(name) + "[" + std::to_string(i) + "]"));
        }
      }
    }

    std::string at(const char* name) const { return where + ": attribute '" + name + "'"; }
    const json* find(const char* name, bool required) {
      known.emplace_back(name);
      auto it = obj.find(name);
      if (it == obj.end()) {
        if (required) {
          PT_FAIL(parse_error,
                  r.source_ << ": " << where << ": missing required attribute '" << name << "'");
        }
        return nullptr;
      }
      return &*it;
    }
  };

  OpAttrs read_attrs(OpKind kind, const json* j, const std::string& where) const {
    static const json empty = json::object();
    const json& obj = j ? get_object(*j, where + ": attrs") : empty;
    OpAttrs attrs = default_attrs(kind);
    AttrReader reader{*this, obj, where, {}};
    std::visit([&](auto& a) { attr_fields(reader, a, kind); }, attrs);
    check_keys(obj, reader.known, where, "attribute");
    return attrs;
  }

  void read_input(Graph& g, const json& j, std::size_t index) const;
  void read_op(Graph& g, const json& ops, std::size_t index) const;
};

void Reader::read_input(Graph& g, const json& j, std::size_t index) const {
  std::string where = "inputs[" + std::to_string(index) + "]";
  get_object(j, where);
  std::string name = get_string(member(j, "name", where), where + ".name");
  if (name.empty()) PT_JSON_FAIL(parse_error, where, "input name is empty");
  where = "input '" + name + "'";
  check_keys(j, {"name", "shape", "dtype", "layout"}, where);
  TensorShape shape{get_dims(member(j, "shape", where), where + ": shape")};
  DType dtype = DType::fp32;
  if (auto it = j.find("dtype"); it != j.end()) {
    std::string s = get_string(*it, where + ": dtype");
    auto t = dtype_from_string(s);
    if (!t) {
      PT_JSON_FAIL(parse_error, where,
                   "unknown dtype '" << s << "' (known: fp32, tf32, fp16, bf16, int8, int32)");
    }
    dtype = *t;
  }
  if (auto it = j.find("layout"); it != j.end()) {
    std::string s = get_string(*it, where + ": layout");
    auto l = layout_from_string(s);
    if (!l) PT_JSON_FAIL(parse_error, where, "unknown layout '" << s << "' (known: nchw, nhwc)");
    shape.layout = *l;
  }
  with_source([&] { return g.add_input(name, shape, dtype); });
}

void Reader::read_op(Graph& g, const json& ops, std::size_t index) const {
  const json& j = ops[index];
  std::string where = "ops[" + std::to_string(index) + "]";
  get_object(j, where);
  std::string name = get_string(member(j, "name", where), where + ".name");
  if (name.empty()) PT_JSON_FAIL(parse_error, where, "op name is empty");
  where = "op '" + name + "'";
  std::string kind_name = get_string(member(j, "kind", where), where + ": kind");
  auto kind = op_kind_from_string(kind_name);
  if (!kind) {
    PT_JSON_FAIL(parse_error, where,
                 "unknown op kind '"
                     << kind_name
                     << "' (known: conv2d, conv_transpose2d, batch_norm, activation, "
                        "max_pool, avg_pool, global_avg_pool, add, mul, concat, "
                        "fully_connected, softmax, flatten, reshape, upsample)");
  }
  where += " (" + kind_name + ")";
  check_keys(j, {"name", "kind", "inputs", "output", "attrs", "shape"}, where);

  std::string output = name;
  if (auto it = j.find("output"); it != j.end()) {
    output = get_string(*it, where + ": output");
    if (output.empty()) PT_JSON_FAIL(parse_error, where, "output name is empty");
  }

  const json& in = get_array(member(j, "inputs", where), where + ": inputs");
  if (in.empty()) PT_JSON_FAIL(parse_error, where, "inputs must name at least one tensor");
  std::vector<TensorId> inputs;
  for (std::size_t i = 0; i < in.size(); ++i) {
    std::string t = get_string(in[i], where + ": inputs[" + std::to_string(i) + "]");
    if (auto id = g.find_tensor(t)) {
      inputs.push_back(*id);
      continue;
    }
    if (t == output) {
      PT_JSON_FAIL(invalid_argument, where, "input '" << t << "' is the op's own output (a cycle)");
    }
    // Defined later (a cycle, or ops out of order) or never?
    for (std::size_t k = index + 1; k < ops.size(); ++k) {
      const json& later = ops[k];
      if (!later.is_object()) continue;
      auto lo = later.find("output");
      auto ln = later.find("name");
      const json* def = lo != later.end() ? &*lo : (ln != later.end() ? &*ln : nullptr);
      if (def && def->is_string() && def->get<std::string>() == t) {
        std::string by = ln != later.end() && ln->is_string() ? ln->get<std::string>() : "?";
        PT_JSON_FAIL(invalid_argument, where,
                     "input '" << t << "' is used before it is defined (by op '" << by << "', ops["
                               << k
                               << "]); ops must be listed in topological order, so a cycle "
                                  "cannot be expressed");
      }
    }
    PT_JSON_FAIL(invalid_argument, where,
                 "input '" << t << "' is not defined by any graph input or op");
  }

  auto attrs_it = j.find("attrs");
  OpAttrs attrs = read_attrs(*kind, attrs_it == j.end() ? nullptr : &*attrs_it, where);
  TensorId out = with_source([&] { return g.add_op(name, *kind, inputs, attrs, output); });

  if (auto it = j.find("shape"); it != j.end()) {
    auto declared = get_dims(*it, where + ": shape");
    const auto& inferred = g.tensor(out).shape;
    if (declared != inferred.dims) {
      PT_JSON_FAIL(invalid_argument, where,
                   "declared output shape " << to_string(TensorShape{declared})
                                            << " but the inputs give " << to_string(inferred));
    }
  }
}

Graph Reader::read(const json& root) {
  get_object(root, "top level");
  check_keys(root, {"format", "version", "name", "inputs", "ops", "outputs"}, "top level");
  std::string format = get_string(member(root, "format", "top level"), "format");
  if (format != kFormat) {
    PT_JSON_FAIL(parse_error, "format", "is '" << format << "', expected '" << kFormat << "'");
  }
  std::int64_t version = get_int64(member(root, "version", "top level"), "version");
  if (version != kVersion) {
    PT_JSON_FAIL(not_supported, "version",
                 version << " is not supported (this build reads version " << kVersion << ")");
  }
  std::string name = "network";
  if (auto it = root.find("name"); it != root.end()) name = get_string(*it, "name");
  Graph g(name);

  const json& inputs = get_array(member(root, "inputs", "top level"), "inputs");
  for (std::size_t i = 0; i < inputs.size(); ++i) read_input(g, inputs[i], i);
  const json& ops = get_array(member(root, "ops", "top level"), "ops");
  for (std::size_t i = 0; i < ops.size(); ++i) read_op(g, ops, i);
  const json& outputs = get_array(member(root, "outputs", "top level"), "outputs");
  if (outputs.empty()) PT_JSON_FAIL(parse_error, "outputs", "must name at least one tensor");
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    std::string t = get_string(outputs[i], "outputs[" + std::to_string(i) + "]");
    auto id = g.find_tensor(t);
    if (!id) PT_JSON_FAIL(invalid_argument, "outputs", "tensor '" << t << "' is not defined");
    with_source([&] {
      g.mark_output(*id);
      return 0;
    });
  }
  with_source([&] {
    g.validate();
    return 0;
  });
  return g;
}

// ---- file text: keys in a fixed reading order, short values on one line ----------------------

constexpr std::size_t kLineWidth = 100;

// Reading order of keys (top level, inputs, ops, then attributes as documented); others after,
// alphabetically.
int key_rank(const std::string& key) {
  static const char* const order[] = {
      "format",       "version",      "name",       "kind",       "inputs",   "ops",
      "outputs",      "output",       "attrs",      "shape",      "dtype",    "layout",
      "out_channels", "out_features", "kernel_h",   "kernel_w",   "stride_h", "stride_w",
      "pad_h",        "pad_w",        "dilation_h", "dilation_w", "groups",   "output_pad_h",
      "output_pad_w", "ceil_mode",    "axis",       "start_axis", "scale_h",  "scale_w",
      "mode",         "epsilon",      "bias",       "activation"};
  int i = 0;
  for (const char* k : order) {
    if (key == k) return i;
    ++i;
  }
  return i;
}

std::vector<std::pair<std::string, const json*>> ordered_items(const json& obj) {
  std::vector<std::pair<std::string, const json*>> items;
  for (auto it = obj.begin(); it != obj.end(); ++it) items.emplace_back(it.key(), &it.value());
  std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    return key_rank(a.first) < key_rank(b.first);
  });
  return items;
}

std::string render_inline(const json& j) {
  if (j.is_object()) {
    std::string s = "{";
    bool first = true;
    for (const auto& [key, value] : ordered_items(j)) {
      s += (first ? "" : ", ") + json(key).dump() + ": " + render_inline(*value);
      first = false;
    }
    return s + "}";
  }
  if (j.is_array()) {
    std::string s = "[";
    for (std::size_t i = 0; i < j.size(); ++i) s += (i ? ", " : "") + render_inline(j[i]);
    return s + "]";
  }
  return j.dump();
}

// Pretty text: a value that fits on its line stays inline; larger ones expand, one member per line.
// `indent` is the nesting indentation, `column` where the value starts on its line.
void render(const json& j, std::size_t indent, std::size_t column, std::string& out) {
  std::string flat = render_inline(j);
  if (!j.is_structured() || j.empty() || column + flat.size() <= kLineWidth) {
    out += flat;
    return;
  }
  std::string pad(indent + 2, ' ');
  if (j.is_object()) {
    out += "{\n";
    bool first = true;
    for (const auto& [key, value] : ordered_items(j)) {
      if (!first) out += ",\n";
      first = false;
      std::string head = pad + json(key).dump() + ": ";
      out += head;
      render(*value, indent + 2, head.size(), out);
    }
  } else {
    out += "[\n";
    for (std::size_t i = 0; i < j.size(); ++i) {
      if (i) out += ",\n";
      out += pad;
      render(j[i], indent + 2, pad.size(), out);
    }
  }
  out += "\n" + std::string(indent, ' ') + (j.is_object() ? "}" : "]");
}

}  // namespace

json graph_to_json(const Graph& g) {
  json inputs = json::array();
  for (TensorId id : g.inputs()) {
    const Tensor& t = g.tensor(id);
    json in = {
        {"name", t.name}, {"shape", t.shape.dims}, {"dtype", std::string(to_string(t.dtype))}};
    if (t.shape.layout != Layout::nchw) in["layout"] = std::string(to_string(t.shape.layout));
    inputs.push_back(std::move(in));
  }
  json ops = json::array();
  for (const Op& op : g.ops()) {
    json names = json::array();
    for (TensorId id : op.inputs) names.push_back(g.tensor(id).name);
    ops.push_back({{"name", op.name},
                   {"kind", std::string(to_string(op.kind))},
                   {"inputs", std::move(names)},
                   {"output", g.tensor(op.output).name},
                   {"attrs", attrs_to_json(op)},
                   {"shape", g.tensor(op.output).shape.dims}});
  }
  json outputs = json::array();
  for (TensorId id : g.outputs()) outputs.push_back(g.tensor(id).name);
  return {{"format", kFormat}, {"version", kVersion},   {"name", g.name()},
          {"inputs", inputs},  {"ops", std::move(ops)}, {"outputs", outputs}};
}

Graph graph_from_json(const json& j, const std::string& source) {
  try {
    return Reader(source).read(j);
  } catch (const json::exception& e) {
    // Defensive: the reader checks types before every access.
    PT_FAIL(parse_error, source << ": " << e.what());
  }
}

Graph graph_from_json_string(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    PT_FAIL(parse_error, source << ": not valid JSON: " << e.what());
  }
  return graph_from_json(j, source);
}

Graph load_graph(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    PT_FAIL(io_error, path << ": cannot open network file: it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) PT_FAIL(io_error, path << ": cannot open network file: " << std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) PT_FAIL(io_error, path << ": read failed: " << std::strerror(errno));
  return graph_from_json_string(text.str(), path);
}

void save_graph(const Graph& g, const std::string& path) {
  g.validate();
  static std::atomic<unsigned> counter{0};
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path tmp = target;
  tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      PT_FAIL(io_error, path << ": cannot create temporary file " << tmp.string() << ": "
                             << std::strerror(errno));
    }
    std::string text;
    render(graph_to_json(g), 0, 0, text);
    out << text << '\n';
    out.close();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      PT_FAIL(io_error, path << ": writing " << tmp.string() << " failed");
    }
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    PT_FAIL(io_error,
            path << ": cannot rename " << tmp.string() << " into place: " << ec.message());
  }
}

}  // namespace plantune
