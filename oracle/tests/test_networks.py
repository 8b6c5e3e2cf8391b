"""network/mlp and network/conv: closed forms, the penalty's gradients (second derivatives of the
critic) and Hessian-vector products against central finite differences in float64, the NHWC
layout and TensorFlow 'same' padding, and parameter/input validation, through the server."""

from __future__ import annotations

import math
import unittest
from typing import Dict

import numpy as np

from _support import Client, OracleProcess, OracleReplyError

ORACLE: OracleProcess
CLIENT: Client

MLP, CONV = "network/mlp", "network/conv"
ACTIVATIONS = ("linear", "relu", "leaky-relu", "elu", "selu", "tanh", "sigmoid", "softplus", "swish", "silu")


def setUpModule() -> None:
    global ORACLE, CLIENT
    ORACLE = OracleProcess()
    CLIENT = Client(ORACLE.endpoint)


def tearDownModule() -> None:
    CLIENT.close()
    ORACLE.close()


def out(spec, inputs, params=None, name="gradientPenalty", **kw) -> np.ndarray:
    return CLIENT.eval(spec, inputs, params=params, **kw)[(name, "float64")]


def away_from_zero(rng, shape, lo=0.2, hi=1.2) -> np.ndarray:
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(lo, hi, size=shape)


def mlp_inputs(rng, n=3, d=3, h=4) -> Dict[str, np.ndarray]:
    return {
        "x": rng.uniform(-1, 1, (n, d)),
        "denseW0": away_from_zero(rng, (d, h)),
        "denseB0": away_from_zero(rng, h, 0.05, 0.3),
        "denseW1": away_from_zero(rng, (h, 1)),
        "denseB1": rng.uniform(-1, 1, 1),
    }


def conv_inputs(rng, normalization="none", n=2, H=5, W=4, C=2, co=3, flat=None) -> Dict[str, np.ndarray]:
    x = {
        "x": rng.uniform(-1, 1, (n, H, W, C)),
        "convW0": away_from_zero(rng, (3, 3, C, co), 0.1, 0.8),
        "convB0": rng.uniform(-0.3, 0.3, co),
    }
    if normalization != "none":
        x["convGamma0"] = rng.uniform(0.5, 1.5, co)
        x["convBeta0"] = rng.uniform(-0.5, 0.5, co)
    if normalization == "batch":
        x["convMean0"] = rng.uniform(-0.5, 0.5, co)
        x["convVariance0"] = rng.uniform(0.2, 2, co)
    x["denseW0"] = away_from_zero(rng, (flat if flat is not None else H * W * co, 1), 0.1, 0.6)
    x["denseB0"] = rng.uniform(-1, 1, 1)
    return x


def fd_check(test: unittest.TestCase, spec, inputs, params, output, wrt, h=1e-5, rtol=1e-6) -> None:
    """grad:output:wrt against central differences of the output's sum, in float64
    (truncation about h^2 |f'''| ~ 1e-10, rounding about 1e-16 |f| / h ~ 1e-10 for |f| <= 100)."""
    got = CLIENT.eval(spec, inputs, params=params, wrt=[wrt])[(f"grad:{output}:{wrt}", "float64")]
    base = inputs[wrt]
    for idx in np.ndindex(base.shape):
        plus, minus = base.copy(), base.copy()
        plus[idx] += h
        minus[idx] -= h
        fp = out(spec, {**inputs, wrt: plus}, params, output).sum()
        fm = out(spec, {**inputs, wrt: minus}, params, output).sum()
        num = (fp - fm) / (2 * h)
        test.assertLessEqual(abs(got[idx] - num), rtol * max(abs(num), 1.0), f"{wrt}{idx}: {got[idx]} vs {num}")


