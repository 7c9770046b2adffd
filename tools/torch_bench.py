#!/usr/bin/env python3
"""PyTorch's side of plantune's end-to-end ResNet-50 comparison.

What it measures, on one CUDA GPU, for torchvision's ResNet-50 (random initialisation, eval
mode, fp16 weights and input, channels_last, torch.backends.cudnn.benchmark = True), at each
batch size of --batch:

  eager        the module called from Python, one cuDNN/cuBLAS call per layer;
  cuda-graph   the same eager forward captured once in a torch.cuda.CUDAGraph (static input,
               after warm-up on a side stream) and replayed;
  compile      torch.compile(mode="max-autotune", dynamic=False), which also replays CUDA graphs
               (cudagraph trees). Its compile time is the wall time of the calls from the first
               one until the calls are warm (three in a row within 1.5x of the fastest call), and
               the first call alone. --no-compile skips it (it takes minutes per batch size).

Protocol (the one `plantune run` uses for its compute time, runtime/src/cuda/engine.cpp): one
untimed call (cudnn.benchmark's search), warm-up of at least --warmup-seconds with a
synchronisation after each call, then --iterations calls enqueued back to back, each between two
CUDA events on the current stream; no synchronisation between them. Reported per mode and batch:
median, mean, min, p90, p99 (nearest rank) of the per-call event times in ms, and throughput in
images/s = iterations x batch / wall time of the timed loop. Input and output stay on the GPU, so
the times compare with `plantune run`'s compute time, not its latency (which adds the copies).

Memory (eager only): the steady activation peak, defined in activation_peak() below; it is the
figure plantune's arena (activations + workspace) is compared with.

--export-weights DIR writes the very model that is benchmarked, before any run, so plantune's
engine can be checked against PyTorch on the same weights:
  DIR/resnet50.weights.index + .bin   plantune's weights format (tools/export_weights.py), fp32
  DIR/input.f32.bin                   one input batch, N(0, 1), NCHW
  DIR/output_fp32.f32.bin             PyTorch's fp32 output for it (on the CPU: no TF32)
  DIR/output_fp64.f32.bin             the same in fp64 (CPU), stored as fp32
  DIR/output_fp16.f32.bin             the benchmarked fp16 channels_last GPU model's output
  DIR/reference.json                  shapes, files, how each was made, fp16-vs-fp32 errors
All raw files are little-endian fp32, row-major, no header.

Exit status: 0 done; 1 a measurement or the export failed (the rest still ran and was written);
2 bad arguments; 77 PyTorch, torchvision or a CUDA device is missing (a skip, not a failure).

    python3 tools/torch_bench.py --batch 1,32 --json out/torch_bench.json --time-limit 540
    python3 tools/torch_bench.py --no-compile --export-weights out/resnet50_ref
"""

import argparse
import copy
import datetime
import gc
import json
import math
import os
import platform
import shlex
import subprocess
import sys
import time
from array import array

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_SKIPPED = 77  # the automake/CTest convention for "could not run here"

TOOLS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(TOOLS_DIR)
MODEL = "resnet50"
CLASSES = 1000

MEMORY_DEFINITION = (
    "activation peak = torch.cuda.max_memory_allocated() during one warm eager inference "
    "(peak statistics reset just before it, after warm-up) minus the bytes of the parameters "
    "and buffers, the input and the output. It holds every intermediate tensor and the cuDNN "
    "workspaces (allocated through PyTorch's caching allocator), and also whatever else stays "
    "allocated (the cuBLAS workspace): 'resident other' (allocated before the call - parameters "
    "and buffers - input) shows that part, and 'peak>resident' (peak - allocated before the "
    "call - output) leaves it out.")


# ---------------------------------------------------------------------------------------------
# Arguments and statistics (no torch needed)
# ---------------------------------------------------------------------------------------------

def parse_batches(text):
    """'1,32' -> [1, 32]; argparse.ArgumentTypeError on anything else."""
    batches = []
    for part in text.split(","):
        part = part.strip()
        try:
            b = int(part)
        except ValueError:
            raise argparse.ArgumentTypeError("batch size %r is not an integer" % part)
        if b < 1:
            raise argparse.ArgumentTypeError("batch size %d must be >= 1" % b)
        if b in batches:
            raise argparse.ArgumentTypeError("batch size %d is listed twice" % b)
        batches.append(b)
    return batches


