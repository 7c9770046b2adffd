#pragma once
// GEMM shapes, light tuning options and deliberately wrong GEMM runners shared by the tuner's
// GEMM tests.
#include <cuda_runtime_api.h>

#include <memory>
#include <string>
#include <vector>

#include "plantune/core/cuda_check.h"
#include "plantune/tuner/gemm_source.h"
#include "plantune/tuner/gemm_tuner.h"
#include "plantune/tuner/problem_key.h"

namespace plantune::tuner::testing {

// A fully connected layer's GEMM: X [m, k] times W [n, k]^T (+ bias, activation).
inline GemmProblem fc(std::int64_t m, std::int64_t n, std::int64_t k, bool bias = true,
                      Activation act = Activation::none) {
  GemmProblem p;
  p.m = m, p.n = n, p.k = k;
  p.transa = false, p.transb = true;
  p.bias = bias;
  p.activation = act;
  return p;
}

struct NamedGemm {
  std::string name;
  GemmProblem problem;
};

// A single row (batch 1), ResNet-50's classifier at batch 32, and sizes that are multiples of
// nothing (no vectorized path fits them).
inline std::vector<NamedGemm> gemm_test_shapes() {
  return {
      {"m1_n1000_k2048", fc(1, 1000, 2048)},
      {"m32_n1000_k2048", fc(32, 1000, 2048)},
      {"m7_n33_k45", fc(7, 33, 45)},
  };
}

// Options that keep a test's tuning to a fraction of a second per precision.
inline GemmTuneOptions quick_gemm_options() {
  GemmTuneOptions o;
  o.measure.warmup_ms = 0.2;
  o.measure.warmup_min_runs = 1;
  o.measure.min_runs = 5;
  o.measure.max_runs = 20;
  o.measure.budget_ms = 20;
  o.halving.first_round_runs = 2;
  o.source.max_heuristic = 8;
  o.source.max_enumerated = 8;
  o.source.max_checks = 512;
  o.workload.cold_l2 = false;
  return o;
}

// Runs `inner`, then zeroes row `row` of D: a tactic whose output is wrong in one row.
class ZeroRowRunner final : public GemmRunner {
 public:
  using GemmRunner::enqueue;
  ZeroRowRunner(std::unique_ptr<GemmRunner> inner, std::int64_t row, std::int64_t row_bytes)
      : inner_(std::move(inner)), row_(row), row_bytes_(row_bytes) {}
  std::int64_t workspace_bytes() const override { return inner_->workspace_bytes(); }
  void enqueue(const GemmOperands& o, void* ws, cudaStream_t s) override {
    inner_->enqueue(o, ws, s);
    PT_CUDA_CHECK(cudaMemsetAsync(static_cast<char*>(o.d) + row_ * row_bytes_, 0,
                                  static_cast<std::size_t>(row_bytes_), s));
  }

 private:
  std::unique_ptr<GemmRunner> inner_;
  std::int64_t row_, row_bytes_;
};

// Runs `inner`, then writes `count` bytes right after D's `d_bytes`: an out-of-bounds writer.
class StrayWriteRunner final : public GemmRunner {
 public:
  using GemmRunner::enqueue;
  StrayWriteRunner(std::unique_ptr<GemmRunner> inner, std::int64_t d_bytes, std::int64_t count)
      : inner_(std::move(inner)), d_bytes_(d_bytes), count_(count) {}
  std::int64_t workspace_bytes() const override { return inner_->workspace_bytes(); }
  void enqueue(const GemmOperands& o, void* ws, cudaStream_t s) override {
    inner_->enqueue(o, ws, s);
    PT_CUDA_CHECK(cudaMemsetAsync(static_cast<char*>(o.d) + d_bytes_, 0x11,
                                  static_cast<std::size_t>(count_), s));
  }

 private:
  std::unique_ptr<GemmRunner> inner_;
  std::int64_t d_bytes_, count_;
};

}  // namespace plantune::tuner::testing
