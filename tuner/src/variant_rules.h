#pragma once
// The rules of a VariantResult other than each candidate's own (validate(Candidate)): shared by
// VariantResult::validate and the database reader, which checks candidates as it reads them.
#include "plantune/tuner/tactic_db.h"

namespace plantune::tuner::detail {

// Throws invalid_argument: negative padding, malformed provenance, reverify reason not
// matching needs_reverify, an error_vs_fp32 without a winner or out of range, candidates out
// of rank order, a tactic listed twice.
void check_variant_structure(const VariantResult& r);

}  // namespace plantune::tuner::detail
