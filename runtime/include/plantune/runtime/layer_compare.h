#pragma once
// Layer-by-layer precision comparison (what `plantune compare` prints): every convolution of a
// network run through cuDNN in each asked precision, against the same layer computed in FP32.
//
// The network runs once in fp32 on the ReferenceExecutor (its own direct kernels, no cuDNN) with
// the given weights and an evaluation input. Each conv2d layer is then taken on its own: its
// fp32 input from that run is converted to the precision under test (rounded to fp16/bf16, or
// quantized to int8 with a calibrated scale), the convolution runs in that precision through a
// cuDNN legacy tactic (the legacy heuristic's pick, else the first legacy algorithm that runs),
// the output is brought back to fp32 NCHW, the layer's own bias and activation are applied in
// fp32 on the host, and the result is compared with the reference's output of that layer
// (precision::compare). Layers are isolated: the error of one layer does not feed the next, so
// each row is what that precision costs that layer alone (Note [layer isolation]).
//
// INT8 (Note [int8 calibration]) quantizes activations per tensor and weights per output
// channel, symmetric, int32 accumulation; the activation range comes from a separate
// calibration pass of the network on calibration inputs (never the evaluation input).
//
// Note [layer isolation]
// ~~~~~~~~~~~~~~~~~~~~~~
// Polygraphy's per-layer mode and TensorRT's layer-precision debugging both compare layers fed
// with the reference's activations, because whole-network differences mix every layer's error
// with how the network amplifies or damps it. A layer far over budget here is a layer to keep in
// higher precision; a network-level number answers a different question (see `plantune run`,
// which compares a whole schedule's output with the reference).
//
// Note [int8 calibration]
// ~~~~~~~~~~~~~~~~~~~~~~~
// The calibration pass runs the fp32 reference on `calibration` inputs and records each conv
// input's amax with CompareOptions::calibration (entropy by default, TensorRT's method, over a
// histogram of every calibration input's values). Weights use per-output-channel min-max
// (TensorRT's default for weights). cuDNN's int8 convolution wants NHWC with C and K multiples
// of 4: layers whose C or K is not get them zero-padded to a multiple of 8, which changes no
// output value. The int32 sums come back as fp32 and are dequantized with x_scale x w_scale[k].
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "plantune/core/graph.h"
#include "plantune/precision/calibration.h"
#include "plantune/precision/error_metrics.h"
#include "plantune/runtime/weights.h"
#include "plantune/tuner/conv_tactic.h"
#include "plantune/tuner/tactic.h"

namespace plantune::runtime {

struct CompareOptions {
  std::vector<tuner::Precision> precisions = {tuner::Precision::fp32, tuner::Precision::tf32,
                                              tuner::Precision::fp16, tuner::Precision::bf16,
                                              tuner::Precision::int8};
  // Memory order each precision runs in: nhwc for fp16, bf16 and int8 (Tensor Core order;
  // int8 needs it), nchw for fp32 and tf32 unless `nhwc_everywhere`.
  bool nhwc_everywhere = false;
  precision::CalibrationOptions calibration;  // activations (int8)
  precision::MetricOptions metrics;
  std::int64_t workspace_limit = tuner::kDefaultWorkspaceLimit;
};

// One layer in one precision.
struct LayerComparison {
  std::size_t op_index = 0;
  std::string layer;        // the op's name
  std::string key;          // the convolution's problem key (fp32 dtypes, as the network states it)
  tuner::Precision precision = tuner::Precision::fp32;
  std::string variant;      // "nhwc/int8/pad_c8_k0"
  bool ran = false;
  std::string why_not;      // when !ran: why no tactic ran (cuDNN's reason)
  std::string tactic;       // tactic_id of what ran
  precision::ErrorMetrics metrics;  // vs the fp32 reference of the layer
  // int8 only: the calibrated activation amax and the scale it gives (amax / 127).
  std::optional<float> input_amax;
};

struct CompareProgress {
  int layer = 0;  // 1-based, of `layers`
  int layers = 0;
  std::string name;
};

// Compares every conv2d op of `graph` (conv_transpose2d ops are skipped) in every precision of
// `options`. `input` and each `calibration` entry are the graph's inputs (graph order, NCHW fp32,
// as ReferenceExecutor::run takes them); `calibration` may be empty only when int8 is not asked.
// Results are in op order, then precision order. Needs a GPU. Throws invalid_argument on bad
// inputs (named), cuda_error / cudnn_error when the device fails; a precision cuDNN cannot run
// for a layer is a row with ran = false, not an error.
std::vector<LayerComparison> compare_conv_layers(
    const Graph& graph, const WeightStore& weights,
    std::span<const std::vector<float>> input,
    std::span<const std::vector<std::vector<float>>> calibration, const CompareOptions& options,
    const std::function<void(const CompareProgress&)>& progress = {});

}  // namespace plantune::runtime
