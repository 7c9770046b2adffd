#include "plantune/planner/lifetime.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "plantune/core/error.h"
#include "plantune/planner/checker.h"
#include "plantune/planner/lower_bound.h"
#include "plantune/planner/planner.h"

namespace plantune::planner {
namespace {

// ---- graphs as data ----------------------------------------------------------------------
// TestGraph({inputs}, {{name, kind, {inputs}, attrs}, ...}, {outputs}): op i runs at step i.
struct In {
  std::string name;
  std::vector<std::int64_t> dims;
};
struct O {
  std::string name;
  OpKind kind;
  std::vector<std::string> inputs;
  OpAttrs attrs = NoAttrs{};
};

OpAttrs conv1x1(std::int64_t out_channels) {
  ConvAttrs a;
  a.out_channels = out_channels;
  return a;
}

Graph TestGraph(const std::vector<In>& inputs, const std::vector<O>& ops,
                const std::vector<std::string>& outputs) {
  Graph g("test");
  for (const auto& in : inputs) g.add_input(in.name, TensorShape{in.dims});
  for (const auto& op : ops) {
    std::vector<TensorId> ids;
    for (const auto& name : op.inputs) ids.push_back(*g.find_tensor(name));
    OpAttrs attrs =
        std::holds_alternative<NoAttrs>(op.attrs) ? default_attrs(op.kind) : op.attrs;
    g.add_op(op.name, op.kind, ids, attrs);
  }
  for (const auto& name : outputs) g.mark_output(*g.find_tensor(name));
  return g;
}

// One expected tensor buffer: interval, size, and where its storage is.
struct Row {
  std::string tensor;
  std::int64_t first, last, size;
  Storage storage;
  std::string alias_of = {};  // root tensor, empty for a root
  std::int64_t byte_offset = 0;
  std::int64_t alignment = kAlignment;
};

// Every tensor buffer of `lt` must match its row exactly (one row per tensor).
void ExpectBuffers(const Graph& g, const Lifetimes& lt, const std::vector<Row>& rows) {
  ASSERT_EQ(rows.size(), g.tensors().size());
  for (const Row& r : rows) {
    SCOPED_TRACE("tensor " + r.tensor);
    auto t = g.find_tensor(r.tensor);
    ASSERT_TRUE(t.has_value());
    const Buffer& b = lt.problem.buffers[lt.tensor_buffer[*t]];
    EXPECT_EQ(b.id, *t);
    EXPECT_EQ(b.name, r.tensor);
    EXPECT_EQ(b.first, r.first);
    EXPECT_EQ(b.last, r.last);
    EXPECT_EQ(b.size, r.size);
    EXPECT_EQ(b.alignment, r.alignment);
    EXPECT_EQ(lt.storage[*t], r.storage) << to_string(lt.storage[*t]);
    if (r.alias_of.empty()) {
      EXPECT_FALSE(b.alias.has_value());
    } else {
      ASSERT_TRUE(b.alias.has_value());
      EXPECT_EQ(b.alias->base, *g.find_tensor(r.alias_of));
      EXPECT_EQ(b.alias->byte_offset, r.byte_offset);
    }
  }
}

// Plans the problem and runs the independent checker on the result.
Plan PlanAndCheck(const Lifetimes& lt) {
  lt.problem.validate();
  Plan p = plan(lt.problem);
  EXPECT_EQ(check_plan(lt.problem, p), std::nullopt);
  EXPECT_GE(p.arena_bytes, p.lower_bound);
  EXPECT_EQ(p.lower_bound, lower_bound(lt.problem));
  return p;
}

const LifetimeOptions kPlain{Mode::plain, {}};

// [1, 64, 4, 4] fp32 = 4096 bytes, a multiple of the 256-byte alignment.
const std::vector<std::int64_t> k64 = {1, 64, 4, 4};

TEST(Lifetime, ChainConvReluRunsInPlace) {
  Graph g = TestGraph({{"x", k64}},
                      {{"conv", OpKind::conv2d, {"x"}, conv1x1(64)},   // step 0
                       {"relu", OpKind::activation, {"conv"}}},        // step 1
                      {"relu"});
  // Alloc(+) and dealloc(-) order: +x +conv | -x, relu over conv | end -conv.
  Lifetimes lt = analyze_lifetimes(g);
  ExpectBuffers(g, lt,
                {{"x", 0, 1, 4096, Storage::own},
                 {"conv", 0, 2, 4096, Storage::own},
                 {"relu", 1, 2, 4096, Storage::in_place, "conv", 0}});
  EXPECT_EQ(lt.steps, 2);
  EXPECT_EQ(lt.naive_bytes, 3 * 4096);
  EXPECT_EQ(lower_bound(lt.problem), 2 * 4096);
  EXPECT_EQ(PlanAndCheck(lt).arena_bytes, 2 * 4096);

  // Plain: every tensor its own buffer; relu and conv are both live at step 1.
  Lifetimes plain = analyze_lifetimes(g, kPlain);
  ExpectBuffers(g, plain,
                {{"x", 0, 1, 4096, Storage::own},
                 {"conv", 0, 2, 4096, Storage::own},
                 {"relu", 1, 2, 4096, Storage::own}});
  EXPECT_EQ(lower_bound(plain.problem), 2 * 4096);
  EXPECT_EQ(PlanAndCheck(plain).arena_bytes, 2 * 4096);
}

TEST(Lifetime, BatchNormAndReluChainShareOneBuffer) {
  Graph g = TestGraph({{"x", k64}},
                      {{"conv", OpKind::conv2d, {"x"}, conv1x1(64)},  // 0
                       {"bn", OpKind::batch_norm, {"conv"}},          // 1
                       {"relu", OpKind::activation, {"bn"}},          // 2
                       {"head", OpKind::conv2d, {"relu"}, conv1x1(64)}},  // 3
                      {"head"});
  // +x +conv | -x bn=conv | relu=conv | +head -conv(relu)
  Lifetimes lt = analyze_lifetimes(g);
  ExpectBuffers(g, lt,
                {{"x", 0, 1, 4096, Storage::own},
                 {"conv", 0, 4, 4096, Storage::own},
                 {"bn", 1, 3, 4096, Storage::in_place, "conv", 0},
                 {"relu", 2, 4, 4096, Storage::in_place, "conv", 0},
                 {"head", 3, 4, 4096, Storage::own}});
  EXPECT_EQ(lt.count(Storage::in_place), 2u);
  EXPECT_EQ(lower_bound(lt.problem), 2 * 4096);
  EXPECT_EQ(lower_bound(analyze_lifetimes(g, kPlain).problem), 2 * 4096);
  PlanAndCheck(lt);
}

TEST(Lifetime, ResidualAddGoesIntoTheOperandThatDies) {
  Graph g = TestGraph({{"x", k64}},
                      {{"a", OpKind::conv2d, {"x"}, conv1x1(64)},  // 0
                       {"b", OpKind::conv2d, {"a"}, conv1x1(64)},  // 1
                       {"s", OpKind::add, {"a", "b"}},             // 2: a lives on, b dies
                       {"t", OpKind::add, {"s", "a"}}},            // 3: both die, first wins
                      {"t"});
  // +x +a | -x +b | s over b (not a: a is read at step 3) | t over s(b) | end -a -b
  Lifetimes lt = analyze_lifetimes(g);
  ExpectBuffers(g, lt,
                {{"x", 0, 1, 4096, Storage::own},
                 {"a", 0, 4, 4096, Storage::own},
                 {"b", 1, 4, 4096, Storage::own},
                 {"s", 2, 4, 4096, Storage::in_place, "b", 0},
                 {"t", 3, 4, 4096, Storage::in_place, "b", 0}});
  EXPECT_EQ(lower_bound(lt.problem), 2 * 4096);
  EXPECT_EQ(lower_bound(analyze_lifetimes(g, kPlain).problem), 3 * 4096);
  EXPECT_EQ(PlanAndCheck(lt).arena_bytes, 2 * 4096);
}

TEST(Lifetime, GraphInputIsNeverOverwritten) {
  Graph g = TestGraph({{"x", k64}},
                      {{"c", OpKind::conv2d, {"x"}, conv1x1(64)},  // 0
                       {"s", OpKind::add, {"x", "c"}},             // 1: x dies here but is an input
                       {"m", OpKind::mul, {"x", "s"}}},            // 2: mul only into operand 0
                      {"m"});
  // +x +c | s over c | +m -x -c(s)
  Lifetimes lt = analyze_lifetimes(g);
  ExpectBuffers(g, lt,
                {{"x", 0, 3, 4096, Storage::own},
                 {"c", 0, 3, 4096, Storage::own},
                 {"s", 1, 3, 4096, Storage::in_place, "c", 0},
                 {"m", 2, 3, 4096, Storage::own}});
  PlanAndCheck(lt);
}

TEST(Lifetime, MulGoesIntoItsFirstOperandOnly) {
  Graph g = TestGraph({{"x", k64}},
                      {{"a", OpKind::conv2d, {"x"}, conv1x1(64)},    // 0
                       {"gate", OpKind::global_avg_pool, {"a"}},     // 1: [1, 64, 1, 1]
                       {"m", OpKind::mul, {"a", "gate"}},            // 2: a * gate, over a
                       {"b", OpKind::conv2d, {"x"}, conv1x1(64)},    // 3
                       {"c", OpKind::conv2d, {"x"}, conv1x1(64)},    // 4
                       {"m2", OpKind::mul, {"c", "b"}},              // 5: c lives on; b dies
                       {"out", OpKind::add, {"m2", "c"}}},           // 6: over m2
                      {"m", "out"});
  // +x +a | +gate | m=a -gate | +b | +c -x | +m2 (never over operand 1: b) -b | out=m2 -c
  Lifetimes lt = analyze_lifetimes(g);
  ExpectBuffers(g, lt,
                {{"x", 0, 5, 4096, Storage::own},
                 {"a", 0, 7, 4096, Storage::own},
                 {"gate", 1, 3, 256, Storage::own},
                 {"m", 2, 7, 4096, Storage::in_place, "a", 0},
                 {"b", 3, 6, 4096, Storage::own},
                 {"c", 4, 7, 4096, Storage::own},
                 {"m2", 5, 7, 4096, Storage::own},
                 {"out", 6, 7, 4096, Storage::in_place, "m2", 0}});
  PlanAndCheck(lt);
}

TEST(Lifetime, ViewAliasesItsBaseAndBlocksInPlaceWhileRead) {
  Graph g = TestGraph({{"x", k64}},
                      {{"c", OpKind::conv2d, {"x"}, conv1x1(64)},    // 0
                       {"f", OpKind::flatten, {"c"}},                // 1: [1, 1024], view of c
                       {"r", OpKind::activation, {"c"}},             // 2: c dies here, f does not
                       {"fc", OpKind::fully_connected, {"f"}, FullyConnectedAttrs{10, true}},  // 3
                       {"r2", OpKind::activation, {"r"}}},           // 4: r dies: in place
                      {"fc", "r2"});
  // +x +c | f=c | +r (c's storage is still read through f at 3) | +fc -c(f) | r2=r
  Lifetimes lt = analyze_lifetimes(g);
  ExpectBuffers(g, lt,
                {{"x", 0, 1, 4096, Storage::own},
                 {"c", 0, 4, 4096, Storage::own},
                 {"f", 1, 4, 4096, Storage::view, "c", 0},
                 {"r", 2, 5, 4096, Storage::own},
                 {"fc", 3, 5, 256, Storage::own},
                 {"r2", 4, 5, 4096, Storage::in_place, "r", 0}});
  EXPECT_EQ(lt.count(Storage::view), 1u);
  EXPECT_EQ(lower_bound(lt.problem), 2 * 4096 + 256);
  PlanAndCheck(lt);
  // Plain: the view is a copy with its own buffer.
  Lifetimes plain = analyze_lifetimes(g, kPlain);
  EXPECT_FALSE(plain.problem.buffers[*g.find_tensor("f")].alias.has_value());
  EXPECT_EQ(plain.problem.buffers[*g.find_tensor("f")].first, 1);
  EXPECT_EQ(plain.problem.buffers[*g.find_tensor("c")].last, 3);
}

TEST(Lifetime, ConcatElidedWithBatchOne) {
  // a: [1,16,4,4] = 1024 bytes, b: [1,32,4,4] = 2048 bytes, cat: [1,48,4,4] = 3072 bytes.
  Graph g = TestGraph({{"x", {1, 16, 4, 4}}},
                      {{"a", OpKind::conv2d, {"x"}, conv1x1(16)},        // 0
                       {"b", OpKind::conv2d, {"x"}, conv1x1(32)},        // 1
                       {"cat", OpKind::concat, {"a", "b"}},              // 2: a no-op
                       {"y", OpKind::conv2d, {"cat"}, conv1x1(8)}},      // 3
                      {"y"});
  // +x +cat(a into [0,1024)) | b into cat[1024,3072) -x | cat | +y -cat
  Lifetimes lt = analyze_lifetimes(g);
  ExpectBuffers(g, lt,
                {{"x", 0, 2, 1024, Storage::own},
                 {"a", 0, 3, 1024, Storage::concat_slice, "cat", 0},
                 {"b", 1, 3, 2048, Storage::concat_slice, "cat", 1024},
                 {"cat", 0, 4, 3072, Storage::own},
                 {"y", 3, 4, 512, Storage::own}});
  EXPECT_EQ(lt.count(Storage::concat_slice), 2u);
  EXPECT_EQ(lower_bound(lt.problem), 1024 + 3072);
  EXPECT_EQ(lower_bound(analyze_lifetimes(g, kPlain).problem), 1024 + 2048 + 3072);
  Plan p = PlanAndCheck(lt);
  EXPECT_EQ(p.offsets[*g.find_tensor("b")], p.offsets[*g.find_tensor("cat")] + 1024);
}

TEST(Lifetime, ConcatSliceOffsetsNeedNotBeAligned) {
  // a: [1,3,4,4] = 192 bytes at +0, b: [1,5,4,4] = 320 bytes at +192 (64-byte aligned).
  Graph g = TestGraph({{"x", {1, 4, 4, 4}}},
                      {{"a", OpKind::conv2d, {"x"}, conv1x1(3)},
                       {"b", OpKind::conv2d, {"x"}, conv1x1(5)},
                       {"cat", OpKind::concat, {"a", "b"}}},
                      {"cat"});
  Lifetimes lt = analyze_lifetimes(g);
  ExpectBuffers(g, lt,
                {{"x", 0, 2, 256, Storage::own},
                 {"a", 0, 3, 192, Storage::concat_slice, "cat", 0},
                 {"b", 1, 3, 320, Storage::concat_slice, "cat", 192, 64},
                 {"cat", 0, 3, 512, Storage::own}});
  EXPECT_EQ(lt.naive_bytes, 256 + 256 + 512 + 512);
  PlanAndCheck(lt);
}

TEST(Lifetime, ConcatNotElidedWithBatchTwo) {
  // NCHW with N = 2: each input's slice is two strided pieces, so the concat copies.
  Graph g = TestGraph({{"x", {2, 16, 4, 4}}},
                      {{"a", OpKind::conv2d, {"x"}, conv1x1(16)},
                       {"b", OpKind::conv2d, {"x"}, conv1x1(32)},
                       {"cat", OpKind::concat, {"a", "b"}},
                       {"y", OpKind::conv2d, {"cat"}, conv1x1(8)}},
                      {"y"});
  Lifetimes lt = analyze_lifetimes(g);
  ExpectBuffers(g, lt,
                {{"x", 0, 2, 2048, Storage::own},
                 {"a", 0, 3, 2048, Storage::own},
                 {"b", 1, 3, 4096, Storage::own},
                 {"cat", 2, 4, 6144, Storage::own},
                 {"y", 3, 4, 1024, Storage::own}});
  EXPECT_EQ(lt.count(Storage::concat_slice), 0u);
  PlanAndCheck(lt);
}

TEST(Lifetime, StridedConcatSlicesWhenAsked) {
  // N = 2, NCHW: cat [2,48,4,4] has element strides {768, 16, 4, 1}. With strided_concat, a
  // (and the conv it runs in place over) and b are stored with those strides: a's two
  // pieces are bytes [0,1024) and [3072,4096), spanning 4096; b's [1024,3072) and
  // [4096,6144), spanning 5120 from +1024.
  Graph g = TestGraph({{"x", {2, 16, 4, 4}}},
                      {{"c", OpKind::conv2d, {"x"}, conv1x1(16)},     // 0
                       {"a", OpKind::activation, {"c"}},              // 1: over c
                       {"b", OpKind::conv2d, {"x"}, conv1x1(32)},     // 2
                       {"cat", OpKind::concat, {"a", "b"}},           // 3
                       {"y", OpKind::conv2d, {"cat"}, conv1x1(8)}},   // 4
                      {"y"});
  LifetimeOptions strided;
  strided.strided_concat = true;
  Lifetimes lt = analyze_lifetimes(g, strided);
  ExpectBuffers(g, lt,
                {{"x", 0, 3, 2048, Storage::own},
                 {"c", 0, 2, 4096, Storage::concat_slice, "cat", 0},
                 {"a", 1, 4, 4096, Storage::in_place, "cat", 0},
                 {"b", 2, 4, 5120, Storage::concat_slice, "cat", 1024},
                 {"cat", 0, 5, 6144, Storage::own},
                 {"y", 4, 5, 1024, Storage::own}});
  const std::vector<std::int64_t> cat_strides = {768, 16, 4, 1};
  for (const char* t : {"c", "a", "b", "cat"}) {
    EXPECT_EQ(lt.strides[*g.find_tensor(t)], cat_strides) << t;
  }
  EXPECT_EQ(lt.strides[*g.find_tensor("x")], (std::vector<std::int64_t>{256, 16, 4, 1}));
  EXPECT_EQ(lower_bound(lt.problem), 2048 + 6144);
  EXPECT_EQ(memory_bounds(g, strided).aliasing_lower_bound, 2048 + 6144);
  // Without the option the same graph copies: a over c, b and cat of their own.
  EXPECT_EQ(memory_bounds(g).aliasing_lower_bound, 2048 + 2048 + 4096 + 6144 - 2048);
  PlanAndCheck(lt);
}

TEST(Lifetime, StridedConcatNeedsEveryTensorOfTheStorageInTheInputsShape) {
  // b's storage also holds a view (f) of another shape: f cannot take cat's strides.
  Graph g = TestGraph({{"x", {2, 16, 4, 4}}},
                      {{"a", OpKind::conv2d, {"x"}, conv1x1(16)},   // 0
                       {"f", OpKind::flatten, {"a"}},               // 1: view of a
                       {"fc", OpKind::fully_connected, {"f"}, FullyConnectedAttrs{4, true}},
                       {"r", OpKind::activation, {"a"}},            // 3: over a (f died at 2)
                       {"b", OpKind::conv2d, {"x"}, conv1x1(16)},   // 4
                       {"cat", OpKind::concat, {"r", "b"}}},        // 5
                      {"cat", "fc"});
  LifetimeOptions strided;
  strided.strided_concat = true;
  Lifetimes lt = analyze_lifetimes(g, strided);
  EXPECT_EQ(lt.storage[*g.find_tensor("r")], Storage::in_place);
  EXPECT_EQ(lt.storage[*g.find_tensor("a")], Storage::own);  // not moved into cat
  EXPECT_EQ(lt.storage[*g.find_tensor("b")], Storage::concat_slice);
  EXPECT_EQ(lt.problem.buffers[*g.find_tensor("b")].alias->byte_offset, 16 * 16 * 4);
  PlanAndCheck(lt);
}

TEST(Lifetime, ConcatNotElidedForAnInputAlsoUsedElsewhere) {
  Graph g = TestGraph({{"x", {1, 16, 4, 4}}},
                      {{"a", OpKind::conv2d, {"x"}, conv1x1(16)},      // 0
                       {"b", OpKind::conv2d, {"x"}, conv1x1(32)},      // 1
                       {"cat", OpKind::concat, {"a", "b"}},            // 2: copies a, elides b
                       {"d", OpKind::conv2d, {"cat"}, conv1x1(16)},    // 3
                       {"e", OpKind::add, {"d", "a"}}},                // 4: a read again
                      {"e"});
  // +x +a | +cat(b into [1024,3072)) -x | copy a | +d -cat | e over d -a
  Lifetimes lt = analyze_lifetimes(g);
  ExpectBuffers(g, lt,
                {{"x", 0, 2, 1024, Storage::own},
                 {"a", 0, 5, 1024, Storage::own},
                 {"b", 1, 3, 2048, Storage::concat_slice, "cat", 1024},
                 {"cat", 1, 4, 3072, Storage::own},
                 {"d", 3, 5, 1024, Storage::own},
                 {"e", 4, 5, 1024, Storage::in_place, "d", 0}});
  PlanAndCheck(lt);
}

TEST(Lifetime, ConcatOfGraphInputOrViewOrTwiceUsedTensorCopies) {
  Graph g = TestGraph({{"x", {1, 16, 4, 4}}},
                      {{"f", OpKind::reshape, {"x"}, ReshapeAttrs{{1, 16, 4, 4}}},  // 0: view of x
                       {"a", OpKind::conv2d, {"x"}, conv1x1(16)},                    // 1
                       {"cat", OpKind::concat, {"x", "f", "a", "a"}}},               // 2
                      {"cat"});
  Lifetimes lt = analyze_lifetimes(g);
  ExpectBuffers(g, lt,
                {{"x", 0, 3, 1024, Storage::own},
                 {"f", 0, 3, 1024, Storage::view, "x", 0},
                 {"a", 1, 3, 1024, Storage::own},
                 {"cat", 2, 3, 4096, Storage::own}});
  PlanAndCheck(lt);
}

TEST(Lifetime, InPlaceChainWrittenStraightIntoAConcatSlice) {
  Graph g = TestGraph({{"x", {1, 16, 4, 4}}},
                      {{"a", OpKind::conv2d, {"x"}, conv1x1(16)},   // 0: writes cat[0,1024)
                       {"r", OpKind::activation, {"a"}},            // 1: in place, in the slice
                       {"b", OpKind::conv2d, {"x"}, conv1x1(16)},   // 2: writes cat[1024,2048)
                       {"cat", OpKind::concat, {"r", "b"}}},        // 3
                      {"cat"});
  Lifetimes lt = analyze_lifetimes(g);
  ExpectBuffers(g, lt,
                {{"x", 0, 3, 1024, Storage::own},
                 {"a", 0, 2, 1024, Storage::concat_slice, "cat", 0},
                 {"r", 1, 4, 1024, Storage::in_place, "cat", 0},
                 {"b", 2, 4, 1024, Storage::concat_slice, "cat", 1024},
                 {"cat", 0, 4, 2048, Storage::own}});
  PlanAndCheck(lt);
}

TEST(Lifetime, NestedConcatsShareOneBuffer) {
  Graph g = TestGraph({{"x", {1, 16, 4, 4}}},
                      {{"a", OpKind::conv2d, {"x"}, conv1x1(16)},   // 0
                       {"b", OpKind::conv2d, {"x"}, conv1x1(16)},   // 1
                       {"ab", OpKind::concat, {"a", "b"}},          // 2
                       {"c", OpKind::conv2d, {"x"}, conv1x1(16)},   // 3
                       {"abc", OpKind::concat, {"c", "ab"}}},       // 4
                      {"abc"});
  Lifetimes lt = analyze_lifetimes(g);
  ExpectBuffers(g, lt,
                {{"x", 0, 4, 1024, Storage::own},
                 {"a", 0, 3, 1024, Storage::concat_slice, "abc", 1024},
                 {"b", 1, 3, 1024, Storage::concat_slice, "abc", 2048},
                 {"ab", 2, 5, 2048, Storage::concat_slice, "abc", 1024},
                 {"c", 3, 5, 1024, Storage::concat_slice, "abc", 0},
                 {"abc", 0, 5, 3072, Storage::own}});
  PlanAndCheck(lt);
}

TEST(Lifetime, WorkspacesLiveForTheirOpOnly) {
  Graph g = TestGraph({{"x", k64}},
                      {{"conv", OpKind::conv2d, {"x"}, conv1x1(64)},  // 0: 1000 bytes of scratch
                       {"relu", OpKind::activation, {"conv"}},        // 1: none
                       {"head", OpKind::conv2d, {"relu"}, conv1x1(64)}},  // 2: 5000 bytes
                      {"head"});
  Lifetimes lt = analyze_lifetimes(g, {Mode::aliasing, {1000, 0, 5000}});
  ASSERT_EQ(lt.problem.buffers.size(), 6u);
  EXPECT_EQ(lt.op_workspace, (std::vector<std::int32_t>{4, -1, 5}));
  const Buffer& w0 = lt.problem.buffers[4];
  EXPECT_EQ(w0.name, "conv/workspace");
  EXPECT_EQ(w0.size, 1024);
  EXPECT_EQ(w0.first, 0);
  EXPECT_EQ(w0.last, 1);
  EXPECT_FALSE(w0.alias.has_value());
  const Buffer& w2 = lt.problem.buffers[5];
  EXPECT_EQ(w2.name, "head/workspace");
  EXPECT_EQ(w2.size, 5120);
  EXPECT_EQ(w2.first, 2);
  EXPECT_EQ(w2.last, 3);
  EXPECT_EQ(lt.naive_bytes, 4 * 4096 + 1024 + 5120);
  // Step 2: conv(relu) + head + 5120 bytes of workspace.
  EXPECT_EQ(lower_bound(lt.problem), 2 * 4096 + 5120);
  PlanAndCheck(lt);

  EXPECT_THROW(analyze_lifetimes(g, {Mode::aliasing, {1, 2}}), Error);
  try {
    analyze_lifetimes(g, {Mode::aliasing, {0, -5, 0}});
    FAIL() << "a negative workspace was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("'relu'"), std::string::npos) << e.what();
  }
}

TEST(Lifetime, GraphOutputsLiveToTheEndAndAreNotOverwritten) {
  Graph g = TestGraph({{"x", k64}},
                      {{"a", OpKind::conv2d, {"x"}, conv1x1(64)},  // 0: a graph output
                       {"r", OpKind::activation, {"a"}},           // 1: a dies here but is kept
                       {"b", OpKind::conv2d, {"r"}, conv1x1(64)},  // 2
                       {"r2", OpKind::activation, {"b"}}},         // 3: in place; r2 an output
                      {"a", "r2"});
  Lifetimes lt = analyze_lifetimes(g);
  ExpectBuffers(g, lt,
                {{"x", 0, 1, 4096, Storage::own},
                 {"a", 0, 4, 4096, Storage::own},
                 {"r", 1, 3, 4096, Storage::own},
                 {"b", 2, 4, 4096, Storage::own},
                 {"r2", 3, 4, 4096, Storage::in_place, "b", 0}});
  PlanAndCheck(lt);
}

TEST(Lifetime, UnreadTensorLivesAtItsOwnStepAndInputOutputSpansAll) {
  Graph g = TestGraph({{"x", k64}},
                      {{"dead", OpKind::conv2d, {"x"}, conv1x1(64)},   // 0: nobody reads it
                       {"y", OpKind::conv2d, {"x"}, conv1x1(64)}},     // 1
                      {"x", "y"});
  Lifetimes lt = analyze_lifetimes(g);
  ExpectBuffers(g, lt,
                {{"x", 0, 2, 4096, Storage::own},
                 {"dead", 0, 1, 4096, Storage::own},
                 {"y", 1, 2, 4096, Storage::own}});
  PlanAndCheck(lt);
}

TEST(Lifetime, MemoryBoundsComparePlainAndAliasing) {
  Graph g = TestGraph({{"x", k64}},
                      {{"conv", OpKind::conv2d, {"x"}, conv1x1(64)},
                       {"bn", OpKind::batch_norm, {"conv"}},
                       {"relu", OpKind::activation, {"bn"}}},
                      {"relu"});
  MemoryBounds m = memory_bounds(g);
  EXPECT_EQ(m.naive_bytes, 4 * 4096);
  EXPECT_EQ(m.plain_lower_bound, 2 * 4096);  // conv + bn at step 1
  EXPECT_EQ(m.aliasing_lower_bound, 2 * 4096);  // x + conv at step 0
  MemoryBounds w = memory_bounds(g, {Mode::plain, {0, 8192, 0}});  // mode is ignored
  EXPECT_EQ(w.naive_bytes, 4 * 4096 + 8192);
  EXPECT_EQ(w.plain_lower_bound, 2 * 4096 + 8192);
  EXPECT_EQ(w.aliasing_lower_bound, 4096 + 8192);
}

TEST(Lifetime, NamesOfModesAndStorage) {
  EXPECT_EQ(to_string(Mode::plain), "plain");
  EXPECT_EQ(to_string(Mode::aliasing), "aliasing");
  EXPECT_EQ(to_string(Storage::own), "own");
  EXPECT_EQ(to_string(Storage::view), "view");
  EXPECT_EQ(to_string(Storage::in_place), "in_place");
  EXPECT_EQ(to_string(Storage::concat_slice), "concat_slice");
}

}  // namespace
}  // namespace plantune::planner
