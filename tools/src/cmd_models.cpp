// `plantune models`: the built-in networks with their size and cost at one batch and image size.
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#include "plantune/core/error.h"
#include "plantune/models/registry.h"
#include "table.h"

namespace plantune::cli {

namespace {

struct Row {
  const models::ModelInfo* info;
  std::int64_t image_size;
  std::optional<Graph> graph;  // empty when the options do not suit the model
  std::string error;
};

std::int64_t positive_option(const ArgParser& p, const std::string& name) {
  std::int64_t v = p.get_int(name);
  if (v <= 0) throw UsageError(name + " must be > 0, got " + std::to_string(v));
  return v;
}

nlohmann::json to_json(const Row& r, const models::ModelOptions& opts) {
  nlohmann::json j = {{"name", r.info->name},
                      {"description", r.info->description},
                      {"default_image_size", r.info->default_image_size},
                      {"image_size", r.image_size},
                      {"batch", opts.batch},
                      {"dtype", std::string(to_string(opts.dtype))}};
  if (!r.graph) {
    j["error"] = r.error;
    return j;
  }
  const Graph& g = *r.graph;
  j["input"] = g.tensor(g.inputs().at(0)).shape.dims;
  j["output"] = g.tensor(g.outputs().at(0)).shape.dims;
  j["params"] = g.param_count();
  j["macs"] = g.macs();
  j["flops"] = g.flops();
  j["tensors"] = g.tensors().size();
  j["ops"] = g.ops().size();
  j["conv2d"] = g.count(OpKind::conv2d);
  j["conv_transpose2d"] = g.count(OpKind::conv_transpose2d);
  return j;
}

}  // namespace

int cmd_models(const Args& args) {
  ArgParser p("plantune models",
              "List the built-in networks: parameters, cost (GMACs of conv and fc layers; GFLOPs =\n"
              "2 x MACs plus one FLOP per element produced, or per pooling window element, by the\n"
              "other ops), tensors, ops and conv layers, at batch N and each model's default image\n"
              "size unless --image-size is given.");
  p.option("--batch", "N", "batch size", "1");
  p.option("--image-size", "S", "square input size for every model (default: each model's own)");
  p.flag("--json", "print JSON instead of the table");
  if (!p.parse(args)) return 0;

  models::ModelOptions opts;
  opts.batch = positive_option(p, "--batch");
  if (p.has("--image-size")) opts.image_size = positive_option(p, "--image-size");

  std::vector<Row> rows;
  std::size_t built = 0;
  for (const auto& info : models::builtin_models()) {
    Row r{&info, opts.image_size ? opts.image_size : info.default_image_size, std::nullopt, {}};
    try {
      r.graph = models::build_model(info.name, opts);
      ++built;
    } catch (const Error& e) {
      r.error = e.what();
    }
    rows.push_back(std::move(r));
  }

  if (p.has("--json")) {
    nlohmann::json j = {{"batch", opts.batch}, {"models", nlohmann::json::array()}};
    for (const auto& r : rows) j["models"].push_back(to_json(r, opts));
    std::cout << j.dump(2) << "\n";
    return built > 0 ? 0 : 1;
  }

  using A = Table::Align;
  Table t;
  t.column("name", A::left);
  t.column("params", A::right);
  t.column("GMACs", A::right);
  t.column("GFLOPs", A::right);
  t.column("tensors", A::right);
  t.column("ops", A::right);
  t.column("conv layers", A::right);
  t.column("input", A::left);
  bool any_transposed = false;
  std::vector<std::string> notes;
  for (const auto& r : rows) {
    const std::string input = std::to_string(opts.batch) + "x3x" + std::to_string(r.image_size) +
                              "x" + std::to_string(r.image_size);
    if (!r.graph) {
      t.row({r.info->name, "-", "-", "-", "-", "-", "-", input});
      notes.push_back(r.info->name + ": " + r.error);
      continue;
    }
    const Graph& g = *r.graph;
    std::string convs = std::to_string(g.count(OpKind::conv2d));
    if (std::size_t n = g.count(OpKind::conv_transpose2d)) {
      convs += cat(" + ", std::to_string(n), "T");
      any_transposed = true;
    }
    t.row({r.info->name, with_commas(g.param_count()), fixed(g.macs() / 1e9, 2),
           fixed(g.flops() / 1e9, 2), std::to_string(g.tensors().size()),
           std::to_string(g.ops().size()), convs, dims_string(g.tensor(g.inputs().at(0)).shape)});
  }
  std::cout << "built-in networks at batch " << opts.batch << ", "
            << (opts.image_size ? cat("image size ", std::to_string(opts.image_size))
                                : std::string("each at its default image size"))
            << ", fp32; GMACs: conv and fc multiply-accumulates\n\n"
            << t.str();
  if (any_transposed) std::cout << "\nT: transposed convolutions (conv_transpose2d)\n";
  if (!notes.empty()) {
    std::cout << "\nnot built with these options:\n";
    for (const auto& n : notes) std::cout << "  " << n << "\n";
  }
  return built > 0 ? 0 : 1;
}

}  // namespace plantune::cli
