#!/usr/bin/env python3
"""Writes a synthetic weights set with tools/export_weights.py's writer (no PyTorch needed).

Usage: export_weights_roundtrip.py DIR
Writes DIR/synthetic.weights.index and DIR/synthetic.weights.bin. weights_io_test's
WeightsIoExported test loads them with load_weights() and checks every value against the same
formula (keep the two in step): tensor t (0-based, in the order below), element i holds
    ((i * 37 + t * 11) % 257 - 128) / 64
which fp32 holds exactly. Tensor 3 (bn1.bias) goes through the torch-tensor path of the writer
with a stand-in object, so that path is covered without PyTorch.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import export_weights  # noqa: E402

# name, dims: a conv with bias, the batch norm after it, a fully connected layer, a scalar and
# an empty tensor.
TENSORS = [
    ("conv1.weight", [4, 3, 3, 3]),
    ("conv1.bias", [4]),
    ("bn1.weight", [4]),
    ("bn1.bias", [4]),
    ("bn1.running_mean", [4]),
    ("bn1.running_var", [4]),
    ("fc.weight", [5, 4]),
    ("fc.bias", [5]),
    ("scale", []),
    ("empty", [0]),
]


def value(t, i):
    return ((i * 37 + t * 11) % 257 - 128) / 64.0


class StandInTensor:
    """The part of torch.Tensor's interface the writer uses; numpy() fails as in a torch build
    without numpy, so the list path is taken."""

    def __init__(self, dims, values):
        self.shape = tuple(dims)
        self._values = list(values)

    def detach(self):
        return self

    def float(self):
        return self

    def cpu(self):
        return self

    def contiguous(self):
        return self

    def numpy(self):
        raise RuntimeError("Numpy is not available")

    def reshape(self, *shape):
        assert shape == (-1,)
        return self

    def tolist(self):
        return list(self._values)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    tensors = []
    for t, (name, dims) in enumerate(TENSORS):
        n = 1
        for d in dims:
            n *= d
        values = [value(t, i) for i in range(n)]
        if name == "bn1.bias":
            tensors.append((name, StandInTensor(dims, values)))
        else:
            tensors.append((name, (dims, values)))
    count, size = export_weights.write_weights(
        tensors, os.path.join(out, "synthetic.weights.index"),
        os.path.join(out, "synthetic.weights.bin"))
    print("wrote %d tensors, %d bytes to %s" % (count, size, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
