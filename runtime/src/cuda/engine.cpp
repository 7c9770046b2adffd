#include "plantune/runtime/engine.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "plantune/core/cublaslt_handle.h"
#include "plantune/core/cuda_check.h"
#include "plantune/core/cuda_graph.h"
#include "plantune/core/cudnn_handle.h"
#include "plantune/core/device_buffer.h"
#include "plantune/core/error.h"
#include "plantune/core/event.h"
#include "plantune/core/host_buffer.h"
#include "plantune/core/stream.h"
#include "plantune/runtime/step_weights.h"
#include "step_runner.h"

namespace plantune::runtime {

namespace {

struct Io {
  int tensor = -1;          // schedule tensor id
  std::int64_t count = 0;   // fp32 elements
};

struct Context {
  Stream stream;
  CudnnHandle cudnn;
  CublasLtHandle cublaslt;
  DeviceBuffer<std::byte> arena;
  std::vector<HostBuffer<float>> inputs, outputs;
  std::vector<detail::StepFn> steps;
  CudaGraph graph;
};

}  // namespace

struct Engine::Impl {
  Schedule schedule;
  EngineOptions options;
  std::vector<Io> inputs, outputs;
  // Shared weights: one allocation per step that has any.
  std::vector<DeviceBuffer<std::byte>> weight_bytes;
  std::vector<detail::DeviceStepWeights> step_weights;
  std::vector<std::unique_ptr<Context>> contexts;

