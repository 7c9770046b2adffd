#pragma once
// MiniMalloc's CSV format: header `id,lower,upper,size[,offset]`, one buffer per line, live over
// the half-open interval [lower, upper). Ids that are a permutation of 0..n-1 become buffer ids;
// other ids (any text) are kept as names and buffers are numbered in file order.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plantune/planner/problem.h"

namespace plantune::planner {

struct CsvProblem {
  Problem problem;
  std::optional<std::vector<std::int64_t>> offsets;  // present when the file has an offset column
};

// Parses `text`; errors are parse_error naming `source` and the line. The problem is validated.
CsvProblem parse_csv(std::string_view text, std::string_view source = "<csv>");
// Reads and parses a file; io_error when it cannot be opened.
CsvProblem read_csv(const std::string& path);

// One line per buffer in id order; the id column is the buffer's name when it has one, else its
// id. Aliases cannot be written (invalid_argument): normalize first. `offsets` adds the column.
std::string to_csv(const Problem& problem, const std::vector<std::int64_t>* offsets = nullptr);
void write_csv(const std::string& path, const Problem& problem,
               const std::vector<std::int64_t>* offsets = nullptr);

}  // namespace plantune::planner