def positive_int(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not an integer" % text)
    if v < 1:
        raise argparse.ArgumentTypeError("%d must be >= 1" % v)
    return v


def non_negative_float(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % text)
    if not math.isfinite(v) or v < 0:
        raise argparse.ArgumentTypeError("%r must be a finite number >= 0" % text)
    return v


def build_parser():
    p = argparse.ArgumentParser(
        prog="torch_bench.py",
        description=__doc__.split("\n\n")[0] + " Eager, CUDA graph and torch.compile latency "
                    "and throughput of torchvision's ResNet-50 in fp16/channels_last, eager "
                    "activation memory, and an export of the same weights for plantune.",
        epilog="Exit status: 0 done, 1 a measurement or the export failed, 2 bad arguments, "
               "77 PyTorch/torchvision/CUDA device missing. See the docstring at the top of "
               "the file for the protocol.")
    p.add_argument("--batch", type=parse_batches, default=[1, 32], metavar="LIST",
                   help="batch sizes, comma separated (default 1,32)")
    p.add_argument("--iterations", type=positive_int, default=200, metavar="N",
                   help="timed calls per mode and batch (default 200)")
    p.add_argument("--warmup-seconds", type=non_negative_float, default=0.5, metavar="S",
                   help="warm-up before timing, after the first call (default 0.5)")
    p.add_argument("--image-size", type=positive_int, default=224, metavar="PX",
                   help="input height and width (default 224; at least 32)")
    p.add_argument("--compile", action=argparse.BooleanOptionalAction, default=True,
                   help="also measure torch.compile(mode='max-autotune'), about 200+ s of "
                        "compilation per batch size (default on; --no-compile skips it)")
    p.add_argument("--cold-compile", action="store_true",
                   help="disable Inductor's on-disk caches (TORCHINDUCTOR_FORCE_DISABLE_CACHES=1) "
                        "so the compile time is a cold one even on a machine that compiled before")
    p.add_argument("--no-graph", action="store_true", help="skip the CUDA graph replay")
    p.add_argument("--time-limit", type=non_negative_float, default=None, metavar="SECONDS",
                   help="skip the compile runs not yet started, with a note, once this much time "
                        "has passed since the start (or would pass, judging by the previous "
                        "compile run)")
    p.add_argument("--init", choices=("torchvision", "plantune"), default="torchvision",
                   help="weights: torchvision's own random initialisation (default), or the "
                        "ranges of plantune's random_weights() (runtime/weights.h, "
                        "Note [random weight ranges]); the architecture is torchvision's "
                        "either way")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the weights (torch.manual_seed) and of every input (default 0)")
    p.add_argument("--json", metavar="FILE", help="write all results with provenance as JSON")
    p.add_argument("--export-weights", metavar="DIR",
                   help="write the benchmarked model's weights in plantune's format, one input "
                        "batch and PyTorch's fp32/fp64/fp16 outputs for it into DIR")
    p.add_argument("--export-batch", type=positive_int, default=1, metavar="N",
                   help="batch size of the exported input (default 1)")
    return p


def summarize(samples):
    """min, mean, median, p90, p99, max of `samples` (nearest-rank percentiles, as plantune's
    runtime::Summary::of), and n."""
    v = sorted(samples)
    n = len(v)
    if n == 0:
        return {"n": 0}

    def rank(q):
        r = int(math.ceil(q * n))
        return v[min(n - 1, max(r, 1) - 1)]

    median = v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])
    return {"n": n, "min": v[0], "mean": sum(v) / n, "median": median,
            "p90": rank(0.90), "p99": rank(0.99), "max": v[-1]}


class Clock:
    """Seconds since the script started, for progress lines and --time-limit."""

    def __init__(self):
        self.t0 = time.perf_counter()

    def elapsed(self):
        return time.perf_counter() - self.t0


def log(clock, msg):
    print("[%7.1f s] %s" % (clock.elapsed(), msg), file=sys.stderr, flush=True)


