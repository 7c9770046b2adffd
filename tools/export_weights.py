#!/usr/bin/env python3
"""Writes network weights in plantune's weights format (docs/weights-format.md).

The format is a text index, one line per tensor `name,kind,offset,size,shape`, plus one binary
file holding the tensors' little-endian elements. This module writes fp32 only; plantune's
load_weights() (runtime/weights_io.h) also reads fp16 and bf16 entries.

As a module (pure Python 3, no numpy needed):

    from export_weights import write_weights
    write_weights(model.state_dict().items(), "resnet50.weights.index", "resnet50.weights.bin")
    write_weights([("fc.bias", ([3], [0.5, -1.0, 2.0]))], "w.index", "w.bin")

As a command (needs PyTorch and torchvision):

    python3 tools/export_weights.py --torchvision resnet50 --out DIR [--random-init]

writes DIR/resnet50.weights.index and DIR/resnet50.weights.bin from torchvision's resnet50
(its pretrained weights, or PyTorch's default initialisation with --random-init and a fixed
seed), with the state_dict's names ("layer1.0.conv1.weight", "bn1.running_var", ...), which
are the names plantune's built-in models expect. BatchNorm's num_batches_tracked is skipped.
"""

import argparse
import math
import os
import sys
import tempfile
from array import array
from collections.abc import Mapping

FORMAT_HEADER = "# plantune weights index (docs/weights-format.md): name,kind,offset,size,shape"


def name_problem(name):
    """Why `name` cannot be a tensor name of the format, or None when it can."""
    if not isinstance(name, str):
        return "the name is a %s, not a str" % type(name).__name__
    if not name:
        return "the name is empty"
    if name.startswith("#"):
        return "the name starts with '#' (a comment line)"
    for c in name:
        if c == ",":
            return "the name holds a ','"
        if c == " ":
            return "the name holds a space"
        if ord(c) < 0x20 or ord(c) == 0x7F:
            return "the name holds a control character"
    return None


def _le_bytes(floats):
    """Little-endian fp32 bytes of an array('f')."""
    if sys.byteorder == "big":
        floats = array("f", floats)
        floats.byteswap()
    return floats.tobytes()


def _torch_tensor_bytes(name, t):
    """(dims, bytes) of a torch tensor, as fp32 on the CPU, row-major."""
    t = t.detach().float().cpu().contiguous()
    dims = [int(d) for d in t.shape]
    try:
        data = t.numpy().astype("<f4", copy=False).tobytes()
    except (ImportError, RuntimeError, AttributeError):
        # torch without numpy: go through a Python list.
        data = _le_bytes(array("f", t.reshape(-1).tolist()))
    return dims, data


def _pair_bytes(name, dims, values):
    """(dims, bytes) of a (dims, values) pair; ValueError on a mismatch or an fp32 overflow."""
    try:
        dims = [int(d) for d in dims]
    except (TypeError, ValueError):
        raise ValueError("tensor %r: dims %r are not a list of integers" % (name, dims))
    if any(d < 0 for d in dims):
        raise ValueError("tensor %r: dims %r hold a negative dim" % (name, dims))
    numel = math.prod(dims)
    values = list(values)
    if len(values) != numel:
        raise ValueError("tensor %r: dims %r need %d values, got %d"
                         % (name, dims, numel, len(values)))
    try:
        floats = array("f", values)
    except (TypeError, OverflowError):
        raise ValueError("tensor %r: values are not all numbers within fp32's range" % (name,))
    for i, (v, f) in enumerate(zip(values, floats)):
        if math.isinf(f) and not math.isinf(v):
            raise ValueError("tensor %r: element %d = %r does not fit in fp32" % (name, i, v))
    return dims, _le_bytes(floats)


def _tensor_bytes(name, values):
    if hasattr(values, "detach"):  # a torch.Tensor (duck-typed: torch need not be importable)
        return _torch_tensor_bytes(name, values)
    if isinstance(values, (tuple, list)) and len(values) == 2:
        return _pair_bytes(name, values[0], values[1])
    raise ValueError("tensor %r: expected a torch tensor or a (dims, values) pair, got %s"
                     % (name, type(values).__name__))


