#include "plantune/core/cuda_graph.h"

#include <utility>

#include "plantune/core/cuda_check.h"

namespace plantune {

CudaGraph::~CudaGraph() { reset(); }

CudaGraph::CudaGraph(CudaGraph&& other) noexcept
    : graph_(std::exchange(other.graph_, nullptr)),
      exec_(std::exchange(other.exec_, nullptr)),
      capture_stream_(std::exchange(other.capture_stream_, nullptr)),
      capturing_(std::exchange(other.capturing_, false)) {}

CudaGraph& CudaGraph::operator=(CudaGraph&& other) noexcept {
  if (this != &other) {
    reset();
    graph_ = std::exchange(other.graph_, nullptr);
    exec_ = std::exchange(other.exec_, nullptr);
    capture_stream_ = std::exchange(other.capture_stream_, nullptr);
    capturing_ = std::exchange(other.capturing_, false);
  }
  return *this;
}

void CudaGraph::reset() noexcept {
  if (capturing_) {
    // Leave the stream usable: end the capture and drop what it recorded.
    cudaGraph_t partial = nullptr;
    const cudaError_t s = cudaStreamEndCapture(capture_stream_, &partial);
    if (s != cudaSuccess && s != cudaErrorStreamCaptureInvalidated) {
      detail::log_cuda_error(s, "cudaStreamEndCapture", __FILE__, __LINE__);
    }
    if (partial != nullptr) PT_CUDA_LOG(cudaGraphDestroy(partial));
    capturing_ = false;
    capture_stream_ = nullptr;
  }
  if (exec_ != nullptr) PT_CUDA_LOG(cudaGraphExecDestroy(exec_));
  if (graph_ != nullptr) PT_CUDA_LOG(cudaGraphDestroy(graph_));
  exec_ = nullptr;
  graph_ = nullptr;
}

void CudaGraph::begin_capture(cudaStream_t stream, cudaStreamCaptureMode mode) {
  PT_REQUIRE(!capturing_, invalid_argument,
             "begin_capture called while this CudaGraph is already capturing a stream");
  PT_CUDA_CHECK_MSG(
      cudaStreamBeginCapture(stream, mode),
      "beginning a CUDA graph capture (the legacy default stream cannot be captured)");
  capture_stream_ = stream;
  capturing_ = true;
}

void CudaGraph::end_capture() {
  PT_REQUIRE(capturing_, invalid_argument, "end_capture called without begin_capture");
  cudaGraph_t captured = nullptr;
  const cudaError_t s = cudaStreamEndCapture(capture_stream_, &captured);
  capturing_ = false;
  capture_stream_ = nullptr;
  if (s != cudaSuccess) {
    if (captured != nullptr) PT_CUDA_LOG(cudaGraphDestroy(captured));
    detail::throw_cuda_error(s,
                             "ending a CUDA graph capture (was an unsupported call made while "
                             "capturing?)",
                             "cudaStreamEndCapture(stream, &graph)", __FILE__, __LINE__);
  }
  cudaGraphExec_t exec = nullptr;
  const cudaError_t si = cudaGraphInstantiate(&exec, captured, 0);
  if (si != cudaSuccess) {
    PT_CUDA_LOG(cudaGraphDestroy(captured));
    detail::throw_cuda_error(si, "instantiating a captured CUDA graph",
                             "cudaGraphInstantiate(&exec, graph, 0)", __FILE__, __LINE__);
  }
  if (exec_ != nullptr) PT_CUDA_LOG(cudaGraphExecDestroy(exec_));
  if (graph_ != nullptr) PT_CUDA_LOG(cudaGraphDestroy(graph_));
  graph_ = captured;
  exec_ = exec;
}

void CudaGraph::launch(cudaStream_t stream) const {
  PT_REQUIRE(exec_ != nullptr, invalid_argument,
             "launch called on a CudaGraph that holds no instantiated graph (call end_capture)");
  PT_CUDA_CHECK(cudaGraphLaunch(exec_, stream));
}

std::size_t CudaGraph::node_count() const {
  if (graph_ == nullptr) return 0;
  std::size_t n = 0;
  PT_CUDA_CHECK(cudaGraphGetNodes(graph_, nullptr, &n));
  return n;
}

}  // namespace plantune