  std::byte* at(const Context& c, int tensor) const {
    return c.arena.data() + schedule.tensors.at(static_cast<std::size_t>(tensor)).offset;
  }
  void enqueue_steps(Context& c) {
    for (auto& f : c.steps) f(c.stream.get());
  }
  void enqueue_h2d(Context& c) {
    for (std::size_t i = 0; i < inputs.size(); ++i)
      PT_CUDA_CHECK(cudaMemcpyAsync(at(c, inputs[i].tensor), c.inputs[i].data(),
                                    c.inputs[i].bytes(), cudaMemcpyHostToDevice, c.stream.get()));
  }
  void enqueue_d2h(Context& c) {
    for (std::size_t i = 0; i < outputs.size(); ++i)
      PT_CUDA_CHECK(cudaMemcpyAsync(c.outputs[i].data(), at(c, outputs[i].tensor),
                                    c.outputs[i].bytes(), cudaMemcpyDeviceToHost, c.stream.get()));
  }
  void enqueue_compute(Context& c) {
    if (options.cuda_graph) c.graph.launch(c.stream.get());
    else enqueue_steps(c);
  }
};

Engine::Engine(const Schedule& schedule, const WeightStore& weights, const EngineOptions& options)
    : impl_(std::make_unique<Impl>()) {
  PT_REQUIRE(options.contexts >= 1, invalid_argument,
             "engine: contexts must be >= 1, got " << options.contexts);
  schedule.validate();
  Impl& m = *impl_;
  m.schedule = schedule;
  m.options = options;
  for (std::size_t t = 0; t < schedule.tensors.size(); ++t) {
    const auto& st = schedule.tensors[t];
    const std::int64_t count = st.bytes / 4;
    if (st.graph_input || st.graph_output)
      PT_REQUIRE(st.dtype == DType::fp32 && st.layout == Layout::nchw, invalid_argument,
                 "engine: graph input/output '" << st.name << "' must be fp32 NCHW");
    if (st.graph_input) m.inputs.push_back({static_cast<int>(t), count});
    if (st.graph_output) m.outputs.push_back({static_cast<int>(t), count});
  }

  // Weights, once, shared by every context.
  m.weight_bytes.resize(schedule.steps.size());
  m.step_weights.resize(schedule.steps.size());
  for (std::size_t i = 0; i < schedule.steps.size(); ++i) {
    const StepWeights w = prepare_step_weights(schedule, schedule.steps[i], weights);
    if (w.empty()) continue;
    auto align = [](std::size_t n) { return (n + 255) / 256 * 256; };
    const std::size_t scale_bytes = w.scale.size() * sizeof(float);
    const std::size_t total =
        align(w.weight.size()) + align(w.bias.size()) + 2 * align(scale_bytes);
    auto& buf = m.weight_bytes[i];
    buf = DeviceBuffer<std::byte>(total);
    std::byte* p = buf.data();
    auto put = [&](const void* src, std::size_t n) -> const void* {
      if (n == 0) return nullptr;
      PT_CUDA_CHECK(cudaMemcpy(p, src, n, cudaMemcpyHostToDevice));
      const void* at = p;
      p += align(n);
      return at;
    };
    auto& d = m.step_weights[i];
    d.weight = put(w.weight.data(), w.weight.size());
    d.bias = put(w.bias.data(), w.bias.size());
    d.scale = static_cast<const float*>(put(w.scale.data(), scale_bytes));
    d.shift = static_cast<const float*>(put(w.shift.data(), scale_bytes));
  }

  for (int c = 0; c < options.contexts; ++c) {
    auto ctx = std::make_unique<Context>();
    PT_CUDNN_CHECK(cudnnSetStream(ctx->cudnn.get(), ctx->stream.get()));
    ctx->arena = DeviceBuffer<std::byte>(
        static_cast<std::size_t>(std::max<std::int64_t>(schedule.memory.arena_bytes, 256)));
    for (const Io& io : m.inputs) ctx->inputs.emplace_back(static_cast<std::size_t>(io.count));
    for (const Io& io : m.outputs) ctx->outputs.emplace_back(static_cast<std::size_t>(io.count));
    for (auto& h : ctx->inputs) std::memset(h.data(), 0, h.bytes());
    detail::StepContext sc{ctx->cudnn.get(), ctx->cublaslt.get(), ctx->arena.data(),
                           schedule.memory.arena_bytes};
    for (std::size_t i = 0; i < schedule.steps.size(); ++i)
      ctx->steps.push_back(detail::make_step(schedule, i, m.step_weights[i], sc));
    if (options.cuda_graph) {
      // One eager run first: lazy initialisation inside the libraries (module loading,
      // workspace queries) must not happen during capture.
      m.enqueue_steps(*ctx);
      ctx->stream.synchronize();
      ctx->graph.begin_capture(ctx->stream.get());
      try {
        m.enqueue_steps(*ctx);
      } catch (...) {
        cudaGraph_t discard = nullptr;
        (void)cudaStreamEndCapture(ctx->stream.get(), &discard);
        if (discard) (void)cudaGraphDestroy(discard);
        throw;
      }
      ctx->graph.end_capture();
    }
    m.contexts.push_back(std::move(ctx));
  }
}

Engine::~Engine() = default;

const Schedule& Engine::schedule() const { return impl_->schedule; }
int Engine::contexts() const { return static_cast<int>(impl_->contexts.size()); }

std::vector<std::int64_t> Engine::input_sizes() const {
  std::vector<std::int64_t> v;
  for (const Io& io : impl_->inputs) v.push_back(io.count);
  return v;
}
std::vector<std::int64_t> Engine::output_sizes() const {
  std::vector<std::int64_t> v;
  for (const Io& io : impl_->outputs) v.push_back(io.count);
  return v;
}

namespace {
void check_index(int i, std::size_t n, const char* what) {
  PT_REQUIRE(i >= 0 && static_cast<std::size_t>(i) < n, invalid_argument,
             "engine: " << what << " " << i << " out of range (" << n << ")");
}
}  // namespace

void Engine::set_input(int ctx, int index, std::span<const float> values) {
  check_index(ctx, impl_->contexts.size(), "context");
  auto& c = *impl_->contexts[static_cast<std::size_t>(ctx)];
  check_index(index, c.inputs.size(), "input");
  auto& h = c.inputs[static_cast<std::size_t>(index)];
  PT_REQUIRE(values.size() == h.size(), invalid_argument,
             "engine: input " << index << " takes " << h.size() << " values, got "
                              << values.size());
  std::memcpy(h.data(), values.data(), h.bytes());
}

std::vector<float> Engine::output(int ctx, int index) const {
  check_index(ctx, impl_->contexts.size(), "context");
  const auto& c = *impl_->contexts[static_cast<std::size_t>(ctx)];
  check_index(index, c.outputs.size(), "output");
  const auto& h = c.outputs[static_cast<std::size_t>(index)];
  return {h.data(), h.data() + h.size()};
}

void Engine::poison_arena(int ctx) {
  check_index(ctx, impl_->contexts.size(), "context");
  auto& c = *impl_->contexts[static_cast<std::size_t>(ctx)];
  c.arena.fill_bytes_async(c.stream.get(), 0xFF);
  c.stream.synchronize();
}

void Engine::run(int ctx) {
  check_index(ctx, impl_->contexts.size(), "context");
  auto& c = *impl_->contexts[static_cast<std::size_t>(ctx)];
  impl_->enqueue_h2d(c);
  impl_->enqueue_compute(c);
  impl_->enqueue_d2h(c);
  c.stream.synchronize();
}

RunStats Engine::benchmark(const BenchmarkOptions& o) {
  PT_REQUIRE(o.iterations >= 1, invalid_argument, "engine: iterations must be >= 1");
  Impl& m = *impl_;
  const std::size_t nc = m.contexts.size();
  // Warm-up by time, all contexts.
  const auto w0 = std::chrono::steady_clock::now();
  do {
    for (auto& c : m.contexts) {
      m.enqueue_h2d(*c);
      m.enqueue_compute(*c);
      m.enqueue_d2h(*c);
    }
    for (auto& c : m.contexts) c->stream.synchronize();
  } while (std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count() <
           o.warmup_seconds);

  // Four events per run: start, after H2D, after compute, after D2H.
  const std::size_t runs = nc * static_cast<std::size_t>(o.iterations);
  std::vector<Event> ev;
  ev.reserve(4 * runs);
  for (std::size_t i = 0; i < 4 * runs; ++i) ev.emplace_back(cudaEventDefault);
  std::vector<double> enqueue;
  enqueue.reserve(runs);
  const auto t0 = std::chrono::steady_clock::now();
  std::size_t r = 0;
  for (int it = 0; it < o.iterations; ++it) {
    for (std::size_t ci = 0; ci < nc; ++ci, ++r) {
      Context& c = *m.contexts[ci];
      const auto e0 = std::chrono::steady_clock::now();
      ev[4 * r].record(c.stream.get());
      m.enqueue_h2d(c);
      ev[4 * r + 1].record(c.stream.get());
      m.enqueue_compute(c);
      ev[4 * r + 2].record(c.stream.get());
      m.enqueue_d2h(c);
      ev[4 * r + 3].record(c.stream.get());
      enqueue.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - e0).count());
    }
  }
  for (auto& c : m.contexts) c->stream.synchronize();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<double> lat, comp, h2d, d2h;
  for (std::size_t i = 0; i < runs; ++i) {
    lat.push_back(static_cast<double>(ev[4 * i + 3] - ev[4 * i]));
    h2d.push_back(static_cast<double>(ev[4 * i + 1] - ev[4 * i]));
    comp.push_back(static_cast<double>(ev[4 * i + 2] - ev[4 * i + 1]));
    d2h.push_back(static_cast<double>(ev[4 * i + 3] - ev[4 * i + 2]));
  }
  RunStats s;
  s.contexts = static_cast<int>(nc);
  s.batch = m.schedule.batch();
  s.inferences = static_cast<std::int64_t>(runs);
  s.wall_seconds = wall;
  s.latency_ms = Summary::of(lat);
  s.compute_ms = Summary::of(comp);
  s.h2d_ms = Summary::of(h2d);
  s.d2h_ms = Summary::of(d2h);
  s.enqueue_ms = Summary::of(enqueue);
  return s;
}

