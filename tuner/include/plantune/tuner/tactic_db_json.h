#pragma once
// The JSON text of a TacticDb (docs/tactic-db-format.md, docs/schemas/tactic-db.schema.json).
// Writing is deterministic: entries sorted by key, variants by Variant, candidates in rank
// order, numbers in shortest round-trip form, so equal databases give equal bytes.
#include <cstddef>
#include <string>
#include <string_view>

#include "plantune/tuner/tactic_db.h"

namespace plantune::tuner {

inline constexpr std::string_view kTacticDbFormat = "plantune-tactic-db";

std::string tactic_db_to_json(const TacticDb& db);

// Strict reading: anything plantune would not have written is rejected with parse_error
// "<source>: line L, column C (<member path>): <problem>" — malformed or truncated JSON,
// unknown, missing or repeated members, wrong types, unknown enum names, numbers out of range,
// a schema version other than kTacticDbSchemaVersion, a repeated entry key or variant,
// non-canonical keys, candidates out of rank order, a winner that is not the first ok
// candidate. Environments are not compared here (see tactic_db_store.h).
TacticDb tactic_db_from_json(std::string_view text, const std::string& source = "<string>");

// How tactic_db_from_json reads the entries, most of a large file: on up to `threads` threads
// (0: one per hardware thread, at most kMaxReadThreads), each given at least `min_piece_bytes`
// of the text, so small files are read on the calling thread. The result, and the message of
// any error, is the same for every setting.
struct TacticDbReadOptions {
  static constexpr unsigned kMaxReadThreads = 16;
  unsigned threads = 0;
  std::size_t min_piece_bytes = std::size_t{1} << 18;
  // When set, receives how many pieces the entries were read in (1: on the calling thread).
  std::size_t* pieces_read = nullptr;

  // `threads`, or the hardware's for 0, within 1..kMaxReadThreads.
  unsigned thread_count() const;
};
TacticDb tactic_db_from_json(std::string_view text, const std::string& source,
                             const TacticDbReadOptions& options);

}  // namespace plantune::tuner
