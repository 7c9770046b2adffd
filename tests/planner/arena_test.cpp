#include "plantune/planner/arena.h"

#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "plantune/core/error.h"
#include "plantune/core/graph_builder.h"
#include "plantune/planner/checker.h"
#include "plantune/planner/lifetime.h"
#include "plantune/planner/planner.h"
#include "support/gpu_skip.h"

namespace plantune::planner {
namespace {

#define ASSERT_CUDA(x) ASSERT_EQ((x), cudaSuccess) << #x

// A graph with in-place chains, a view, an elided concat, a residual add and workspaces.
Lifetimes MixedGraph() {
  Graph g("mixed");
  GraphBuilder b(g);
  TensorId x = b.input("x", {1, 8, 16, 16});
  TensorId c1 = b.act("c1r", b.batch_norm("c1n", b.conv("c1", x, 8, 3)), Activation::relu);
  TensorId c2 = b.conv("c2", c1, 8, 3);
  TensorId s = b.add("s", c2, c1);
  TensorId u = b.conv("u", s, 12, 1);
  TensorId v = b.conv("v", s, 4, 1);
  TensorId cat = b.concat("cat", {u, v});
  TensorId f = b.flatten("f", cat);
  b.output(b.fc("fc", f, 10));
  std::vector<std::int64_t> ws(g.ops().size(), 0);
  ws[0] = 3000;
  ws[4] = 777;
  return analyze_lifetimes(g, {Mode::aliasing, ws});
}

// Deterministic bytes for buffer `id`: a fresh random pattern, never all zeros.
std::vector<std::uint8_t> Pattern(std::int32_t id, std::int64_t size, std::uint32_t seed) {
  std::mt19937 rng(seed * 7919u + static_cast<std::uint32_t>(id));
  std::vector<std::uint8_t> p(static_cast<std::size_t>(size));
  for (auto& byte : p) byte = static_cast<std::uint8_t>(1 + rng() % 255);
  return p;
}

TEST(DeviceArena, NoLiveBufferIsClobbered) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: allocates an arena";
  Lifetimes lt = MixedGraph();
  const Problem& prob = lt.problem;
  Plan p = plan(prob);
  ASSERT_EQ(check_plan(prob, p), std::nullopt);
  DeviceArena arena(p);
  ASSERT_EQ(arena.bytes(), p.arena_bytes);
  ASSERT_NE(arena.base(), nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(arena.base()) % 256, 0u);
  for (const Buffer& b : prob.buffers) {
    EXPECT_EQ(static_cast<char*>(arena.pointer(b.id)) - static_cast<char*>(arena.base()),
              p.offsets[b.id]);
  }

  // Replay the timeline: at each step, every root buffer (storage) defined at that step is
  // written with its own pattern through its device pointer; then the whole arena is read
  // back and every root live at that step must still hold its pattern.
  const std::uint32_t seed = std::random_device{}();
  std::vector<std::uint8_t> host(static_cast<std::size_t>(arena.bytes()));
  int checked = 0;
  for (std::int64_t step = 0; step < lt.steps; ++step) {
    for (const Buffer& b : prob.buffers) {
      if (b.alias || b.size == 0 || b.first != step) continue;
      auto pat = Pattern(b.id, b.size, seed);
      ASSERT_CUDA(cudaMemcpy(arena.pointer(b.id), pat.data(), pat.size(), cudaMemcpyHostToDevice));
    }
    ASSERT_CUDA(cudaMemcpy(host.data(), arena.base(), host.size(), cudaMemcpyDeviceToHost));
    for (const Buffer& b : prob.buffers) {
      if (b.alias || b.size == 0 || b.first > step || b.last <= step) continue;
      auto pat = Pattern(b.id, b.size, seed);
      EXPECT_EQ(std::memcmp(host.data() + p.offsets[b.id], pat.data(), pat.size()), 0)
          << "buffer " << b.name << " clobbered at step " << step << " (seed " << seed << ")";
      ++checked;
    }
  }
  EXPECT_GT(checked, static_cast<int>(prob.buffers.size()));
  // An alias reads its root's bytes at its offset: the concat slices see what u and v wrote.
  for (const Buffer& b : prob.buffers) {
    if (!b.alias) continue;
    EXPECT_EQ(static_cast<char*>(arena.pointer(b.id)),
              static_cast<char*>(arena.pointer(b.alias->base)) + b.alias->byte_offset);
  }
}

TEST(DeviceArena, MovesOwnership) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: allocates an arena";
  Plan p;
  p.offsets = {0, 256};
  p.arena_bytes = 4096;
  DeviceArena a(p);
  void* base = a.base();
  ASSERT_NE(base, nullptr);
  DeviceArena b(std::move(a));
  EXPECT_EQ(b.base(), base);
  EXPECT_EQ(b.bytes(), 4096);
  EXPECT_EQ(a.base(), nullptr);  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(a.bytes(), 0);
  DeviceArena c;
  c = std::move(b);
  EXPECT_EQ(c.base(), base);
  EXPECT_EQ(c.pointer(1), static_cast<char*>(base) + 256);
  EXPECT_THROW(c.pointer(2), Error);
}

TEST(DeviceArena, RejectsImpossiblePlansWithoutAllocating) {
  // No device needed: the plan is checked before any CUDA call.
  Plan p;
  p.offsets = {0, 8192};
  p.arena_bytes = 4096;
  try {
    DeviceArena a(p);
    FAIL() << "an offset outside the arena was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("buffer 1 has offset 8192"), std::string::npos);
  }
  Plan empty;
  DeviceArena none(empty);
  EXPECT_EQ(none.base(), nullptr);
  EXPECT_EQ(none.bytes(), 0);
}

TEST(DeviceArena, ReportsAnAllocationThatCannotSucceed) {
  if (!plantune::testing::has_cuda_device()) GTEST_SKIP() << "no CUDA device: allocates an arena";
  Plan p;
  p.arena_bytes = std::int64_t{1} << 60;  // an exbibyte
  try {
    DeviceArena a(p);
    FAIL() << "a 2^60-byte arena was allocated";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::out_of_memory);
    EXPECT_NE(std::string(e.what()).find("1152921504606846976 bytes"), std::string::npos)
        << e.what();
  }
  // The failed allocation left no error behind for the next call.
  Plan ok;
  ok.arena_bytes = 256;
  DeviceArena a(ok);
  EXPECT_NE(a.base(), nullptr);
}

}  // namespace
}  // namespace plantune::planner
