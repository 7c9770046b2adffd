// Achieved bandwidth of plantune's layout transforms and precision casts on tensors of 64 MB
// and more, beside cudnnTransformTensor doing the same job and a device-to-device cudaMemcpy
// (the ceiling). Every row times one call per iteration with CUDA events (UseManualTime);
// SetBytesProcessed counts the bytes read plus the bytes written, so bytes_per_second is the
// achieved bandwidth, and the counter fraction_of_copy divides it by the cudaMemcpy bandwidth
// measured at start-up (the target: >= 0.8). The tensors exceed the L2 (50/60 MB on
// H100/H200) on the source side alone, so each call starts from DRAM.
//   layouts_bench --benchmark_out=results/layouts/bench.json   (scripts/bench-layouts.sh)
#include <benchmark/benchmark.h>
#include <cudnn.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "plantune/core/cuda_check.h"
#include "plantune/core/cudnn_handle.h"
#include "plantune/core/device_buffer.h"
#include "plantune/core/device_info.h"
#include "plantune/core/event.h"
#include "plantune/layouts/transform.h"
#include "plantune/precision/cast.h"

namespace {

using namespace plantune;
using layouts::Dims4;
using layouts::TensorLayout;
using layouts::TransformDesc;

constexpr std::int64_t kCopyBytes = 256LL << 20;
double g_copy_bytes_per_second = 0.0;  // measured in main()

// Times op() once per iteration between two events on the default stream.
template <typename Op>
void run_timed(benchmark::State& state, std::int64_t bytes, Op&& op) {
  Event start, stop;
  op();  // warm-up; launch errors surface here
  PT_CUDA_CHECK(cudaDeviceSynchronize());
  for (auto _ : state) {
    start.record(nullptr);
    op();
    stop.record(nullptr);
    state.SetIterationTime(static_cast<double>(stop - start) * 1e-3);
  }
  state.SetBytesProcessed(state.iterations() * bytes);
  if (g_copy_bytes_per_second > 0.0) {
    state.counters["fraction_of_copy"] =
        benchmark::Counter(static_cast<double>(bytes) / g_copy_bytes_per_second,
                           benchmark::Counter::kIsIterationInvariantRate);
  }
}

// Runs `body`, turning a plantune::Error into a skipped row with its message.
template <typename Body>
void guarded(benchmark::State& state, Body&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

double measure_copy_bandwidth() {
  DeviceBytes a(kCopyBytes), b(kCopyBytes);
  a.fill_bytes(1);
  Event start, stop;
  std::vector<float> ms;
  for (int i = 0; i < 21; ++i) {
    start.record(nullptr);
    PT_CUDA_CHECK(cudaMemcpyAsync(b.data(), a.data(), kCopyBytes, cudaMemcpyDeviceToDevice));
    stop.record(nullptr);
    ms.push_back(stop - start);
  }
  std::sort(ms.begin(), ms.end());
  return 2.0 * static_cast<double>(kCopyBytes) / (ms[ms.size() / 2] * 1e-3);
}

void bm_copy(benchmark::State& state) {
  guarded(state, [&] {
    DeviceBytes a(kCopyBytes), b(kCopyBytes);
    a.fill_bytes(1);
    run_timed(state, 2 * kCopyBytes, [&] {
      PT_CUDA_CHECK(cudaMemcpyAsync(b.data(), a.data(), kCopyBytes, cudaMemcpyDeviceToDevice));
    });
  });
}

// Source bytes are 0x3c: finite, ordinary values in every type (fp16 1.06, int8 60, ...).
void bm_transform(benchmark::State& state, TransformDesc d) {
  guarded(state, [&] {
    DeviceBytes src(static_cast<std::size_t>(stored_bytes(d.dims, d.src_layout, d.src_dtype)));
    DeviceBytes dst(static_cast<std::size_t>(stored_bytes(d.dims, d.dst_layout, d.dst_dtype)));
    src.fill_bytes(0x3c);
    const layouts::TransformOptions opt{0.05f, 0.05f};
    run_timed(state, bytes_moved(d), [&] { layouts::transform(d, src.data(), dst.data(), nullptr, opt); });
  });
}

void bm_cast(benchmark::State& state, std::int64_t n, DType st, DType dt) {
  guarded(state, [&] {
    DeviceBytes src(static_cast<std::size_t>(n * dtype_size(st)));
    DeviceBytes dst(static_cast<std::size_t>(n * dtype_size(dt)));
    src.fill_bytes(0x3c);
    run_timed(state, n * (dtype_size(st) + dtype_size(dt)), [&] {
      precision::cast(src.data(), st, dst.data(), dt, n, nullptr, 0.05f, 0.05f);
    });
  });
}

// fp32 -> int8 with one scale per channel; inner = elements per channel step (NCHW: H*W, NHWC: 1)
void bm_quantize_per_channel(benchmark::State& state, std::int64_t n, std::int64_t channels,
                             std::int64_t inner) {
  guarded(state, [&] {
    DeviceBuffer<float> src(static_cast<std::size_t>(n)), scales(static_cast<std::size_t>(channels));
    DeviceBuffer<std::int8_t> dst(static_cast<std::size_t>(n));
    src.fill_bytes(0x3c);
    scales.upload(std::vector<float>(static_cast<std::size_t>(channels), 0.01f));
    const precision::DeviceScales s{1.0f, scales.data(), {channels, inner}};
    run_timed(state, n * 5, [&] { precision::quantize_int8(src.data(), dst.data(), n, s, nullptr); });
  });
}

cudnnDataType_t cudnn_type(DType t) {
  switch (t) {
    case DType::fp32: return CUDNN_DATA_FLOAT;
    case DType::fp16: return CUDNN_DATA_HALF;
    case DType::bf16: return CUDNN_DATA_BFLOAT16;
    case DType::int8: return CUDNN_DATA_INT8;
    default: break;
  }
  PT_FAIL(invalid_argument, "no cuDNN type for " << to_string(t));
}

// A 4-D descriptor of the logical dims with the strides of `l` (unfolded layouts only; for
// padded NHWC the channel padding is skipped over, not written).
struct TensorDesc {
  cudnnTensorDescriptor_t desc = nullptr;
  TensorDesc(const Dims4& d, TensorLayout l, DType t) {
    PT_CUDNN_CHECK(cudnnCreateTensorDescriptor(&desc));
    PT_REQUIRE(l.fold == 1, not_supported, "cudnnTransformTensor row for a folded layout");
    const auto s = layouts::stored_dims(d, l);
    std::int64_t ns, cs, hs, ws;
    if (l.order == Layout::nchw) {
      ws = 1, hs = d.w, cs = d.h * d.w, ns = d.c * d.h * d.w;
    } else {
      cs = 1, ws = s[3], hs = s[2] * s[3], ns = s[1] * s[2] * s[3];
    }
    PT_CUDNN_CHECK(cudnnSetTensor4dDescriptorEx(desc, cudnn_type(t), static_cast<int>(d.n), static_cast<int>(d.c),
                                                static_cast<int>(d.h), static_cast<int>(d.w), static_cast<int>(ns),
                                                static_cast<int>(cs), static_cast<int>(hs), static_cast<int>(ws)));
  }
  ~TensorDesc() { PT_CUDNN_LOG(cudnnDestroyTensorDescriptor(desc)); }
  TensorDesc(const TensorDesc&) = delete;
  TensorDesc& operator=(const TensorDesc&) = delete;
};

void bm_cudnn_transform(benchmark::State& state, TransformDesc d) {
  guarded(state, [&] {
    CudnnHandle handle;
    TensorDesc x(d.dims, d.src_layout, d.src_dtype), y(d.dims, d.dst_layout, d.dst_dtype);
    DeviceBytes src(static_cast<std::size_t>(stored_bytes(d.dims, d.src_layout, d.src_dtype)));
    DeviceBytes dst(static_cast<std::size_t>(stored_bytes(d.dims, d.dst_layout, d.dst_dtype)));
    src.fill_bytes(0x3c);
    const float alpha = 1.0f, beta = 0.0f;
    run_timed(state, bytes_moved(d), [&] {
      PT_CUDNN_CHECK_MSG(cudnnTransformTensor(handle.get(), &alpha, x.desc, src.data(), &beta, y.desc, dst.data()),
                         "cudnnTransformTensor " << to_string(d));
    });
  });
}

std::string row_name(const char* provider, const TransformDesc& d) {
  return std::string(provider) + "/" + to_string(d.src_layout) + "_" + std::string(to_string(d.src_dtype)) +
         "->" + to_string(d.dst_layout) + "_" + std::string(to_string(d.dst_dtype)) + "/" +
         layouts::to_string(d.dims);
}

void register_rows() {
  using layouts::kNCHW, layouts::kNHWC, layouts::kNHWC_C8, layouts::kNHWC_C32, layouts::kNHWC_S2D2,
      layouts::kNHWC_S2D2_C8;
  const Dims4 act{32, 128, 128, 128};   // 67M elements: 64 MB in int8, 256 MB in fp32
  const Dims4 stem{256, 3, 224, 224};   // ResNet-50's input at batch 256: 154 MB in fp32
  const Dims4 stem32{32, 3, 224, 224};  // batch 32 (below 64 MB): the padding target
  const Dims4 pad{32, 120, 128, 128};   // 120 channels -> 128 (c32)
  const Dims4 fold{32, 64, 192, 192};   // 151 MB in fp16

  std::vector<TransformDesc> ours;
  for (DType t : {DType::fp32, DType::fp16, DType::bf16, DType::int8}) {
    ours.push_back({act, kNCHW, t, kNHWC, t});
    ours.push_back({act, kNHWC, t, kNCHW, t});
  }
  ours.push_back({act, kNCHW, DType::fp32, kNHWC, DType::fp16});
  ours.push_back({act, kNHWC, DType::fp16, kNCHW, DType::fp32});
  ours.push_back({act, kNCHW, DType::fp32, kNHWC, DType::bf16});
  ours.push_back({act, kNCHW, DType::fp32, kNHWC, DType::int8});
  ours.push_back({stem, kNCHW, DType::fp32, kNHWC_C8, DType::fp16});
  ours.push_back({stem, kNCHW, DType::fp16, kNHWC_C8, DType::fp16});
  ours.push_back({stem, kNHWC, DType::fp16, kNHWC_C8, DType::fp16});
  ours.push_back({stem32, kNHWC, DType::fp16, kNHWC_C8, DType::fp16});
  ours.push_back({stem32, kNCHW, DType::fp32, kNHWC_C8, DType::fp16});
  ours.push_back({pad, kNHWC, DType::fp16, kNHWC_C32, DType::fp16});
  ours.push_back({pad, kNHWC_C32, DType::fp16, kNHWC, DType::fp16});
  ours.push_back({pad, kNHWC_C32, DType::fp16, kNCHW, DType::fp32});
  ours.push_back({stem, kNCHW, DType::fp32, kNHWC_S2D2_C8, DType::fp16});
  ours.push_back({stem, kNHWC, DType::fp16, kNHWC_S2D2_C8, DType::fp16});
  ours.push_back({fold, kNHWC, DType::fp16, kNHWC_S2D2, DType::fp16});
  ours.push_back({fold, kNHWC_S2D2, DType::fp16, kNHWC, DType::fp16});
  ours.push_back({fold, kNCHW, DType::fp16, kNHWC_S2D2, DType::fp16});
  for (const auto& d : ours) {
    benchmark::RegisterBenchmark(row_name("plantune", d).c_str(), bm_transform, d)->UseManualTime()->Unit(benchmark::kMicrosecond);
  }

  // cudnnTransformTensor on the same jobs it can express (no fold; padding skipped, not zeroed)
  std::vector<TransformDesc> theirs;
  for (DType t : {DType::fp32, DType::fp16, DType::bf16, DType::int8}) {
    theirs.push_back({act, kNCHW, t, kNHWC, t});
    theirs.push_back({act, kNHWC, t, kNCHW, t});
  }
  theirs.push_back({act, kNCHW, DType::fp32, kNHWC, DType::fp16});
  theirs.push_back({stem, kNCHW, DType::fp32, kNHWC_C8, DType::fp16});
  theirs.push_back({stem, kNCHW, DType::fp16, kNHWC_C8, DType::fp16});
  theirs.push_back({pad, kNHWC, DType::fp16, kNHWC_C32, DType::fp16});
  for (const auto& d : theirs) {
    benchmark::RegisterBenchmark(row_name("cudnnTransformTensor", d).c_str(), bm_cudnn_transform, d)
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond);
  }

  const std::int64_t n = act.n * act.c * act.h * act.w;
  const std::pair<DType, DType> casts[] = {{DType::fp32, DType::fp16}, {DType::fp16, DType::fp32},
                                           {DType::fp32, DType::bf16}, {DType::bf16, DType::fp32},
                                           {DType::fp32, DType::int8}, {DType::int8, DType::fp32},
                                           {DType::fp16, DType::int8}};
  for (auto [st, dt] : casts) {
    const std::string name = "cast/" + std::string(to_string(st)) + "->" + std::string(to_string(dt)) + "/" +
                             std::to_string(n);
    benchmark::RegisterBenchmark(name.c_str(), bm_cast, n, st, dt)->UseManualTime()->Unit(benchmark::kMicrosecond);
  }
  benchmark::RegisterBenchmark("quantize_per_channel/nchw_fp32->int8/[32, 128, 128, 128]", bm_quantize_per_channel,
                               n, act.c, act.h * act.w)
      ->UseManualTime()
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("quantize_per_channel/nhwc_fp32->int8/[32, 128, 128, 128]", bm_quantize_per_channel,
                               n, act.c, 1)
      ->UseManualTime()
      ->Unit(benchmark::kMicrosecond);
}

void add_device_context() {
  const auto dev = query_device();
  if (!dev) {
    benchmark::AddCustomContext("gpu", "none: " + no_device_reason());
    return;
  }
  benchmark::AddCustomContext("gpu", dev->name);
  benchmark::AddCustomContext("compute_capability", dev->compute_capability());
  benchmark::AddCustomContext("sm_count", std::to_string(dev->sm_count));
  benchmark::AddCustomContext("l2_bytes", std::to_string(dev->l2_bytes));
  benchmark::AddCustomContext("cudnn_runtime", format_cudnn_version(dev->versions.cudnn_runtime));
  benchmark::AddCustomContext("cuda_runtime", format_cuda_version(dev->versions.cuda_runtime));
  benchmark::AddCustomContext("cuda_driver", format_cuda_version(dev->versions.cuda_driver));
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  add_device_context();
  if (query_device()) {
    g_copy_bytes_per_second = measure_copy_bandwidth();
    benchmark::AddCustomContext("copy_GBps", std::to_string(g_copy_bytes_per_second / 1e9));
    benchmark::RegisterBenchmark("cudaMemcpy/d2d/256MiB", bm_copy)->UseManualTime()->Unit(benchmark::kMicrosecond);
    register_rows();
  } else {
    std::fprintf(stderr, "layouts_bench: no CUDA device (%s); nothing to measure\n", no_device_reason().c_str());
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
