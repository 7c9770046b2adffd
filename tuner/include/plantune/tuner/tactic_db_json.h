#pragma once
// The JSON text of a TacticDb (docs/tactic-db-format.md, docs/schemas/tactic-db.schema.json).
// Writing is deterministic: entries sorted by key, variants by Variant, candidates in rank
// order, numbers in shortest round-trip form, so equal databases give equal bytes.
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

}  // namespace plantune::tuner
