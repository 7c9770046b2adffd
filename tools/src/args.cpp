#include "args.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace plantune::cli {

ArgParser::ArgParser(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)) {}

void ArgParser::positional(const std::string& name, const std::string& help, bool required) {
  specs_.push_back({name, name, help, false, true, required, std::nullopt});
}

void ArgParser::flag(const std::string& name, const std::string& help) {
  specs_.push_back({name, "", help, true, false, false, std::nullopt});
}

void ArgParser::option(const std::string& name, const std::string& metavar,
                       const std::string& help, std::optional<std::string> default_value) {
  specs_.push_back({name, metavar, help, false, false, false, std::move(default_value)});
}

bool ArgParser::parse(const std::vector<std::string>& args) {
  std::size_t next_positional = 0;
  std::vector<const Spec*> positionals;
  for (const auto& s : specs_) {
    if (s.is_positional) positionals.push_back(&s);
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::cout << usage();
      return false;
    }
    // Options: "--name", or a one-letter "-x" (a lone '-' or "-1" is a value).
    const bool long_opt = a.size() > 2 && a.rfind("--", 0) == 0;
    const bool short_opt = a.size() == 2 && a[0] == '-' && std::isalpha(static_cast<unsigned char>(a[1]));
    if (long_opt || short_opt) {
      std::string name = a, value;
      bool inline_value = false;
      if (auto eq = a.find('='); eq != std::string::npos) {
        name = a.substr(0, eq);
        value = a.substr(eq + 1);
        inline_value = true;
      }
      const Spec* spec = nullptr;
      for (const auto& s : specs_) {
        if (!s.is_positional && s.name == name) spec = &s;
      }
      if (!spec) throw UsageError("unknown option " + name);
      if (spec->is_flag) {
        if (inline_value) throw UsageError(name + " takes no value");
        values_[name] = "1";
        continue;
      }
      if (!inline_value) {
        if (i + 1 >= args.size()) throw UsageError(name + " needs a value (" + spec->metavar + ")");
        value = args[++i];
      }
      values_[name] = value;
      continue;
    }
    if (next_positional >= positionals.size()) throw UsageError("unexpected argument '" + a + "'");
    values_[positionals[next_positional++]->name] = a;
  }
  for (const auto& s : specs_) {
    if (values_.count(s.name)) continue;
    if (s.default_value) {
      values_[s.name] = *s.default_value;
    } else if (s.is_positional && s.required) {
      throw UsageError("missing argument <" + s.name + ">");
    }
  }
  return true;
}

bool ArgParser::has(const std::string& name) const { return values_.count(name) != 0; }

std::string ArgParser::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw UsageError("missing " + name);
  return it->second;
}

std::int64_t ArgParser::get_int(const std::string& name) const {
  std::string v = get(name);
  errno = 0;
  char* end = nullptr;
  long long r = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno == ERANGE) {
    throw UsageError(name + " expects an integer, got '" + v + "'");
  }
  return r;
}

double ArgParser::get_double(const std::string& name) const {
  std::string v = get(name);
  char* end = nullptr;
  double r = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0') throw UsageError(name + " expects a number, got '" + v + "'");
  return r;
}

std::string ArgParser::usage() const {
  std::ostringstream os;
  os << "usage: " << command_;
  for (const auto& s : specs_) {
    if (s.is_positional) os << (s.required ? " <" : " [<") << s.name << (s.required ? ">" : ">]");
  }
  os << " [options]\n\n" << summary_ << "\n";
  bool any_pos = false;
  for (const auto& s : specs_) {
    if (!s.is_positional) continue;
    if (!any_pos) os << "\narguments:\n";
    any_pos = true;
    os << "  " << s.name << "\n      " << s.help << "\n";
  }
  os << "\noptions:\n";
  for (const auto& s : specs_) {
    if (s.is_positional) continue;
    os << "  " << s.name << (s.is_flag ? "" : " " + s.metavar) << "\n      " << s.help;
    if (s.default_value) os << " (default: " << *s.default_value << ")";
    os << "\n";
  }
  os << "  --help\n      print this help\n";
  return os.str();
}

}  // namespace plantune::cli