class MlpTest(unittest.TestCase):
    def test_linear_critic_closed_form(self) -> None:
        x = {
            "x": np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 0.5], [2.0, 2.0, -2.0]]),
            "denseW0": np.array([[0.5, -1.0], [0.25, 0.75], [-1.0, 0.5]]),
            "denseB0": np.array([0.1, -0.2]),
            "denseW1": np.array([[1.5], [-0.5]]),
            "denseB1": np.array([0.3]),
        }
        r = CLIENT.eval(MLP, x, params={"activation": "linear"})
        v = x["denseW0"] @ x["denseW1"]
        np.testing.assert_allclose(
            r[("score", "float64")], (x["x"] @ v + np.array([0.1, -0.2]) @ x["denseW1"] + 0.3).ravel(), rtol=1e-14
        )
        self.assertAlmostEqual(float(r[("gradientPenalty", "float64")]), 3 * float((v**2).sum()), places=12)
        self.assertAlmostEqual(float(r[("gradientPenalty", "float64")]), 13.875, places=12)

    def test_tanh_penalty_closed_form(self) -> None:
        # One hidden unit: c = w1·tanh(x·w0 + b0) + b1, dc/dx = w1·w0·(1 − tanh²(z)).
        rng = np.random.default_rng(1)
        x = rng.uniform(-1, 1, (4, 2))
        w0, b0, w1 = np.array([[0.7], [-0.4]]), np.array([0.2]), np.array([[1.3]])
        z = x @ w0 + b0
        want = float(((1.3 * (1 - np.tanh(z) ** 2)) ** 2 * (w0**2).sum()).sum())
        got = out(
            MLP,
            {"x": x, "denseW0": w0, "denseB0": b0, "denseW1": w1, "denseB1": np.array([0.0])},
            {"activation": "tanh"},
        )
        self.assertAlmostEqual(float(got), want, places=12)

    def test_penalty_gradient_wrt_weights_matches_finite_differences_for_every_activation(self) -> None:
        rng = np.random.default_rng(2)
        for act in ACTIVATIONS:
            with self.subTest(activation=act):
                x = mlp_inputs(rng)
                for name in ("denseW0", "denseB0", "x"):
                    fd_check(self, MLP, x, {"activation": act, "outputActivation": "softplus"}, "gradientPenalty", name)

    def test_hvp_of_the_penalty_matches_finite_differences_of_its_gradient(self) -> None:
        rng = np.random.default_rng(3)
        x = mlp_inputs(rng)
        p = {"activation": "tanh", "outputActivation": "sigmoid"}
        v = {k: rng.uniform(-1, 1, a.shape) for k, a in x.items()}
        names = sorted(x)
        r = CLIENT.eval(MLP, x, params=p, wrt=names, directions=v)
        h = 1e-5
        plus = CLIENT.eval(MLP, {k: x[k] + h * v[k] for k in names}, params=p, wrt=names)
        minus = CLIENT.eval(MLP, {k: x[k] - h * v[k] for k in names}, params=p, wrt=names)
        for k in names:
            num = (plus[(f"grad:gradientPenalty:{k}", "float64")] - minus[(f"grad:gradientPenalty:{k}", "float64")]) / (
                2 * h
            )
            np.testing.assert_allclose(r[(f"hvp:gradientPenalty:{k}", "float64")], num, rtol=1e-6, atol=1e-7, err_msg=k)

    def test_per_example(self) -> None:
        rng = np.random.default_rng(4)
        x = mlp_inputs(rng, n=3)
        p = {"activation": "swish"}
        whole = float(out(MLP, x, p))
        parts = sum(float(out(MLP, {**x, "x": x["x"][i : i + 1]}, p)) for i in range(3))
        self.assertAlmostEqual(whole, parts, places=12)

    def test_refusals(self) -> None:
        rng = np.random.default_rng(5)
        x = mlp_inputs(rng)
        with self.assertRaises(OracleReplyError) as e:
            CLIENT.eval(MLP, {**x, "denseW1": np.ones((4, 2)), "denseB1": np.zeros(2)})
        self.assertEqual(e.exception.code, "BAD_PARAMS")
        with self.assertRaises(OracleReplyError) as e:
            CLIENT.eval(MLP, {**x, "x": np.ones((2, 5))})
        self.assertEqual(e.exception.code, "BAD_PARAMS")
        with self.assertRaises(OracleReplyError) as e:
            CLIENT.eval(MLP, x, params={"activation": "gelu"})
        self.assertEqual(e.exception.code, "BAD_PARAMS")


