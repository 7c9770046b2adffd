// `plantune graph`: the layer table of a built-in model or a network JSON file, then totals.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#include "plantune/core/graph_json.h"
#include "plantune/models/registry.h"
#include "table.h"

namespace plantune::cli {

namespace {

std::int64_t positive_option(const ArgParser& p, const std::string& name) {
  std::int64_t v = p.get_int(name);
  if (v <= 0) throw UsageError(name + " must be > 0, got " + std::to_string(v));
  return v;
}

std::string hw(std::int64_t h, std::int64_t w) {
  return h == w ? std::to_string(h) : std::to_string(h) + "x" + std::to_string(w);
}

// Kernel, stride, padding, dilation, groups and fused epilogues of an op, in a few tokens:
// "3x3 s2 p1 g96 +relu". Defaults (stride 1, no padding, ...) are left out.
std::string attrs_summary(const Op& op) {
  std::vector<std::string> t;
  auto epilogue = [&](Activation a) {
    if (a != Activation::none) t.push_back(cat("+", to_string(a)));
  };
  switch (op.kind) {
    case OpKind::conv2d:
    case OpKind::conv_transpose2d: {
      const auto& a = std::get<ConvAttrs>(op.attrs);
      t.push_back(std::to_string(a.kernel_h) + "x" + std::to_string(a.kernel_w));
      if (a.stride_h != 1 || a.stride_w != 1) t.push_back(cat("s", hw(a.stride_h, a.stride_w)));
      if (a.pad_h != 0 || a.pad_w != 0) t.push_back(cat("p", hw(a.pad_h, a.pad_w)));
      if (a.dilation_h != 1 || a.dilation_w != 1)
        t.push_back(cat("d", hw(a.dilation_h, a.dilation_w)));
      if (a.output_pad_h != 0 || a.output_pad_w != 0) {
        t.push_back(cat("op", hw(a.output_pad_h, a.output_pad_w)));
      }
      if (a.groups != 1) t.push_back(cat("g", std::to_string(a.groups)));
      if (a.bias) t.push_back("bias");
      epilogue(a.activation);
      break;
    }
    case OpKind::max_pool:
    case OpKind::avg_pool: {
      const auto& a = std::get<PoolAttrs>(op.attrs);
      t.push_back(std::to_string(a.kernel_h) + "x" + std::to_string(a.kernel_w));
      if (a.stride_h != 1 || a.stride_w != 1) t.push_back(cat("s", hw(a.stride_h, a.stride_w)));
      if (a.pad_h != 0 || a.pad_w != 0) t.push_back(cat("p", hw(a.pad_h, a.pad_w)));
      if (a.ceil_mode) t.push_back("ceil");
      break;
    }
    case OpKind::activation:
      t.push_back(std::string(to_string(std::get<ActivationAttrs>(op.attrs).kind)));
      break;
    case OpKind::add:
    case OpKind::mul:
      epilogue(std::get<EltwiseAttrs>(op.attrs).activation);
      break;
    case OpKind::concat:
      t.push_back(cat("axis ", std::to_string(std::get<ConcatAttrs>(op.attrs).axis)));
      break;
    case OpKind::fully_connected: {
      const auto& a = std::get<FullyConnectedAttrs>(op.attrs);
      if (a.bias) t.push_back("bias");
      epilogue(a.activation);
      break;
    }
    case OpKind::softmax:
      t.push_back(cat("axis ", std::to_string(std::get<SoftmaxAttrs>(op.attrs).axis)));
      break;
    case OpKind::flatten:
      t.push_back(cat("from ", std::to_string(std::get<FlattenAttrs>(op.attrs).start_axis)));
      break;
    case OpKind::reshape:
      t.push_back("view");
      break;
    case OpKind::upsample: {
      const auto& a = std::get<UpsampleAttrs>(op.attrs);
      t.push_back(cat("x", hw(a.scale_h, a.scale_w)));
      t.push_back(std::string(to_string(a.mode)));
      break;
    }
    case OpKind::batch_norm:
    case OpKind::global_avg_pool:
      break;
  }
  std::string s;
  for (const auto& x : t) s += cat(s.empty() ? "" : " ", x);
  return s;
}

std::string tensor_line(const Tensor& t) {
  return cat(t.name, " ", dims_string(t.shape), " ", to_string(t.dtype), " (",
             human_bytes(t.shape.bytes(t.dtype)), ")");
}

struct Loaded {
  Graph graph;
  std::string origin;  // "built-in, 224x224" or "network file x.json"
};

// A built-in honours --batch, --image-size and --dtype; a file keeps its own batch unless
// --batch is given, and its own sizes and dtypes.
Loaded load(const ArgParser& p, const std::string& src) {
  models::ModelOptions opts;
  if (p.has("--batch")) opts.batch = positive_option(p, "--batch");
  if (models::is_builtin(src)) {
    if (p.has("--image-size")) opts.image_size = positive_option(p, "--image-size");
    if (p.has("--dtype")) {
      auto t = dtype_from_string(p.get("--dtype"));
      if (!t) {
        std::string names;
        for (DType d : kAllDTypes) names += cat(names.empty() ? "" : ", ", to_string(d));
        throw UsageError("--dtype expects one of " + names + ", got '" + p.get("--dtype") + "'");
      }
      opts.dtype = *t;
    }
    Graph g = models::build_model(src, opts);
    const auto& in = g.tensor(g.inputs().at(0)).shape;
    return {std::move(g), cat("built-in, image ", std::to_string(in.dims.at(2)), "x",
                              std::to_string(in.dims.at(3)))};
  }
  const bool is_file = std::filesystem::exists(src);
  if (is_file && (p.has("--image-size") || p.has("--dtype"))) {
    throw UsageError("--image-size and --dtype apply to built-in models; the network file '" + src +
                     "' fixes its own sizes and dtypes");
  }
  if (is_file && !p.has("--batch")) return {load_graph(src), "network file " + src};
  return {models::load_network(src, opts),
          "network file " + src + ", batch set to " + std::to_string(opts.batch)};
}

}  // namespace

int cmd_graph(const Args& args) {
  ArgParser p("plantune graph",
              "Print the layer table of a built-in model or a network JSON file: for each op its\n"
              "kind and attributes, input and output shapes, parameters, MFLOPs and output bytes;\n"
              "then the totals. FLOPs count 2 per multiply-accumulate of conv and fc layers, and one\n"
              "per element produced (or per pooling window element) by the other ops.");
  p.positional("network", "a built-in model name (see 'plantune models') or a network JSON file");
  p.option("--batch", "N", "batch size (default: 1 for built-ins, the file's own for files)");
  p.option("--image-size", "S", "square input size of a built-in (default: the model's own)");
  p.option("--dtype", "T",
           "element type of a built-in's tensors: fp32, fp16, bf16, ... (default: fp32)");
  if (!p.parse(args)) return 0;

  const std::string src = p.get("network");
  Loaded loaded = load(p, src);
  const Graph& g = loaded.graph;

  std::cout << "graph '" << g.name() << "' (" << loaded.origin << ")\n";
  for (TensorId t : g.inputs()) std::cout << "  input   " << tensor_line(g.tensor(t)) << "\n";
  for (TensorId t : g.outputs()) std::cout << "  output  " << tensor_line(g.tensor(t)) << "\n";
  std::cout << "\n";

  using A = Table::Align;
  Table table;
  table.column("#", A::right);
  table.column("op", A::left);
  table.column("kind", A::left);
  table.column("attrs", A::left);
  table.column("inputs -> output", A::left);
  table.column("params", A::right);
  table.column("MFLOPs", A::right);
  table.column("out bytes", A::right);

  std::vector<std::pair<OpKind, std::size_t>> kinds;  // in order of first appearance
  std::int64_t out_bytes = 0, largest = -1;
  std::size_t counted = 0;
  std::string largest_name;
  for (std::size_t i = 0; i < g.ops().size(); ++i) {
    const Op& op = g.ops()[i];
    const Tensor& out = g.tensor(op.output);
    const auto shapes = g.input_shapes(i);
    std::string io;
    for (const auto& s : shapes) io += cat(io.empty() ? "" : ", ", dims_string(s));
    io += cat(" -> ", dims_string(out.shape));
    const std::int64_t bytes = out.shape.bytes(out.dtype);
    table.row({std::to_string(i), op.name, std::string(to_string(op.kind)), attrs_summary(op), io,
               with_commas(op_params(op, shapes)), fixed(op_flops(op, shapes, out.shape) / 1e6, 2),
               with_commas(bytes)});
    auto k =
        std::find_if(kinds.begin(), kinds.end(), [&](const auto& e) { return e.first == op.kind; });
    if (k == kinds.end())
      kinds.emplace_back(op.kind, 1);
    else
      ++k->second;
    if (is_view(op.kind)) continue;
    out_bytes = checked_add(out_bytes, bytes, "output bytes");
    ++counted;
    if (bytes > largest) {
      largest = bytes;
      largest_name = out.name;
    }
  }
  std::cout << table.str() << "\n";

  std::string kind_list;
  for (const auto& [k, n] : kinds) {
    kind_list += cat(kind_list.empty() ? "" : ", ", std::to_string(n), " ", to_string(k));
  }
  const DType dt = g.tensor(g.inputs().at(0)).dtype;
  const std::int64_t params = g.param_count();
  std::cout << "totals\n"
            << "  ops        " << g.ops().size() << ": " << kind_list << "\n"
            << "  tensors    " << g.tensors().size() << " (" << g.inputs().size() << " input"
            << (g.inputs().size() == 1 ? "" : "s") << ", " << g.outputs().size() << " output"
            << (g.outputs().size() == 1 ? "" : "s") << ")\n"
            << "  params     " << with_commas(params) << " ("
            << human_bytes(checked_mul(params, dtype_size(dt), "parameter bytes")) << " as "
            << to_string(dt) << ")\n"
            << "  MACs       " << with_commas(g.macs()) << " (" << si(g.macs()) << ")\n"
            << "  FLOPs      " << with_commas(g.flops()) << " (" << si(g.flops()) << ")\n"
            << "  out bytes  " << with_commas(out_bytes) << " (" << human_bytes(out_bytes)
            << ") over " << counted << " op outputs, views excluded";
  if (largest >= 0) {
    std::cout << "; largest " << human_bytes(largest) << " (" << largest_name << ")";
  }
  std::cout << "\n";
  return 0;
}

}  // namespace plantune::cli
