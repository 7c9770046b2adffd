// `plantune main`: the main job on one network, composed of the other commands so that each
// step prints exactly what its own command prints:
//   1. the device and library versions (`info`);
//   2. the network's summary;
//   3. its tuned layer schedule (`schedule`): on a GPU, tuning what the tactic database lacks;
//      without one, from the database measured on the device kept in results/; the per-layer
//      table, the layer counts before and after fusion, the memory plan summary and its SVG;
//   4. on a GPU, the schedule run (`run`): checked against the reference executor, then timed.
#include <filesystem>
#include <iostream>
#include <string>

#include "args.h"
#include "commands.h"
#include "plantune/core/device_info.h"
#include "plantune/models/registry.h"
#include "table.h"

namespace plantune::cli {

// The database measured on the device (see results/runtime/README.md), used without a GPU.
constexpr const char* kResultsDb = "results/runtime/tactics-h100.json";

int cmd_main(const Args& args) {
  ArgParser p("plantune main",
              "The main job: device info, the network's summary, its tuned layer schedule (tuning\n"
              "on a GPU, else from the database in results/) with its memory plan, and on a GPU\n"
              "the schedule checked and timed.");
  p.positional("model", "built-in model name or network JSON file (default: resnet50)", false);
  p.option("--batch", "N", "batch size", "32");
  p.option("--out", "DIR", "folder for the schedule, the plan's SVG, the database and statistics",
           "out");
  p.option("--precision", "P", "run precision", "fp16");
  p.option("--db", "FILE",
           "tactic database (default: DIR/tactics.json on a GPU, else " + std::string(kResultsDb) +
               ")");
  p.option("--iterations", "I", "timed runs", "200");
  p.option("--budget-seconds", "S", "time budget for tuning what the database lacks, 0: none", "0");
  p.option("--layouts", "LIST",
           "layouts to search (default: nhwc for fp16/bf16, where NCHW never won a layer in "
           "results/tuner; nchw,nhwc otherwise)");
  if (!p.parse(args)) return 0;
  const std::string model = p.has("model") ? p.get("model") : "resnet50";
  const std::string batch = std::to_string(p.get_int("--batch"));
  if (p.get_int("--batch") <= 0) throw UsageError("--batch must be > 0, got " + batch);
  const std::filesystem::path out = p.get("--out");
  std::filesystem::create_directories(out);
  const bool gpu = query_device().has_value();

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

  const std::string db =
      p.has("--db") ? p.get("--db") : gpu ? (out / "tactics.json").string() : kResultsDb;
  const std::string schedule = (out / "schedule.json").string();
  std::cout << "\n== schedule (" << (gpu ? "tuning what " + db + " lacks" : "from " + db) << ")\n";
  const std::string precision = p.get("--precision");
  const std::string layouts = p.has("--layouts") ? p.get("--layouts")
                              : precision == "fp16" || precision == "bf16" ? "nhwc"
                                                                            : "nchw,nhwc";
  int s = cmd_schedule({model, "--db", db, "--layouts", layouts, "--batch", batch, "--precision", p.get("--precision"),
                        "-o", schedule, "--svg", (out / "plan.svg").string(),
                        "--budget-seconds", p.get("--budget-seconds")});
  if (s != 0) return s;

  std::cout << "\n== run\n";
  if (!gpu) {
    std::cout << "  skipped: no CUDA device (" << no_device_reason() << ")\n";
    return status;
  }
  s = cmd_run({schedule, "--iterations", p.get("--iterations"), "--json",
               (out / "run.json").string()});
  return s != 0 ? s : status;
}

}  // namespace plantune::cli