class ConvTest(unittest.TestCase):
    def test_one_by_one_conv_closed_form(self) -> None:
        x = {
            "x": np.array([1, 2, 3, 4, -1, 0, 0.5, 2], float).reshape(2, 2, 2, 1),
            "convW0": np.array([2.0]).reshape(1, 1, 1, 1),
            "convB0": np.array([0.5]),
            "denseW0": np.array([[1.0], [-0.5], [0.25], [2.0]]),
            "denseB0": np.array([0.1]),
        }
        r = CLIENT.eval(CONV, x, params={"activation": "linear", "padding": "valid"})
        w = x["denseW0"].ravel()
        want = [2 * float(x["x"][i].ravel() @ w) + 0.5 * w.sum() + 0.1 for i in range(2)]
        np.testing.assert_allclose(r[("score", "float64")], want, rtol=1e-14)
        self.assertAlmostEqual(float(r[("gradientPenalty", "float64")]), 42.5, places=12)

    def test_avg_pool_and_batch_norm_closed_forms(self) -> None:
        x = {
            "x": np.array([1, 2, 3, 4, 0, 0, 0, 0, -5, 1, 7, 0.25], float).reshape(3, 2, 2, 1),
            "convW0": np.array([1.5]).reshape(1, 1, 1, 1),
            "convB0": np.array([0.0]),
            "denseW0": np.array([[2.0]]),
            "denseB0": np.array([0.0]),
        }
        self.assertAlmostEqual(float(out(CONV, x, {"activation": "linear", "pooling": "avg"})), 6.75, places=12)
        bn = {
            "x": np.array([0.3, -0.7]).reshape(1, 1, 2, 1),
            "convW0": np.ones((1, 1, 1, 1)),
            "convB0": np.zeros(1),
            "convGamma0": np.array([2.0]),
            "convBeta0": np.array([0.5]),
            "convMean0": np.array([1.0]),
            "convVariance0": np.array([4.0]),
            "denseW0": np.ones((2, 1)),
            "denseB0": np.zeros(1),
        }
        r = CLIENT.eval(CONV, bn, params={"activation": "linear", "normalization": "batch", "epsilon": 1e-3})
        self.assertAlmostEqual(float(r[("gradientPenalty", "float64")]), 2 * (2 / math.sqrt(4.001)) ** 2, places=12)
        self.assertAlmostEqual(
            float(r[("score", "float64")][0]),
            float(((np.array([0.3, -0.7]) - 1) * 2 / math.sqrt(4.001) + 0.5).sum()),
            places=12,
        )

    def test_nhwc_layout_and_tensorflow_same_padding(self) -> None:
        # A 2×2 filter that picks the bottom-right tap, stride 1, 'same' on a 3×3 image: TF pads
        # total 1 per axis, all AFTER (smaller half, 0, before), so output (i, j) reads x[i+1, j+1],
        # zero beyond the edge. Two channels: the filter reads channel 1 only.
        img = np.arange(18, dtype=float).reshape(1, 3, 3, 2)
        k = np.zeros((2, 2, 2, 1))
        k[1, 1, 1, 0] = 1.0
        head = np.zeros((9, 1))
        for pos in range(9):
            head[pos, 0] = 10.0**pos
        r = CLIENT.eval(
            CONV,
            {"x": img, "convW0": k, "convB0": np.zeros(1), "denseW0": head, "denseB0": np.zeros(1)},
            params={"activation": "linear"},
        )
        shifted = np.zeros((3, 3))
        shifted[:2, :2] = img[0, 1:, 1:, 1]
        self.assertEqual(float(r[("score", "float64")][0]), float((shifted.ravel() * head.ravel()).sum()))
        # Stride 2, 'same' on 4×4 with a 3×3 filter: total padding max((2−1)·2 + 3 − 4, 0) = 1, after.
        img4 = np.arange(16, dtype=float).reshape(1, 4, 4, 1)
        k3 = np.zeros((3, 3, 1, 1))
        k3[0, 0, 0, 0] = 1.0
        r = CLIENT.eval(
            CONV,
            {
                "x": img4,
                "convW0": k3,
                "convB0": np.zeros(1),
                "denseW0": np.array([[1.0], [10.0], [100.0], [1000.0]]),
                "denseB0": np.zeros(1),
            },
            params={"activation": "linear", "stride": 2},
        )
        self.assertEqual(float(r[("score", "float64")][0]), 0 + 10 * 2 + 100 * 8 + 1000 * 10)

    def test_layer_norm_is_per_example_over_hwc_with_per_channel_affine(self) -> None:
        rng = np.random.default_rng(6)
        x = conv_inputs(rng, "layer", n=1, H=3, W=3, C=1, co=2, flat=18)
        x["denseW0"] = np.ones((18, 1))
        r = CLIENT.eval(CONV, x, params={"activation": "linear", "normalization": "layer"})
        z = np.zeros((3, 3, 2))
        xp = np.pad(x["x"][0, :, :, 0], 1)
        for i in range(3):
            for j in range(3):
                for o in range(2):
                    z[i, j, o] = (xp[i : i + 3, j : j + 3] * x["convW0"][:, :, 0, o]).sum() + x["convB0"][o]
        zn = (z - z.mean()) / np.sqrt(z.var() + 1e-5) * x["convGamma0"] + x["convBeta0"]
        self.assertAlmostEqual(float(r[("score", "float64")][0]), float(zn.sum()) + float(x["denseB0"][0]), places=10)

    def test_penalty_gradients_match_finite_differences_for_every_option(self) -> None:
        rng = np.random.default_rng(7)
        options = [
            {"activation": "tanh"},
            {"activation": "softplus", "pooling": "max"},
            {"activation": "sigmoid", "pooling": "avg", "padding": "valid"},
            {"activation": "elu", "normalization": "layer", "stride": 2},
            {"activation": "swish", "normalization": "batch"},
        ]
        for p in options:
            with self.subTest(**p):
                H, W = 4, 4
                oh = 2 if p.get("stride") == 2 else (2 if p.get("padding") == "valid" else 4)
                ow = oh
                if p.get("pooling") in ("max", "avg"):
                    oh, ow = oh // 2, ow // 2
                x = conv_inputs(rng, p.get("normalization", "none"), n=2, H=H, W=W, C=2, co=2, flat=oh * ow * 2)
                for name in ("convW0", "convB0", "x"):
                    fd_check(self, CONV, x, p, "gradientPenalty", name)

    def test_refusals(self) -> None:
        rng = np.random.default_rng(8)
        x = conv_inputs(rng, n=1, H=4, W=4, C=2, co=2)
        cases = [
            ({**x, "x": np.ones((1, 4, 4, 3))}, {}),
            ({**x, "convGamma0": np.ones(2)}, {}),
            (x, {"normalization": "layer"}),
            ({**x, "denseW0": np.ones((31, 1))}, {}),
            ({**x, "x": np.ones((1, 2, 2, 2))}, {"padding": "valid"}),
            (x, {"stride": 0}),
            (x, {"stride": 1.5}),
            (x, {"pooling": "global"}),
            (x, {"epsilon": 0}),
        ]
        for inputs, params in cases:
            with self.subTest(params=params, names=sorted(inputs)):
                with self.assertRaises(OracleReplyError) as e:
                    CLIENT.eval(CONV, inputs, params=params)
                self.assertEqual(e.exception.code, "BAD_PARAMS")
        bn = conv_inputs(rng, "batch", n=1, H=4, W=4, C=2, co=2)
        bn["convVariance0"] = np.array([1.0, -0.5])
        with self.assertRaises(OracleReplyError) as e:
            CLIENT.eval(CONV, bn, params={"normalization": "batch"})
        self.assertEqual(e.exception.code, "BAD_PARAMS")


if __name__ == "__main__":
    unittest.main()
