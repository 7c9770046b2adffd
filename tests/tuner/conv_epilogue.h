#pragma once
// Fused-convolution cases shared by the tuner's GPU tests (legacy and graph sources): shapes,
// epilogues, a runner that drops the epilogue's inputs (a plausible wrong fused kernel), an
// in-place run (y == z) of a tactic, and a one-line summary of a tuning's outcomes.
#include <cuda_runtime_api.h>

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "plantune/core/device_buffer.h"
#include "plantune/core/error.h"
#include "plantune/tuner/reference.h"
#include "plantune/tuner/tuner.h"
#include "tuner/conv_shapes.h"

namespace plantune::tuner::testing {

struct EpilogueCase {
  std::string name;
  ConvProblem problem;
  Variant variant;
};

// Short reductions (8 or 16 channels x 3x3): a bias of magnitude ~0.5 is a few percent of
// sum |x * w|, so a missing bias or residual exceeds even the fp16 tolerance (Note [epilogue
// reference] in reference.h).
inline std::vector<EpilogueCase> epilogue_shapes() {
  return {
      {"3x3 nhwc/fp16", conv(2, 8, 9, 16, 3, 1, 1), {Layout::nhwc, Precision::fp16, 0, 0}},
      {"strided nhwc/fp16", conv(2, 8, 11, 24, 3, 1, 2), {Layout::nhwc, Precision::fp16, 0, 0}},
      {"3x3 nchw/fp32", conv(2, 16, 9, 32, 3, 1, 1), {Layout::nchw, Precision::fp32, 0, 0}},
      {"strided nchw/fp32", conv(2, 8, 11, 24, 3, 1, 2), {Layout::nchw, Precision::fp32, 0, 0}},
  };
}

// {bias}, {bias, relu}, {bias, residual, relu}.
inline std::vector<ConvEpilogue> test_epilogues() {
  return {ConvEpilogue{true, false, Activation::none}, ConvEpilogue{true, false, Activation::relu},
          ConvEpilogue{true, true, Activation::relu}};
}

inline ConvProblem with_epilogue(ConvProblem p, const ConvEpilogue& e) {
  p.epilogue = e;
  return p;
}

// Runs `inner` with the bias and z replaced by zeros: the convolution is right, the epilogue's
// additions are lost (the activation still applies).
class EpilogueDropping final : public ConvRunner {
 public:
  EpilogueDropping(std::unique_ptr<ConvRunner> inner, const ConvProblem& exec)
      : inner_(std::move(inner)),
        zeros_(static_cast<std::size_t>(exec.n * exec.k * exec.out_h() * exec.out_w() * 4)) {
    PT_CUDA_CHECK(cudaMemset(zeros_.data(), 0, zeros_.bytes()));
    PT_CUDA_CHECK(cudaDeviceSynchronize());
  }
  void prepare() override { inner_->prepare(); }
  std::int64_t workspace_bytes() const override { return inner_->workspace_bytes(); }
  void enqueue(const ConvOperands& op, void* ws, cudaStream_t s) override {
    ConvOperands wrong = op;
    if (wrong.bias != nullptr) wrong.bias = zeros_.data();
    if (wrong.z != nullptr) wrong.z = zeros_.data();
    inner_->enqueue(wrong, ws, s);
  }

 private:
  std::unique_ptr<ConvRunner> inner_;
  DeviceBytes zeros_;
};

// A tactic hook that wraps the first runnable tactic of `api` in EpilogueDropping and records
// which one it was in `victim`.
inline std::function<void(const ConvSourceContext&, std::vector<PreparedTactic>&)>
drop_epilogue_of_first(Api api, TacticConfig* victim) {
  return [api, victim](const ConvSourceContext& ctx, std::vector<PreparedTactic>& ts) {
    for (PreparedTactic& t : ts) {
      if (t.outcome == Outcome::ok && api_of(t.config) == api) {
        *victim = t.config;
        t.runner = std::make_unique<EpilogueDropping>(std::move(t.runner), ctx.exec);
        return;
      }
    }
  };
}

// Runs `tactic` once in place (operands.z == operands.y, y holding z's values beforehand) on a
// fresh workload and checks it against the fp64 reference.
inline Validation validate_in_place(ConvTuner& tuner, const ConvProblem& p, const Variant& v,
                                    const TacticConfig& tactic, const TuneOptions& o) {
  cudaStream_t s = tuner.stream();
  ConvWorkload wl(p, v, o.workload, s);
  const ConvReference ref(wl, s);
  PreparedTactic prep = prepare_tactic(tuner.context(p, v, o), tactic);
  PT_REQUIRE(prep.outcome == Outcome::ok, internal,
             tactic_id(tactic) << " does not prepare: " << prep.detail);
  prep.runner->prepare();
  void* ws = wl.workspace(prep.runner->workspace_bytes(), s);
  ConvOperands op = wl.operands(0);
  PT_REQUIRE(op.z != nullptr, internal, "in-place run of a problem without a residual");
  wl.poison_output(s);
  PT_CUDA_CHECK(cudaMemcpyAsync(op.y, op.z, static_cast<std::size_t>(wl.y_bytes()),
                                cudaMemcpyDeviceToDevice, s));
  op.z = op.y;
  wl.enqueue_pad_input(0, s);
  prep.runner->enqueue(op, ws, s);
  wl.enqueue_slice_output(0, s);
  PT_CUDA_CHECK(cudaStreamSynchronize(s));
  return check_output(wl, ref, default_tolerance(v.precision), s);
}

// "legacy ok 3 / not_supported 29; graph ok 4 / timeout 2; winner graph/eng.. 0.0123 ms"
inline std::string outcome_summary(const VariantTuning& vt) {
  std::map<std::string, std::map<std::string, int>> per_api;
  for (const Candidate& c : vt.result.candidates) {
    ++per_api[std::string(to_string(api_of(c.tactic)))][std::string(to_string(c.outcome))];
  }
  std::ostringstream os;
  for (const auto& [api, outcomes] : per_api) {
    os << api << ":";
    for (const auto& [o, n] : outcomes) os << " " << o << " " << n;
    os << "; ";
  }
  if (const Candidate* w = vt.winner()) {
    os << "winner " << tactic_id(w->tactic) << " " << w->timing->median_ms << " ms, max rel err "
       << w->validation->max_rel_error;
  } else {
    os << "no winner";
  }
  return os.str();
}

}  // namespace plantune::tuner::testing