def mib(n):
    return n / float(1 << 20)


# ---------------------------------------------------------------------------------------------
# Imports that may be missing
# ---------------------------------------------------------------------------------------------

def import_torch():
    """(torch, torchvision), or an exit with EXIT_SKIPPED and a message saying what is missing."""
    try:
        import torch
    except Exception as e:  # ImportError, or OSError from a broken CUDA library
        print("torch_bench.py: PyTorch is not importable by %s (%s: %s).\n"
              "This benchmark runs where PyTorch with CUDA and torchvision are installed (the GPU "
              "machine); nothing was measured. Exit %d (skipped)."
              % (sys.executable, type(e).__name__, e, EXIT_SKIPPED), file=sys.stderr)
        sys.exit(EXIT_SKIPPED)
    try:
        import torchvision
    except Exception as e:
        print("torch_bench.py: torchvision is not importable by %s (%s: %s); PyTorch %s is. "
              "Install torchvision to build ResNet-50; nothing was measured. Exit %d (skipped)."
              % (sys.executable, type(e).__name__, e, torch.__version__, EXIT_SKIPPED),
              file=sys.stderr)
        sys.exit(EXIT_SKIPPED)
    return torch, torchvision


def import_export_weights():
    """tools/export_weights.py as a module, or None and the reason."""
    if TOOLS_DIR not in sys.path:
        sys.path.insert(0, TOOLS_DIR)
    try:
        import export_weights
    except Exception as e:
        return None, "importing %s failed (%s: %s)" % (
            os.path.join(TOOLS_DIR, "export_weights.py"), type(e).__name__, e)
    if not callable(getattr(export_weights, "write_weights", None)):
        return None, "%s has no write_weights(tensors, index_path, bin_path)" % (
            export_weights.__file__,)
    return export_weights, None


# ---------------------------------------------------------------------------------------------
# Provenance
# ---------------------------------------------------------------------------------------------

def run_text(cmd, cwd=None):
    """stdout of `cmd` stripped, or None when it cannot run or fails."""
    try:
        r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() if r.returncode == 0 else None