std::vector<double> Engine::profile_steps(int repetitions) {
  PT_REQUIRE(repetitions >= 1, invalid_argument, "engine: repetitions must be >= 1");
  Impl& m = *impl_;
  Context& c = *m.contexts.front();
  const std::size_t n = c.steps.size();
  std::vector<Event> ev;
  for (std::size_t i = 0; i <= n; ++i) ev.emplace_back(cudaEventDefault);
  // The steps with an event after each, captured as one CUDA graph: each step is timed as it
  // runs inside the engine's graph, without the host time some library calls spend per launch.
  // Inside a capture a plain cudaEventRecord only orders streams; cudaEventRecordExternal makes
  // it an event record node that the host can time.
  auto record = [&](Event& e) {
    PT_CUDA_CHECK(cudaEventRecordWithFlags(e.get(), c.stream.get(), cudaEventRecordExternal));
  };
  CudaGraph g;
  g.begin_capture(c.stream.get());
  try {
    record(ev[0]);
    for (std::size_t i = 0; i < n; ++i) {
      c.steps[i](c.stream.get());
      record(ev[i + 1]);
    }
  } catch (...) {
    cudaGraph_t discard = nullptr;
    (void)cudaStreamEndCapture(c.stream.get(), &discard);
    if (discard) (void)cudaGraphDestroy(discard);
    throw;
  }
  g.end_capture();
  std::vector<std::vector<double>> samples(n);
  m.enqueue_h2d(c);
  for (int r = 0; r < repetitions + 1; ++r) {
    g.launch(c.stream.get());
    c.stream.synchronize();
    if (r == 0) continue;  // warm-up
    for (std::size_t i = 0; i < n; ++i) samples[i].push_back(static_cast<double>(ev[i + 1] - ev[i]));
  }
  std::vector<double> med;
  for (auto& v : samples) med.push_back(Summary::of(v).median);
  return med;
}

}  // namespace plantune::runtime
