// `plantune main`: the main job on one network, composed of the other commands so that each
// step prints exactly what its own command prints:
//   1. the device and library versions (`info`);
//   2. the network's summary;
//   3. on a GPU: tune its convolutions into a tactic database (`tune`); without one, say so;
//   4. its memory plan with aliasing, verified, with SVG and JSON written (`plan`).
#include <filesystem>
#include <iostream>
#include <string>

#include "args.h"
#include "commands.h"
#include "plantune/core/device_info.h"
#include "plantune/models/registry.h"
#include "table.h"

namespace plantune::cli {

int cmd_main(const Args& args) {
  ArgParser p("plantune main",
              "The main job: device info, the network's summary, tuning of its convolutions when a\n"
              "GPU is present, and its verified memory plan with a picture (SVG) and JSON.");
  p.positional("model", "built-in model name or network JSON file (default: resnet50)", false);
  p.option("--batch", "N", "batch size", "32");
  p.option("--out", "DIR", "folder for the plan's SVG and JSON and the tactic database", "out");
  p.option("--precision", "LIST", "precisions to tune on a GPU", "fp16");
  if (!p.parse(args)) return 0;
  const std::string model = p.has("model") ? p.get("model") : "resnet50";
  const std::string batch = std::to_string(p.get_int("--batch"));
  if (p.get_int("--batch") <= 0) throw UsageError("--batch must be > 0, got " + batch);
  const std::filesystem::path out = p.get("--out");
  std::filesystem::create_directories(out);

  std::cout << "== device\n";
  int status = cmd_info({});

  std::cout << "\n== network\n";
  models::ModelOptions opts;
  opts.batch = p.get_int("--batch");
  Graph g = models::load_network(model, opts);
  std::cout << "  " << g.name() << ": batch " << batch << ", " << g.ops().size() << " ops, "
            << g.tensors().size() << " tensors, " << with_commas(g.param_count())
            << " parameters, " << fixed(static_cast<double>(g.flops()) / 1e9, 2) << " GFLOPs, "
            << g.count(OpKind::conv2d) << " conv layers\n";

  std::cout << "\n== tuning\n";
  if (query_device()) {
    const std::string db = (out / "tactics.json").string();
    int s = cmd_tune({model, "--db", db, "--batch", batch, "--precision", p.get("--precision")});
    if (s != 0) status = s;
  } else {
    std::cout << "  skipped: no CUDA device (" << no_device_reason() << ")\n";
  }

  std::cout << "\n== memory plan\n";
  int s = cmd_plan({model, "--batch", batch, "--verify", "--svg", (out / "plan.svg").string(),
                    "--json", (out / "plan.json").string()});
  return s != 0 ? s : status;
}

}  // namespace plantune::cli
