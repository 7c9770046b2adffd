// plantune: the command line. `plantune <command> --help` documents each command.
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "args.h"
#include "commands.h"
#include "plantune/core/error.h"

namespace {

struct Command {
  std::string_view name;
  int (*run)(const plantune::cli::Args&);
  std::string_view summary;
};

constexpr Command kCommands[] = {
    {"main", plantune::cli::cmd_main, "the main job: info, summary, tuning on a GPU, memory plan"},
    {"models", plantune::cli::cmd_models, "list the built-in networks with parameters, GFLOPs, tensors"},
    {"info", plantune::cli::cmd_info, "print the GPU and library versions (works without a GPU)"},
    {"graph", plantune::cli::cmd_graph, "print the layer table of a model or network JSON file"},
    {"plan", plantune::cli::cmd_plan, "plan activation memory for a model, network or CSV problem"},
    {"tune", plantune::cli::cmd_tune, "tune a model's convolutions on this GPU into a tactic database"},
    {"db", plantune::cli::cmd_db, "show, merge, verify or export tactic databases"},
    {"schedule", plantune::cli::cmd_schedule, "build a network's tuned layer schedule (JSON)"},
    {"run", plantune::cli::cmd_run, "check and time a schedule on this GPU (trtexec-like)"},
    {"compare", plantune::cli::cmd_compare, "per-layer error of fp32/tf32/fp16/bf16/int8 vs FP32"},
};

void print_usage(std::FILE* f) {
  std::fprintf(f, "usage: plantune <command> [arguments] [--help]\n\ncommands:\n");
  for (const auto& c : kCommands) {
    std::fprintf(f, "  %-9.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  }
}

}  // namespace

namespace plantune::cli {
std::chrono::steady_clock::time_point& process_start() {
  static std::chrono::steady_clock::time_point t = std::chrono::steady_clock::now();
  return t;
}
}  // namespace plantune::cli

int main(int argc, char** argv) {
  plantune::cli::process_start();
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(stdout);
    return 0;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  for (const auto& c : kCommands) {
    if (c.name != name) continue;
    try {
      return c.run(args);
    } catch (const plantune::cli::UsageError& e) {
      std::fprintf(stderr, "plantune %s: %s (see 'plantune %s --help')\n", argv[1], e.what(), argv[1]);
      return 2;
    } catch (const plantune::Error& e) {
      std::fprintf(stderr, "plantune %s: error: %s\n", argv[1], e.what());
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "plantune %s: error: %s\n", argv[1], e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "plantune: unknown command '%s' (see 'plantune --help')\n", argv[1]);
  return 2;
}