def cudnn_version_text(v):
    """cuDNN's version number as text: 91400 -> '9.14.0' (cuDNN 9 encodes major x 10000 +
    minor x 100 + patch), 8902 -> '8.9.2' (cuDNN 8: major x 1000 + minor x 100 + patch)."""
    if not v:
        return None
    if v >= 90000:
        return "%d.%d.%d" % (v // 10000, v // 100 % 100, v % 100)
    return "%d.%d.%d" % (v // 1000, v // 100 % 10, v % 100)


def provenance(torch, torchvision, args):
    dev = torch.cuda.current_device()
    props = torch.cuda.get_device_properties(dev)
    cudnn = torch.backends.cudnn.version()  # e.g. 91400 for 9.14.0
    info = {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": shlex.join([sys.executable] + sys.argv),
        "python": platform.python_version(),
        "host": platform.node(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "cuda_runtime": torch.version.cuda,
        "cudnn": cudnn_version_text(cudnn),
        "cudnn_raw": cudnn,
        "gpu": props.name,
        "compute_capability": "%d.%d" % (props.major, props.minor),
        "sm_count": props.multi_processor_count,
        "gpu_memory_bytes": props.total_memory,
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
        "nvidia_smi": run_text(["nvidia-smi", "--query-gpu=index,name,driver_version,"
                                "memory.total,clocks.max.sm", "--format=csv,noheader"]),
        "plantune_commit": os.environ.get("PLANTUNE_COMMIT")
        or run_text(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_DIR),
        "settings": {
            "model": "torchvision.models.%s(weights=None), init %s, eval()" % (MODEL, args.init),
            "dtype": "float16", "memory_format": "channels_last",
            "cudnn.benchmark": torch.backends.cudnn.benchmark,
            "cudnn.benchmark_limit": getattr(torch.backends.cudnn, "benchmark_limit", None),
            "grad": "torch.inference_mode()",
            "image_size": args.image_size, "iterations": args.iterations,
            "warmup_seconds": args.warmup_seconds, "seed": args.seed,
            "cold_compile": args.cold_compile,
        },
    }
    smi = info["nvidia_smi"]
    info["driver"] = smi.splitlines()[0].split(",")[2].strip() if smi and smi.count(",") >= 2 \
        else None
    get_driver = getattr(torch._C, "_cuda_getDriverVersion", None)  # CUDA driver API version
    if get_driver is not None:
        try:
            info["cuda_driver_api"] = get_driver()
        except Exception:
            pass
    try:
        import triton
        info["triton"] = triton.__version__
    except Exception:
        info["triton"] = None
    return info


# ---------------------------------------------------------------------------------------------
# Model and inputs
# ---------------------------------------------------------------------------------------------

def plantune_ranges_(torch, model):
    """Re-draws every weight with the distributions of plantune's random_weights()
    (runtime/weights.h, Note [random weight ranges]); values differ, ranges are the same."""
    nn = torch.nn
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                if isinstance(m, nn.Conv2d):
                    fan_in = m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
                else:
                    fan_in = m.in_features
                b = math.sqrt(6.0 / fan_in)
                m.weight.uniform_(-b, b)
                if m.bias is not None:
                    bb = min(0.1, 1.0 / math.sqrt(fan_in))
                    m.bias.uniform_(-bb, bb)
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.0)
                m.bias.uniform_(-0.1, 0.1)
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)


def build_model(torch, torchvision, args):
    """(fp32 CPU model, fp16 channels_last CUDA model), the second a copy of the first."""
    torch.manual_seed(args.seed)
    torch.cuda.manual_seed_all(args.seed)
    model = torchvision.models.resnet50(weights=None)
    if args.init == "plantune":
        plantune_ranges_(torch, model)
    model.eval()
    gpu = copy.deepcopy(model).to(device="cuda", dtype=torch.float16,
                                  memory_format=torch.channels_last)
    gpu.eval()
    return model, gpu


def random_input(torch, batch, size, seed):
    """A fixed N(0, 1) fp32 NCHW batch on the CPU, the same for the same (batch, size, seed)."""
    g = torch.Generator().manual_seed(seed * 1000003 + batch)
    return torch.randn((batch, 3, size, size), generator=g, dtype=torch.float32)


def to_gpu_input(torch, x):
    return x.to(device="cuda", dtype=torch.float16).contiguous(memory_format=torch.channels_last)


def tensor_bytes(t):
    return t.numel() * t.element_size()


def state_bytes(model):
    """Bytes of the parameters and buffers (BN running statistics, num_batches_tracked)."""
    return sum(tensor_bytes(t) for t in model.parameters()) + \
        sum(tensor_bytes(t) for t in model.buffers())


# ---------------------------------------------------------------------------------------------
# Timing and memory
# ---------------------------------------------------------------------------------------------

def time_calls(torch, fn, iterations, warmup_seconds, batch):
    """The protocol of the docstring: warm-up, then back-to-back calls between CUDA events."""
    fn()  # cudnn.benchmark's algorithm search and first allocations happen here
    torch.cuda.synchronize()
    warm = 1
    t_end = time.perf_counter() + warmup_seconds
    while warm < 3 or time.perf_counter() < t_end:
        fn()
        torch.cuda.synchronize()
        warm += 1
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(iterations)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(iterations)]
    enqueue_ms = []
    gc_was_enabled = gc.isenabled()
    gc.disable()  # no collector pause inside the timed loop
    try:
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for i in range(iterations):
            h0 = time.perf_counter()
            starts[i].record()
            fn()
            ends[i].record()
            enqueue_ms.append((time.perf_counter() - h0) * 1e3)
        torch.cuda.synchronize()
        wall = time.perf_counter() - t0
    finally:
        if gc_was_enabled:
            gc.enable()
    latency = [s.elapsed_time(e) for s, e in zip(starts, ends)]
    return {
        "latency_ms": summarize(latency),
        "throughput_img_s": iterations * batch / wall if wall > 0 else None,
        "wall_s": wall,
        "enqueue_ms": summarize(enqueue_ms),
        "warmup_calls": warm,
    }