def _write_atomically(path, chunks):
    """Writes the byte chunks to a temporary file next to `path`; returns its name."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".tmp.", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def write_weights(tensors, index_path, bin_path):
    """Writes `tensors` as fp32 to an index and a binary file, in iteration order.

    `tensors`: an iterable of (name, values) (or a mapping such as a state_dict), where values
    is a torch tensor or a (dims, list-of-floats) pair. Each file is written to a temporary file
    and renamed into place, the binary first. Raises ValueError on a bad name, a duplicate, or
    values that do not match their dims. Returns (tensor count, binary bytes).
    """
    if os.path.abspath(index_path) == os.path.abspath(bin_path):
        raise ValueError("the index and the binary are the same file: %s" % index_path)
    if isinstance(tensors, Mapping):
        tensors = tensors.items()
    lines = []
    chunks = []
    seen = set()
    offset = 0
    for name, values in tensors:
        why = name_problem(name)
        if why:
            raise ValueError("tensor %r cannot be written: %s" % (name, why))
        if name in seen:
            raise ValueError("tensor %r appears twice" % (name,))
        seen.add(name)
        dims, data = _tensor_bytes(name, values)
        shape = "x".join(str(d) for d in dims)
        lines.append("%s,fp32,%d,%d,%s\n" % (name, offset, len(data), shape))
        chunks.append(data)
        offset += len(data)
    header = [FORMAT_HEADER + "\n",
              "# binary %s: %d tensors, %d bytes, fp32 little-endian\n"
              % (os.path.basename(bin_path), len(lines), offset)]
    bin_tmp = _write_atomically(bin_path, chunks)
    try:
        index_tmp = _write_atomically(index_path,
                                      [s.encode("utf-8") for s in header + lines])
    except BaseException:
        os.unlink(bin_tmp)
        raise
    os.replace(bin_tmp, bin_path)
    os.replace(index_tmp, index_path)
    return len(lines), offset


def export_torchvision(model_name, out_dir, random_init=False, seed=0):
    """Writes torchvision's `model_name` to out_dir; returns (index, binary, count, bytes)."""
    try:
        import torch
        import torchvision
    except ImportError as e:
        raise SystemExit("export_weights.py: --torchvision needs PyTorch and torchvision "
                         "(pip install torch torchvision); importing them failed: %s" % e)
    builder = getattr(torchvision.models, model_name, None)
    if builder is None or not callable(builder):
        raise SystemExit("export_weights.py: torchvision.models has no model %r" % model_name)
    if random_init:
        torch.manual_seed(seed)
        model = builder(weights=None)
    else:
        model = builder(weights="DEFAULT")
    model.eval()
    state = [(k, v) for k, v in model.state_dict().items()
             if not k.endswith("num_batches_tracked")]
    os.makedirs(out_dir, exist_ok=True)
    index = os.path.join(out_dir, model_name + ".weights.index")
    binary = os.path.join(out_dir, model_name + ".weights.bin")
    count, size = write_weights(state, index, binary)
    return index, binary, count, size


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--torchvision", metavar="MODEL", required=True,
                   help="a torchvision.models builder name (resnet18, resnet50, vgg19, ...)")
    p.add_argument("--out", metavar="DIR", required=True, help="output folder")
    p.add_argument("--random-init", action="store_true",
                   help="PyTorch's default initialisation (seed --seed) instead of the "
                        "pretrained weights (which torchvision downloads)")
    p.add_argument("--seed", type=int, default=0, help="seed for --random-init (default 0)")
    args = p.parse_args(argv)
    index, binary, count, size = export_torchvision(args.torchvision, args.out,
                                                    args.random_init, args.seed)
    print("%s: %d tensors, %d bytes -> %s, %s" % (args.torchvision, count, size, index, binary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
