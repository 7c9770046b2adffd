#pragma once
// The environment a tactic database was measured in, and the rule for using entries measured
// in another one. Filled from a plain struct so that reading and merging databases never
// needs a GPU; the tuner fills it from the device it runs on.
//
// Note [environment check]: timings are only meaningful on the chip that produced them, so
// a different GPU name, compute capability or SM count REJECTS the entries. A different cuDNN
// or CUDA runtime version keeps the tactic descriptions (engine ids, knob names, algorithm
// names are stable) but may change which run and how fast: the entries are kept and marked
// NEEDS_REVERIFY (re-validated and re-timed before they are trusted). A different driver or
// plantune version is reported as a note only. Nothing is silent: each verdict has a reason.
#include <string>
#include <string_view>
#include <vector>

namespace plantune::tuner {

struct Environment {
  std::string gpu_name;            // "NVIDIA H200"
  int cc_major = 0, cc_minor = 0;  // compute capability
  int sm_count = 0;
  std::string driver_version;        // as the device reports it, e.g. "13.0" or "580.65.06"
  std::string cuda_runtime_version;  // "13.0"
  std::string cudnn_version;         // version loaded at run time, "9.14.0"
  std::string plantune_version;      // "0.1.0"

  // True when no GPU was recorded (an empty database not yet tied to a device).
  bool empty() const { return gpu_name.empty() && cc_major == 0 && sm_count == 0; }
  // "NVIDIA H200 (cc 9.0, 132 SMs), driver 13.0, CUDA 13.0, cuDNN 9.14.0, plantune 0.1.0"
  std::string describe() const;
  bool operator==(const Environment&) const = default;
};

enum class EnvVerdict { same, reverify, reject };
std::string_view to_string(EnvVerdict v);

struct EnvCheck {
  EnvVerdict verdict = EnvVerdict::same;
  std::vector<std::string> differences;  // one line per differing field, worst first

  // The differences joined with "; " ("" when there are none).
  std::string reason() const;
};

// Compares the environment entries were measured in (`stored`) with the one they are used in
// (`current`) following Note [environment check].
EnvCheck check_environment(const Environment& stored, const Environment& current);

}  // namespace plantune::tuner
