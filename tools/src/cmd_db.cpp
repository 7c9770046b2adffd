// `plantune db show|merge|verify|export`: reading, merging, checking and cutting tactic
// databases (docs/tactic-db-format.md). Works without a GPU; `verify` compares the environment
// with this machine's GPU when there is one.
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#include "plantune/core/error.h"
#include "plantune/models/registry.h"
#include "plantune/tuner/device_environment.h"
#include "plantune/tuner/tactic_db_store.h"
#include "table.h"

namespace plantune::cli {
namespace {

using namespace plantune::tuner;

constexpr const char* kActions =
    "usage: plantune db <action> [arguments] [--help]\n\n"
    "actions:\n"
    "  show     the entries of a tactic database: each variant's winner, time, spread and\n"
    "           error against fp32\n"
    "  merge    merge database B into A (tighter statistics kept, conflicts reported)\n"
    "  verify   check a database: format, consistency, environment; exit 1 on problems\n"
    "  export   the entries of some keys, of a model's layers or all, into a new database\n"
    "           (--winners-only: each variant's winner alone)\n";

std::vector<std::string> split_keys(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string ms(const Candidate* c) { return c && c->timing ? fixed(c->timing->median_ms, 4) : "-"; }

std::string percent(double v) { return cat(fixed(100.0 * v, 1), "%"); }

std::string header(const std::string& path, const TacticDb& db) {
  return cat(path, ": ", std::to_string(db.size()), " entries, ",
             std::to_string(db.variant_count()), " variants, schema version ",
             std::to_string(kTacticDbSchemaVersion), "\nenvironment: ", db.environment().describe(),
             "\n");
}

// Distinct reverify reasons of `e`'s variants added to `reasons`, with how many give each.
void count_reverify_reasons(const Entry& e, std::map<std::string, int>& reasons) {
  for (const auto& v : e.variants) {
    if (v.needs_reverify) ++reasons[v.reverify_reason];
  }
}

int show(const Args& args) {
  ArgParser p("plantune db show",
              "print the entries of a tactic database: each variant's winner, its median time, "
              "spread and number of runs, and the winner's error against fp32 (rel_l2; '-' "
              "when none was measured)");
  p.positional("file", "tactic database (JSON)");
  p.option("--key", "TEXT", "only entries whose key contains TEXT");
  p.flag("--candidates", "also list every candidate of each variant, in rank order");
  if (!p.parse(args)) return 0;
  const std::string path = p.get("file");
  const TacticDb db = load_tactic_db(path).db;
  const std::string filter = p.has("--key") ? p.get("--key") : "";
  const bool all = p.has("--candidates");

  Table t;
  t.column("key", Table::Align::left);
  t.column("variant", Table::Align::left);
  t.column("status", Table::Align::left);
  t.column("winner", Table::Align::left);
  t.column("median ms", Table::Align::right);
  t.column("spread", Table::Align::right);
  t.column("n", Table::Align::right);
  t.column("ok/tried", Table::Align::right);
  t.column("workspace", Table::Align::right);
  t.column("err vs fp32", Table::Align::right);
  std::size_t shown = 0;
  std::map<std::string, int> reasons;
  for (const Entry* e : db.sorted_entries()) {
    if (!filter.empty() && e->key.find(filter) == std::string::npos) continue;
    ++shown;
    count_reverify_reasons(*e, reasons);
    for (const auto& v : e->variants) {
      const Candidate* w = v.winner();
      std::size_t ok = 0;
      for (const auto& c : v.candidates) ok += c.outcome == Outcome::ok;
      t.row({e->key, to_string(v.variant), v.needs_reverify ? "reverify" : "ok",
             w ? tactic_id(w->tactic) : "(none ok)", ms(w), w ? percent(w->timing->spread()) : "-",
             w ? std::to_string(w->timing->n) : "-",
             cat(std::to_string(ok), "/", std::to_string(v.candidates.size())),
             w ? human_bytes(w->workspace_bytes) : "-",
             v.error_vs_fp32 ? scientific(v.error_vs_fp32->rel_l2, 1) : "-"});
      if (!all) continue;
      for (std::size_t i = 0; i < v.candidates.size(); ++i) {
        const Candidate& c = v.candidates[i];
        std::string what = std::string(to_string(c.outcome));
        if (!c.detail.empty()) what += cat(" (", c.detail, ")");
        t.row({cat("  #", std::to_string(i + 1)), "", what, tactic_id(c.tactic), ms(&c),
               c.timing ? percent(c.timing->spread()) : "-",
               c.timing ? std::to_string(c.timing->n) : "-", "", human_bytes(c.workspace_bytes),
               ""});
      }
    }
  }
  std::cout << header(path, db);
  if (!filter.empty()) {
    std::cout << "entries whose key contains '" << filter << "': " << shown << "\n";
  }
  std::cout << "\n" << t.str();
  if (!reasons.empty()) std::cout << "\nvariants needing re-verification:\n";
  for (const auto& [reason, n] : reasons) std::cout << "  " << n << ": " << reason << "\n";
  return 0;
}

int merge(const Args& args) {
  ArgParser p("plantune db merge",
              "merge tactic database B into A and write the result: for a tactic measured in "
              "both the tighter statistics are kept (smaller spread / sqrt(n), then more runs); "
              "differing winners are reported with both times");
  p.positional("a", "tactic database A (its environment is kept)");
  p.positional("b", "tactic database B");
  p.option("--output", "FILE", "where to write the merged database (-o FILE)");
  if (!p.parse(args)) return 0;
  if (!p.has("--output")) throw UsageError("--output FILE is required");
  const std::string a_path = p.get("a"), b_path = p.get("b"), out = p.get("--output");
  TacticDb db = load_tactic_db(a_path).db;
  const TacticDb b = load_tactic_db(b_path).db;
  const MergeReport r = db.merge(b);
  if (r.environment.verdict == EnvVerdict::reject) {
    std::cerr << "plantune db merge: " << b_path << " was measured in another environment ("
              << r.environment.reason() << "); nothing merged, nothing written\n";
    return 1;
  }
  const std::size_t written = save_tactic_db(db, out, SaveMode::replace).entries_written;
  std::cout << "merged " << b_path << " into " << a_path << ": " << r.added_entries
            << " entries added, " << r.added_variants << " variants added, " << r.merged_variants
            << " variants merged, " << r.replaced_unverified << " unverified variants replaced\n";
  if (!r.environment.differences.empty()) {
    std::cout << "environment (" << to_string(r.environment.verdict)
              << "): " << r.environment.reason() << "\n";
  }
  std::cout << "conflicts: " << r.conflicts.size() << "\n";
  for (const auto& c : r.conflicts) std::cout << "  " << c.describe() << "\n";
  std::cout << "wrote " << out << ": " << written << " entries\n";
  return 0;
}

int verify(const Args& args) {
  ArgParser p("plantune db verify",
              "check a tactic database: format, value ranges, ranks and winners (every rule of "
              "docs/tactic-db-format.md), its environment against this machine's GPU (or "
              "another database's), and variants waiting for re-verification; exit status 1 "
              "when anything is wrong");
  p.positional("file", "tactic database (JSON)");
  p.option("--env-from", "DB", "compare with the environment of this database instead of the GPU");
  if (!p.parse(args)) return 0;
  const std::string path = p.get("file");
  TacticDb db;
  try {
    db = load_tactic_db(path).db;
  } catch (const Error& e) {
    std::cout << "FAIL " << e.what() << "\n";
    return 1;
  }
  int problems = 0;
  std::cout << header(path, db) << "ok   format, names, ranges, rank order and winners\n";

  std::optional<Environment> current;
  std::string against;
  if (p.has("--env-from")) {
    against = p.get("--env-from");
    current = load_tactic_db(against).db.environment();
  } else {
    try {
      current = device_environment();
      against = "this machine's GPU";
    } catch (const Error& e) {
      std::cout << "note environment not compared: no usable GPU (" << e.what() << ")\n";
    }
  }
  if (current) {
    EnvCheck c = check_environment(db.environment(), *current);
    if (c.verdict == EnvVerdict::same) {
      std::cout << "ok   environment matches " << against
                << (c.differences.empty() ? "" : cat(" (", c.reason(), ")")) << "\n";
    } else {
      ++problems;
      std::cout << "FAIL environment against " << against << ": "
                << (c.verdict == EnvVerdict::reject ? "entries rejected"
                                                    : "entries need re-verification")
                << ": " << c.reason() << "\n";
    }
  }
  std::map<std::string, int> reasons;
  std::size_t no_winner = 0;
  for (const Entry* e : db.sorted_entries()) {
    count_reverify_reasons(*e, reasons);
    for (const auto& v : e->variants) no_winner += v.winner() == nullptr;
  }
  for (const auto& [reason, n] : reasons) {
    ++problems;
    std::cout << "FAIL " << n << " variants need re-verification: " << reason << "\n";
  }
  if (no_winner > 0) std::cout << "note " << no_winner << " variants have no ok tactic\n";
  std::cout << (problems == 0 ? "verified\n" : cat(std::to_string(problems), " problems\n"));
  return problems == 0 ? 0 : 1;
}

int export_subset(const Args& args) {
  ArgParser p("plantune db export",
              "write the entries of some problem keys, or of a model's conv and fully connected "
              "layers, into a new tactic database");
  p.positional("file", "tactic database (JSON)");
  p.option("--keys", "LIST", "problem keys, comma separated");
  p.option("--keys-file", "FILE", "problem keys, one per line");
  p.option("--model", "M", "built-in model or network JSON file: its layers' entries, any dtype");
  p.option("--batch", "N", "with --model: batch size (default: the model's)");
  p.flag("--all", "every entry");
  p.flag("--winners-only",
         "keep only each variant's winner: all that a runtime looking winners up reads, and the "
         "fastest to load");
  p.option("--output", "FILE", "where to write the subset (-o FILE)");
  if (!p.parse(args)) return 0;
  if (!p.has("--output")) throw UsageError("--output FILE is required");
  const int sources = p.has("--keys") + p.has("--keys-file") + p.has("--model") + p.has("--all");
  if (sources != 1) throw UsageError("give exactly one of --keys, --keys-file, --model and --all");
  if (p.has("--batch") && !p.has("--model")) throw UsageError("--batch applies to --model");
  const std::string path = p.get("file"), out = p.get("--output");
  const TacticDb db = load_tactic_db(path).db;

  TacticDb subset;
  std::vector<std::string> missing;
  if (p.has("--all")) {
    subset = db;
  } else if (p.has("--model")) {
    models::ModelOptions mo;
    std::optional<std::int64_t> batch;
    if (p.has("--batch")) {
      batch = p.get_int("--batch");
      if (*batch <= 0) throw UsageError(cat("--batch must be > 0, got ", std::to_string(*batch)));
      mo.batch = *batch;
    }
    subset = db.subset_for_graph(models::load_network(p.get("--model"), mo), batch);
  } else {
    std::vector<std::string> keys;
    if (p.has("--keys")) {
      keys = split_keys(p.get("--keys"));
    } else {
      std::ifstream f(p.get("--keys-file"));
      PT_REQUIRE(f.good(), io_error, "cannot open keys file '" << p.get("--keys-file") << "'");
      for (std::string line; std::getline(f, line);) {
        if (!line.empty()) keys.push_back(line);
      }
    }
    if (keys.empty()) throw UsageError("no keys given");
    subset = db.subset(keys, &missing);
  }
  if (p.has("--winners-only")) subset = subset.winners_only();
  save_tactic_db(subset, out, SaveMode::replace);
  std::cout << "exported " << subset.size() << " of " << db.size() << " entries from " << path
            << " to " << out << (p.has("--winners-only") ? " (winners only)" : "") << "\n";
  for (const auto& k : missing) std::cerr << "plantune db export: no entry for key '" << k << "'\n";
  return missing.empty() ? 0 : 1;
}

}  // namespace

int cmd_db(const Args& args) {
  if (args.empty()) throw UsageError("missing action: show, merge, verify or export");
  const std::string& action = args[0];
  if (action == "--help" || action == "-h") {
    std::cout << kActions;
    return 0;
  }
  Args rest(args.begin() + 1, args.end());
  for (auto& a : rest) {
    if (a == "-o") a = "--output";
  }
  if (action == "show") return show(rest);
  if (action == "merge") return merge(rest);
  if (action == "verify") return verify(rest);
  if (action == "export") return export_subset(rest);
  throw UsageError(cat("unknown action '", action, "' (show, merge, verify or export)"));
}

}  // namespace plantune::cli
