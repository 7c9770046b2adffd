#include "plantune/precision/precision_policy.h"

#include <cmath>
#include <sstream>

#include "plantune/core/error.h"

namespace plantune::precision {

namespace {

// Appends "<name> <value> <op> <bound>" for the first failure only.
void check_upper(std::ostringstream& out, const char* name, double value,
                 const std::optional<double>& bound) {
  if (!out.str().empty() || !bound) return;
  if (!(value <= *bound)) out << name << " " << value << " > " << *bound;
}

void check_lower(std::ostringstream& out, const char* name, double value,
                 const std::optional<double>& bound) {
  if (!out.str().empty() || !bound) return;
  if (!(value >= *bound)) out << name << " " << value << " < " << *bound;
}

}  // namespace

std::string ErrorBudget::why_not(const ErrorMetrics& m) const {
  std::ostringstream out;
  if (m.count <= 0) return "no elements were compared";
  if (m.nonfinite > 0) {
    out << m.nonfinite << " of " << m.count << " results are NaN or inf";
    return out.str();
  }
  check_upper(out, "rel_l2", m.rel_l2, max_rel_l2);
  check_upper(out, "max_abs", m.max_abs, max_abs);
  check_upper(out, "max_rel", m.max_rel, max_rel);
  check_upper(out, "mean_rel", m.mean_rel, max_mean_rel);
  check_lower(out, "sqnr_db", m.sqnr_db, min_sqnr_db);
  check_lower(out, "cosine", m.cosine, min_cosine);
  return out.str();
}

ErrorBudget default_budget(DType precision) {
  ErrorBudget b;
  switch (precision) {
    case DType::fp32: b.max_rel_l2 = 1e-4; return b;
    case DType::tf32:
    case DType::fp16:
    case DType::bf16: b.max_rel_l2 = 1e-2; return b;
    case DType::int8: b.max_rel_l2 = 0.1; return b;
    case DType::int32: break;
  }
  PT_FAIL(invalid_argument, "default_budget: " << to_string(precision)
                                               << " is not a compute precision");
}

PrecisionPolicy PrecisionPolicy::defaults() {
  PrecisionPolicy p;
  for (DType t : {DType::fp32, DType::tf32, DType::fp16, DType::bf16}) p.allow(t);
  return p;
}

PrecisionPolicy PrecisionPolicy::fp32_only() {
  PrecisionPolicy p;
  p.allow(DType::fp32);
  return p;
}

bool PrecisionPolicy::allows(DType precision) const {
  for (const auto& a : allowed) {
    if (a.precision == precision) return true;
  }
  return false;
}

const ErrorBudget& PrecisionPolicy::budget(DType precision) const {
  for (const auto& a : allowed) {
    if (a.precision == precision) return a.budget;
  }
  std::ostringstream names;
  for (std::size_t i = 0; i < allowed.size(); ++i) {
    names << (i ? ", " : "") << to_string(allowed[i].precision);
  }
  PT_FAIL(invalid_argument, "precision policy does not allow " << to_string(precision)
                                                               << " (allowed: " << names.str()
                                                               << ")");
}

bool PrecisionPolicy::fits(DType precision, const ErrorMetrics& m) const {
  return allows(precision) && budget(precision).fits(m);
}

void PrecisionPolicy::allow(DType precision, std::optional<ErrorBudget> b) {
  ErrorBudget chosen = b ? *b : default_budget(precision);
  for (auto& a : allowed) {
    if (a.precision == precision) {
      a.budget = chosen;
      return;
    }
  }
  allowed.push_back({precision, chosen});
}

void PrecisionPolicy::validate() const {
  for (std::size_t i = 0; i < allowed.size(); ++i) {
    const auto& a = allowed[i];
    PT_REQUIRE(a.precision != DType::int32, invalid_argument,
               "precision policy: int32 is not a compute precision (entry " << i << ")");
    for (std::size_t j = 0; j < i; ++j) {
      PT_REQUIRE(allowed[j].precision != a.precision, invalid_argument,
                 "precision policy: " << to_string(a.precision) << " is listed twice (entries "
                                      << j << " and " << i << ")");
    }
    const std::optional<double>* bounds[] = {&a.budget.max_rel_l2,   &a.budget.max_abs,
                                             &a.budget.max_rel,      &a.budget.max_mean_rel,
                                             &a.budget.min_sqnr_db,  &a.budget.min_cosine};
    const char* names[] = {"max_rel_l2", "max_abs", "max_rel", "max_mean_rel", "min_sqnr_db",
                           "min_cosine"};
    for (int k = 0; k < 6; ++k) {
      const auto& bound = *bounds[k];
      if (!bound) continue;
      PT_REQUIRE(!std::isnan(*bound), invalid_argument,
                 "precision policy: " << to_string(a.precision) << " budget " << names[k]
                                      << " is NaN");
      // sqnr_db and cosine may be negative bounds; the error bounds may not.
      if (k < 4) {
        PT_REQUIRE(*bound >= 0.0, invalid_argument,
                   "precision policy: " << to_string(a.precision) << " budget " << names[k]
                                        << " is negative (" << *bound << ")");
      }
    }
  }
}

}  // namespace plantune::precision
