#!/usr/bin/env python3
"""Unit tests of tools/export_weights.py's writer (no PyTorch needed): the exact index text and
bytes it writes, and the inputs it refuses."""

import math
import os
import struct
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import export_weights  # noqa: E402


class WriteWeightsTest(unittest.TestCase):
    def setUp(self):
        self._dir = tempfile.TemporaryDirectory()
        self.dir = self._dir.name
        self.index = os.path.join(self.dir, "w.index")
        self.bin = os.path.join(self.dir, "w.bin")

    def tearDown(self):
        self._dir.cleanup()

    def write(self, tensors):
        return export_weights.write_weights(tensors, self.index, self.bin)

    def test_index_lines_and_little_endian_bytes(self):
        count, size = self.write([("fc.weight", ([2, 3], [1, -2, 0.5, 0, 3.25, -0.0])),
                                  ("fc.bias", ([2], [float("inf"), float("nan")])),
                                  ("t", ([], [7.0]))])
        self.assertEqual((count, size), (3, 36))
        with open(self.index) as f:
            lines = [l for l in f.read().splitlines() if not l.startswith("#")]
        self.assertEqual(lines, ["fc.weight,fp32,0,24,2x3", "fc.bias,fp32,24,8,2", "t,fp32,32,4,"])
        with open(self.bin, "rb") as f:
            raw = f.read()
        values = struct.unpack("<9f", raw)
        self.assertEqual(values[:6], (1.0, -2.0, 0.5, 0.0, 3.25, -0.0))
        self.assertEqual(math.copysign(1, values[5]), -1)
        self.assertTrue(math.isinf(values[6]) and math.isnan(values[7]))
        self.assertEqual(values[8], 7.0)
        self.assertEqual(sorted(os.listdir(self.dir)), ["w.bin", "w.index"])  # no temporaries

    def test_a_mapping_is_written_in_its_order(self):
        self.write({"b": ([1], [1.0]), "a": ([1], [2.0])})
        with open(self.index) as f:
            names = [l.split(",")[0] for l in f if not l.startswith("#")]
        self.assertEqual(names, ["b", "a"])

    def test_rewriting_replaces_both_files(self):
        self.write([("x", ([3], [1, 2, 3]))])
        self.write([("y", ([1], [4]))])
        with open(self.index) as f:
            self.assertIn("y,fp32,0,4,1\n", f.read())
        self.assertEqual(os.path.getsize(self.bin), 4)

    def test_refuses_bad_input_and_leaves_no_files(self):
        bad = [
            ([("a,b", ([1], [0.0]))], "','"),
            ([("a b", ([1], [0.0]))], "space"),
            ([("#a", ([1], [0.0]))], "'#'"),
            ([("", ([1], [0.0]))], "empty"),
            ([("a\tb", ([1], [0.0]))], "control"),
            ([("a", ([2, 2], [0.0] * 3))], "need 4 values, got 3"),
            ([("a", ([-1], []))], "negative"),
            ([("a", ([1], [1e39]))], "does not fit in fp32"),
            ([("a", ([1], ["x"]))], "not all numbers"),
            ([("a", ([1], [0.0])), ("a", ([1], [0.0]))], "twice"),
            ([("a", 3.0)], "expected a torch tensor"),
        ]
        for tensors, message in bad:
            with self.subTest(message=message):
                with self.assertRaises(ValueError) as ctx:
                    self.write(tensors)
                self.assertIn(message, str(ctx.exception))
                self.assertEqual(os.listdir(self.dir), [])

    def test_refuses_one_path_for_both_files(self):
        with self.assertRaises(ValueError):
            export_weights.write_weights([("a", ([1], [0.0]))], self.index, self.index)

    def test_cli_without_torch_says_what_it_needs(self):
        try:
            import torch  # noqa: F401
            self.skipTest("PyTorch is installed: the message for its absence cannot be shown")
        except ImportError:
            pass
        with self.assertRaises(SystemExit) as ctx:
            export_weights.main(["--torchvision", "resnet18", "--out", self.dir])
        self.assertIn("needs PyTorch and torchvision", str(ctx.exception.code))


if __name__ == "__main__":
    unittest.main()
