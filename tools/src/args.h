#pragma once
// A small command-line parser shared by every plantune subcommand.
// Bad arguments throw UsageError; main() prints its one line and exits with status 2.
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace plantune::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ArgParser {
 public:
  // `command` is e.g. "plantune plan"; `summary` is the one-line description.
  ArgParser(std::string command, std::string summary);

  void positional(const std::string& name, const std::string& help, bool required = true);
  void flag(const std::string& name, const std::string& help);  // --name
  void option(const std::string& name, const std::string& metavar, const std::string& help,
              std::optional<std::string> default_value = std::nullopt);  // --name VALUE

  // Returns false when --help was asked (usage already printed to stdout); throws UsageError
  // on unknown options, missing values or missing required positionals.
  bool parse(const std::vector<std::string>& args);

  bool has(const std::string& name) const;  // flag set, or option/positional given (or defaulted)
  std::string get(const std::string& name) const;  // throws UsageError when absent
  std::int64_t get_int(const std::string& name) const;  // checked integer, throws UsageError
  double get_double(const std::string& name) const;
  std::string usage() const;

 private:
  struct Spec {
    std::string name, metavar, help;
    bool is_flag = false, is_positional = false, required = false;
    std::optional<std::string> default_value;
  };
  std::string command_, summary_;
  std::vector<Spec> specs_;
  std::map<std::string, std::string> values_;
};

}  // namespace plantune::cli
