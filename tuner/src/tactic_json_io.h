#pragma once
// Encoding and strict decoding of tactics and candidates, shared by tactic_json.cpp (the public
// one-object API) and tactic_db_json.cpp (the database file). docs/tactic-db-format.md
// describes the members; docs/schemas/tactic-db.schema.json is the same rules as a schema.
#include "json_reader.h"
#include "json_writer.h"
#include "plantune/tuner/candidate.h"
#include "plantune/tuner/tactic.h"

namespace plantune::tuner::detail {

void write_tactic(JsonWriter& w, const TacticConfig& t);
// Reads a tactic object; names are checked by validate(TacticConfig) (failing at the object).
TacticConfig read_tactic(JsonReader& r);

void write_candidate(JsonWriter& w, const Candidate& c);
// Reads a candidate object and checks it with validate(Candidate).
Candidate read_candidate(JsonReader& r);

Layout read_layout(JsonReader& r);
Precision read_precision(JsonReader& r);

// The variant's members "layout", "precision", "padded_c", "padded_k" inside an open object.
void write_variant_members(JsonWriter& w, const Variant& v);

}  // namespace plantune::tuner::detail
