#pragma once
// One function per `plantune` subcommand; each returns the process exit status.
// Arguments exclude the program and subcommand names.
#include <chrono>
#include <string>
#include <vector>

namespace plantune::cli {

using Args = std::vector<std::string>;

// When the process started (main() sets it first thing): for "ready in" figures.
std::chrono::steady_clock::time_point& process_start();

int cmd_models(const Args& args);  // cmd_models.cpp
int cmd_info(const Args& args);    // cmd_info.cpp
int cmd_graph(const Args& args);   // cmd_graph.cpp
int cmd_plan(const Args& args);    // cmd_plan.cpp
int cmd_tune(const Args& args);    // cmd_tune.cpp
int cmd_db(const Args& args);      // cmd_db.cpp
int cmd_schedule(const Args& args);  // cmd_schedule.cpp
int cmd_run(const Args& args);     // cmd_run.cpp
int cmd_compare(const Args& args);  // cmd_compare.cpp
int cmd_main(const Args& args);    // cmd_main.cpp

}  // namespace plantune::cli