def activation_peak(torch, model, x):
    """The eager steady activation peak at x's batch (MEMORY_DEFINITION): the model is warm
    (called before), nothing but the model and x is alive on the GPU when it is called.

    Note: this is what plantune's arena (every intermediate tensor + the shared workspace, no
    weights, no graph inputs/outputs) is compared with; a value of about 162 MB was seen at batch
    32 on an H100 before."""
    gc.collect()
    torch.cuda.synchronize()
    resident = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    y = model(x)
    torch.cuda.synchronize()
    peak = torch.cuda.max_memory_allocated()
    params = state_bytes(model)
    inp = tensor_bytes(x)
    out = tensor_bytes(y)
    del y
    return {
        "activation_peak_bytes": peak - (params + inp + out),
        "peak_allocated_bytes": peak,
        "parameter_and_buffer_bytes": params,
        "input_bytes": inp,
        "output_bytes": out,
        "allocated_before_bytes": resident,
        "resident_other_bytes": resident - params - inp,
        "peak_above_resident_bytes": peak - resident - out,
    }


def cuda_graph_runner(torch, model, x):
    """(replay function, graph, static output): warm-up on a side stream, then one capture."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):
            model(x)
    torch.cuda.current_stream().wait_stream(side)
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        static_out = model(x)
    torch.cuda.synchronize()
    return graph.replay, graph, static_out


def compile_and_warm(torch, model, x, max_calls=60):
    """(step function, compile record): torch.compile(mode='max-autotune') of `model`, called
    with a synchronisation after each call until three calls in a row are within 1.5x (+0.2 ms)
    of the fastest; the calls before those three are the compile time."""
    import torch._dynamo  # noqa: F401 (a lazily imported submodule)

    torch._dynamo.reset()  # each batch size compiles from scratch (in this process)
    compiled = torch.compile(model, mode="max-autotune", dynamic=False)
    mark_step = getattr(getattr(torch, "compiler", None), "cudagraph_mark_step_begin", None)

    def step():
        if mark_step is not None:
            mark_step()  # each call is a new cudagraph-trees iteration (inference)
        return compiled(x)

    durations = []
    warm = False
    while len(durations) < max_calls:
        t0 = time.perf_counter()
        step()
        torch.cuda.synchronize()
        durations.append(time.perf_counter() - t0)
        if len(durations) >= 4:
            floor = min(durations)
            if all(d <= 1.5 * floor + 2e-4 for d in durations[-3:]):
                warm = True
                break
    cold_calls = len(durations) - 3 if warm else len(durations)
    record = {
        "first_call_s": durations[0],
        "until_warm_s": sum(durations[:cold_calls]),
        "calls_until_warm": cold_calls,
        "warm": warm,
        "call_durations_s": durations,
    }
    return step, record


# ---------------------------------------------------------------------------------------------
# Export for plantune
# ---------------------------------------------------------------------------------------------

def write_raw_f32(torch, t, path):
    """Writes `t` as little-endian fp32, row-major, no header."""
    t = t.detach().to(device="cpu", dtype=torch.float32).contiguous()
    try:
        data = t.numpy().astype("<f4", copy=False).tobytes()
    except (ImportError, RuntimeError, AttributeError):  # torch without numpy
        a = array("f", t.reshape(-1).tolist())
        if sys.byteorder == "big":
            a.byteswap()
        data = a.tobytes()
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def compare(torch, a, ref):
    """Errors of `a` against `ref` (same shape [N, classes]), in fp64."""
    a = a.detach().double().cpu()
    ref = ref.detach().double().cpu()
    diff = a - ref
    ref_norm = float(ref.norm())
    return {
        "rel_l2": float(diff.norm()) / ref_norm if ref_norm > 0 else None,
        "max_abs_diff": float(diff.abs().max()),
        "max_abs_ref": float(ref.abs().max()),
        "top1_agreement": float((a.argmax(dim=1) == ref.argmax(dim=1)).double().mean()),
        "finite": bool(torch.isfinite(a).all()),
    }


def largest_activation(torch, model, x):
    """(output, largest |output| of any leaf module, all finite?) of one forward of `model`.
    fp16 overflows at 65504: this says how close the random weights bring it."""
    largest = [0.0]
    finite = [True]

    def hook(_module, _inputs, out):
        if torch.is_tensor(out) and out.is_floating_point():
            # Read now: the in-place ReLU that follows a BatchNorm rewrites its output.
            largest[0] = max(largest[0], float(out.detach().abs().float().max()))
            finite[0] = finite[0] and bool(torch.isfinite(out).all())

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if len(list(m.children())) == 0]
    try:
        y = model(x)
        torch.cuda.synchronize()
    finally:
        for h in handles:
            h.remove()
    return y, largest[0], finite[0]


def export_reference(torch, ew, cpu_model, gpu_model, args, out_dir, prov, clock):
    """Writes the files of the docstring's --export-weights list; returns reference.json's
    content."""
    os.makedirs(out_dir, exist_ok=True)
    index = os.path.join(out_dir, MODEL + ".weights.index")
    binary = os.path.join(out_dir, MODEL + ".weights.bin")
    # fp32 master weights; num_batches_tracked (int64, unused in eval) is not a weight.
    state = [(k, v) for k, v in cpu_model.state_dict().items() if v.is_floating_point()]
    count, size = ew.write_weights(state, index, binary)
    log(clock, "export: %d tensors, %d bytes -> %s" % (count, size, index))

    n, s = args.export_batch, args.image_size
    x = random_input(torch, n, s, args.seed + 1)  # a stream of its own, not a benchmark input
    model64 = copy.deepcopy(cpu_model).double()  # outside inference_mode: parameters are copied
    with torch.inference_mode():
        y32 = cpu_model(x)  # CPU fp32: no TF32, no global precision flag touched
        y64 = model64(x.double())
        xg = to_gpu_input(torch, x)
        gpu_model(xg)  # warm: cudnn.benchmark picks the algorithms the benchmark uses
        y16, largest, finite = largest_activation(torch, gpu_model, xg)
    files = {}
    for key, t in (("input", x), ("output_fp32", y32), ("output_fp64", y64),
                   ("output_fp16", y16)):
        name = key + ".f32.bin"
        files[key] = {"file": name, "bytes": write_raw_f32(torch, t, os.path.join(out_dir, name)),
                      "shape": [int(d) for d in t.shape]}
    files["input"]["how"] = ("torch.randn on the CPU, torch.Generator seeded from --seed %d and "
                             "the batch; NCHW" % args.seed)
    files["output_fp32"]["how"] = "the fp32 model on the CPU (IEEE fp32, no TF32), NCHW"
    files["output_fp64"]["how"] = "the model in fp64 on the CPU, rounded to fp32 when stored"
    files["output_fp16"]["how"] = ("the benchmarked model on the GPU: fp16 weights and input "
                                   "(the input rounded to fp16), channels_last, "
                                   "cudnn.benchmark; the output widened to fp32. cuDNN's "
                                   "algorithm choice can change it slightly between runs")
    ref = {
        "format": "plantune torch_bench reference 1",
        "model": MODEL,
        "weights": {"index": os.path.basename(index), "bin": os.path.basename(binary),
                    "tensors": count, "bytes": size, "kind": "fp32",
                    "init": args.init, "seed": args.seed,
                    "note": "the fp32 values the fp16 model was cast from; BatchNorm "
                            "num_batches_tracked left out"},
        "raw_files": "little-endian fp32, row-major, no header",
        "files": files,
        "fp32_vs_fp64": compare(torch, y32, y64),
        "fp16_vs_fp32": compare(torch, y16, y32),
        "fp16_vs_fp64": compare(torch, y16, y64),
        "fp16_largest_abs_module_output": largest,
        "fp16_all_module_outputs_finite": finite,
        "provenance": prov,
    }
    with open(os.path.join(out_dir, "reference.json"), "w") as f:
        json.dump(ref, f, indent=2)
        f.write("\n")
    e = ref["fp16_vs_fp32"]
    log(clock, "export: input %s, outputs written; fp16 vs fp32 rel L2 %.3g, top-1 agreement "
        "%.3f, largest fp16 module output %.4g%s"
        % (files["input"]["shape"], e["rel_l2"] or 0.0, e["top1_agreement"], largest,
           "" if finite else " (NOT FINITE: try --init plantune)"))
    return ref


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

def print_table(results, memory, prov, notes):
    model = prov.get("settings", {}).get("model", "torchvision ResNet-50, random init")
    print("%s; fp16, channels_last, cudnn.benchmark" % model)
    print("%s, torch %s, CUDA %s, cuDNN %s, driver %s"
          % (prov["gpu"], prov["torch"], prov["cuda_runtime"], prov["cudnn"], prov["driver"]))
    print("per-call GPU time between CUDA events (ms); img/s = calls x batch / wall time")
    head = "%5s  %-10s %8s %8s %8s %8s %8s %9s  %s" % (
        "batch", "mode", "median", "mean", "min", "p90", "p99", "img/s", "notes")
    print(head)
    print("-" * len(head))
    for r in results:
        lat = r.get("latency_ms")
        if lat and lat.get("n"):
            cols = "%8.3f %8.3f %8.3f %8.3f %8.3f %9.1f" % (
                lat["median"], lat["mean"], lat["min"], lat["p90"], lat["p99"],
                r["throughput_img_s"])
        else:
            cols = "%8s %8s %8s %8s %8s %9s" % ("-", "-", "-", "-", "-", "-")
        note = r.get("note", "")
        c = r.get("compile")
        if c:
            note = ("compile %.1f s until warm (first call %.1f s)"
                    % (c["until_warm_s"], c["first_call_s"])) + ("; " + note if note else "")
        print(("%5d  %-10s %s  %s" % (r["batch"], r["mode"], cols, note)).rstrip())
    if memory:
        print()
        print("eager activation peak (definition below); MB = 1e6 bytes, MiB = 2^20 bytes")
        head = "%5s %15s %15s %19s %20s" % ("batch", "activation MB", "activation MiB",
                                            "resident other MiB", "peak>resident MiB")
        print(head)
        print("-" * len(head))
        for m in memory:
            a = m["activation_peak_bytes"]
            print("%5d %15.1f %15.1f %19.1f %20.1f" % (
                m["batch"], a / 1e6, mib(a), mib(m["resident_other_bytes"]),
                mib(m["peak_above_resident_bytes"])))
        print("definition: " + MEMORY_DEFINITION)
    for n in notes:
        print("note: " + n)


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.image_size < 32:
        build_parser().error("--image-size %d: must be at least 32 (ResNet-50 downsamples by "
                             "32)" % args.image_size)
    if args.cold_compile:  # read by Inductor's config when torch is imported
        os.environ["TORCHINDUCTOR_FORCE_DISABLE_CACHES"] = "1"
    clock = Clock()

    torch, torchvision = import_torch()
    ew = None
    if args.export_weights:
        ew, why = import_export_weights()
        if ew is None:
            print("torch_bench.py: --export-weights needs tools/export_weights.py: %s. Nothing "
                  "was measured." % why, file=sys.stderr)
            return EXIT_FAILED
    if not torch.cuda.is_available():
        print("torch_bench.py: PyTorch %s sees no CUDA device (torch.cuda.is_available() is "
              "False; built for CUDA %s). Nothing was measured. Exit %d (skipped)."
              % (torch.__version__, torch.version.cuda, EXIT_SKIPPED), file=sys.stderr)
        return EXIT_SKIPPED

    torch.backends.cudnn.benchmark = True
    prov = provenance(torch, torchvision, args)
    log(clock, "%s, torch %s, CUDA %s, cuDNN %s" % (prov["gpu"], prov["torch"],
                                                   prov["cuda_runtime"], prov["cudnn"]))
    cpu_model, model = build_model(torch, torchvision, args)

    status = EXIT_OK
    notes = []
    report = {"provenance": prov, "memory_definition": MEMORY_DEFINITION, "results": [],
              "memory": [], "notes": notes, "export": None}
    results = report["results"]

    if ew is not None:
        try:
            report["export"] = export_reference(torch, ew, cpu_model, model, args,
                                                args.export_weights, prov, clock)
        except Exception as e:
            status = EXIT_FAILED
            notes.append("export to %s failed: %s: %s" % (args.export_weights,
                                                          type(e).__name__, e))
            log(clock, notes[-1])
    del cpu_model

    # Eager and CUDA graph, batch by batch; the compile runs after all of them, so that
    # --time-limit only ever drops compile runs.
    with torch.inference_mode():
        for b in args.batch:
            x = to_gpu_input(torch, random_input(torch, b, args.image_size, args.seed))
            try:
                r = time_calls(torch, lambda x=x: model(x), args.iterations, args.warmup_seconds, b)
                results.append(dict(batch=b, mode="eager", **r))
                log(clock, "batch %d eager: median %.3f ms" % (b, r["latency_ms"]["median"]))
                mem = activation_peak(torch, model, x)
                report["memory"].append(dict(batch=b, **mem))
                log(clock, "batch %d eager activation peak: %.1f MB"
                    % (b, mem["activation_peak_bytes"] / 1e6))
            except Exception as e:
                status = EXIT_FAILED
                results.append({"batch": b, "mode": "eager",
                                "note": "failed: %s: %s" % (type(e).__name__, e)})
                log(clock, "batch %d eager failed: %s" % (b, e))
            if not args.no_graph:
                replay = graph = static_out = None
                try:
                    replay, graph, static_out = cuda_graph_runner(torch, model, x)
                    r = time_calls(torch, replay, args.iterations, args.warmup_seconds, b)
                    results.append(dict(batch=b, mode="cuda-graph", **r))
                    log(clock, "batch %d cuda-graph: median %.3f ms"
                        % (b, r["latency_ms"]["median"]))
                except Exception as e:
                    status = EXIT_FAILED
                    results.append({"batch": b, "mode": "cuda-graph",
                                    "note": "failed: %s: %s" % (type(e).__name__, e)})
                    log(clock, "batch %d cuda-graph failed: %s" % (b, e))
                # The bound replay method holds the graph: drop both, or the graph's memory
                # pool would count in the next batch's activation peak.
                del replay, graph, static_out
            del x
            gc.collect()
            torch.cuda.empty_cache()

        last_compile_s = None
        for b in (args.batch if args.compile else []):
            elapsed = clock.elapsed()
            limit = args.time_limit
            if limit is not None and (elapsed >= limit or (
                    last_compile_s is not None and elapsed + last_compile_s > limit)):
                why = ("--time-limit %.0f s: %.0f s elapsed%s" % (
                    limit, elapsed, "" if elapsed >= limit else
                    ", and the previous compile run took %.0f s" % last_compile_s))
                results.append({"batch": b, "mode": "compile", "note": "skipped (%s)" % why})
                notes.append("compile at batch %d skipped: %s" % (b, why))
                log(clock, notes[-1])
                continue
            log(clock, "batch %d compile: compiling (max-autotune takes minutes)" % b)
            t_run = time.perf_counter()
            x = to_gpu_input(torch, random_input(torch, b, args.image_size, args.seed))
            try:
                step, rec = compile_and_warm(torch, model, x)
                if not rec["warm"]:
                    notes.append("compile at batch %d: call times never settled within %d calls"
                                 % (b, len(rec["call_durations_s"])))
                r = time_calls(torch, step, args.iterations, args.warmup_seconds, b)
                results.append(dict(batch=b, mode="compile", compile=rec, **r))
                log(clock, "batch %d compile: %.1f s until warm, median %.3f ms"
                    % (b, rec["until_warm_s"], r["latency_ms"]["median"]))
            except Exception as e:
                status = EXIT_FAILED
                results.append({"batch": b, "mode": "compile",
                                "note": "failed: %s: %s" % (type(e).__name__, e)})
                log(clock, "batch %d compile failed: %s" % (b, e))
            last_compile_s = time.perf_counter() - t_run
            step = None
            del x
            gc.collect()
            torch.cuda.empty_cache()
        if not args.compile:
            notes.append("torch.compile not measured (--no-compile)")

    report["total_s"] = clock.elapsed()
    print_table(results, report["memory"], prov, notes)
    if args.json:
        d = os.path.dirname(os.path.abspath(args.json))
        os.makedirs(d, exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
        print("results written to %s" % args.json)
    return status


if __name__ == "__main__":
    sys.exit(main())
