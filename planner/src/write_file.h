#pragma once
// Private to planner/: atomic text file writes (temp file + rename) for plan_json and plan_svg.
#include <cstdio>
#include <fstream>
#include <string>

#include "plantune/core/error.h"

namespace plantune::planner::detail {

// Writes `text` to `path` through `path`.tmp and a rename; io_error naming the file on failure.
inline void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    PT_REQUIRE(f.good(), io_error, "cannot open '" << tmp << "' for writing");
    f << text;
    f.flush();
    PT_REQUIRE(f.good(), io_error, "writing '" << tmp << "' failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    PT_FAIL(io_error, "cannot rename '" << tmp << "' to '" << path << "'");
  }
}

}  // namespace plantune::planner::detail
