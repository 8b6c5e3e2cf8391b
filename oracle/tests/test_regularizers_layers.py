"""Constraints and layers (weight clipping, spectral norm, minibatch discrimination, virtual batch
norm, instance noise, pulling-away) through the server: closed-form values, gradients against
central finite differences in float64, and spectral norm against torch.linalg.svdvals."""

from __future__ import annotations

import math
import unittest

import numpy as np
import torch

from _support import Client, OracleProcess, OracleReplyError

ORACLE: OracleProcess
CLIENT: Client


def setUpModule() -> None:
    global ORACLE, CLIENT
    ORACLE = OracleProcess()
    CLIENT = Client(ORACLE.endpoint)


def tearDownModule() -> None:
    CLIENT.close()
    ORACLE.close()


def out64(spec, inputs, params=None, **kw):
    res = CLIENT.eval(spec, inputs, params=params or {}, **kw)
    return {name: arr for (name, compute), arr in res.items() if compute == "float64"}


def fd_grad(spec, inputs, params, output, name, h=1e-6):
    """Central finite differences of sum(output) wrt input ``name`` (float64)."""
    x = inputs[name]
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        vals = []
        for sgn in (1.0, -1.0):
            moved = dict(inputs)
            y = x.copy()
            y[idx] += sgn * h
            moved[name] = y
            vals.append(float(np.sum(out64(spec, moved, params)[output])))
        g[idx] = (vals[0] - vals[1]) / (2 * h)
    return g


class GradientMixin:
    def check_grads(self, spec, inputs, params, outputs, rtol=1e-6, atol=1e-7):
        names = sorted(inputs)
        o = out64(spec, inputs, params, wrt=names)
        for out in outputs:
            for name in names:
                np.testing.assert_allclose(
                    o[f"grad:{out}:{name}"],
                    fd_grad(spec, inputs, params, out, name),
                    rtol=rtol,
                    atol=atol,
                    err_msg=f"{spec} grad:{out}:{name}",
                )


WC = "constraint/weight-clipping"
SN = "constraint/spectral-norm"
MBD = "layer/minibatch-discrimination"
VBN = "layer/virtual-batch-norm"
IN = "noise/instance-noise"
PT = "penalty/pulling-away"


class WeightClippingTest(unittest.TestCase, GradientMixin):
    def test_values_and_gradient(self) -> None:
        w = np.array([[-1.0, -0.25], [0.3, 2.0]])
        o = out64(WC, {"weights": w}, {"c": 0.5}, wrt=["weights"])
        np.testing.assert_array_equal(o["clipped"], [[-0.5, -0.25], [0.3, 0.5]])
        np.testing.assert_array_equal(o["grad:clipped:weights"], [[0, 1], [1, 0]])
        self.check_grads(WC, {"weights": w}, {"c": 0.5}, ["clipped"])

    def test_bad_c(self) -> None:
        for c in (0, -1.0):
            with self.assertRaises(OracleReplyError) as ctx:
                out64(WC, {"weights": np.ones(2)}, {"c": c})
            self.assertEqual(ctx.exception.code, "BAD_PARAMS")


class SpectralNormTest(unittest.TestCase, GradientMixin):
    def test_closed_form_diagonal(self) -> None:
        # diag(3, 1), u = (1, 1): v = (3, 1)/sqrt(10), W v = (9, 1)/sqrt(10), u = (9, 1)/sqrt(82);
        # sigma = u^T W v = ||W v|| = sqrt(82/10)
        o = out64(SN, {"weight": np.diag([3.0, 1.0]), "u": np.array([1.0, 1.0])})
        self.assertAlmostEqual(float(o["sigma"]), math.sqrt(8.2), places=13)
        np.testing.assert_allclose(o["u"], np.array([9.0, 1.0]) / math.sqrt(82), rtol=1e-14)
        np.testing.assert_allclose(o["normalized"], np.diag([3.0, 1.0]) / math.sqrt(8.2), rtol=1e-14)

    def test_rank_one_exact_after_one_step(self) -> None:
        a, b = np.array([1.0, 2.0, -1.0]), np.array([1.0, 2.0])
        o = out64(SN, {"weight": np.outer(a, b), "u": np.array([0.3, -0.2, 0.9])})
        self.assertAlmostEqual(float(o["sigma"]), math.sqrt(6) * math.sqrt(5), places=13)

    def test_converges_to_largest_singular_value(self) -> None:
        rng = np.random.default_rng(5)
        for shape, axis in (((5, 3), "first"), ((4, 7), "first"), ((3, 2, 2, 4), "first"), ((2, 2, 3, 5), "last")):
            w = rng.standard_normal(shape)
            out = shape[0] if axis == "first" else shape[-1]
            o = out64(SN, {"weight": w, "u": rng.standard_normal(out)}, {"iterations": 500, "outAxis": axis})
            mat = torch.from_numpy(w if axis == "first" else np.moveaxis(w, -1, 0)).reshape(out, -1)
            top = float(torch.linalg.svdvals(mat)[0])
            self.assertAlmostEqual(float(o["sigma"]), top, delta=1e-9 * top)
            normalized = torch.from_numpy(
                np.array(o["normalized"]) if axis == "first" else np.moveaxis(o["normalized"], -1, 0)
            ).reshape(out, -1)
            self.assertAlmostEqual(float(torch.linalg.svdvals(normalized)[0]), 1.0, delta=1e-9)

    def test_u_and_v_are_detached(self) -> None:
        rng = np.random.default_rng(1)
        w, u = rng.standard_normal((3, 4)), rng.standard_normal(3)
        o = out64(SN, {"weight": w, "u": u}, {"iterations": 2}, wrt=["weight", "u"])
        # sigma = u^T W v with u, v constants: d sigma / dW = u v^T (unit Frobenius norm), d/du = 0.
        self.assertAlmostEqual(float(np.linalg.norm(o["grad:sigma:weight"])), 1.0, places=12)
        self.assertTrue(np.all(o["grad:sigma:u"] == 0))
        self.assertTrue(np.all(o["grad:normalized:u"] == 0))
        self.assertTrue(np.all(o["grad:u:weight"] == 0))

    def test_gradient_matches_finite_differences_with_fixed_u_v(self) -> None:
        # Finite differences of W / (u^T W v) with u, v those of the unperturbed W (constants).
        rng = np.random.default_rng(2)
        w, u = rng.standard_normal((3, 2)), rng.standard_normal(3)
        o = out64(SN, {"weight": w, "u": u}, {"iterations": 3}, wrt=["weight"])
        uu = o["u"]
        sigma = float(o["sigma"])
        # The oracle's own iteration recomputed in numpy, for the last v.
        uk = u.copy()
        for _ in range(3):
            vk = w.T @ uk
            vk /= np.linalg.norm(vk)
            uk = w @ vk
            uk /= np.linalg.norm(uk)
        v_last = vk

        def f(m):
            return np.sum(m / (uu @ m @ v_last))

        self.assertAlmostEqual(float(uu @ w @ v_last), sigma, places=13)
        h = 1e-6
        g = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            p, m = w.copy(), w.copy()
            p[idx] += h
            m[idx] -= h
            g[idx] = (f(p) - f(m)) / (2 * h)
        np.testing.assert_allclose(o["grad:normalized:weight"], g, rtol=1e-6, atol=1e-7)

    def test_bad_inputs(self) -> None:
        with self.assertRaises(OracleReplyError) as ctx:
            out64(SN, {"weight": np.ones((2, 2)), "u": np.ones(3)})
        self.assertEqual(ctx.exception.code, "BAD_PARAMS")
        with self.assertRaises(OracleReplyError) as ctx:
            out64(SN, {"weight": np.ones((2, 2)), "u": np.ones(2)}, {"iterations": 0})
        self.assertEqual(ctx.exception.code, "BAD_PARAMS")


class MinibatchDiscriminationTest(unittest.TestCase, GradientMixin):
    def test_closed_form(self) -> None:
        o = out64(MBD, {"features": np.array([[1.0], [2.0]]), "tensor": np.ones((1, 1, 1))})
        e = 1 + math.exp(-1)
        np.testing.assert_allclose(o["output"], [[1.0, e], [2.0, e]], rtol=1e-15)

    def test_bounds_identical_rows_and_equivariance(self) -> None:
        rng = np.random.default_rng(3)
        t = rng.uniform(-1, 1, (3, 2, 2))
        same = np.tile(rng.uniform(-2, 2, (1, 3)), (4, 1))
        np.testing.assert_array_equal(out64(MBD, {"features": same, "tensor": t})["output"][:, 3:], 4.0)
        f = rng.uniform(-2, 2, (5, 3))
        o = out64(MBD, {"features": f, "tensor": t})["output"]
        self.assertTrue(np.all(o[:, 3:] >= 1) and np.all(o[:, 3:] <= 5))
        perm = rng.permutation(5)
        np.testing.assert_allclose(out64(MBD, {"features": f[perm], "tensor": t})["output"], o[perm], rtol=1e-14)

    def test_gradients(self) -> None:
        rng = np.random.default_rng(4)
        self.check_grads(
            MBD, {"features": rng.uniform(-2, 2, (3, 2)), "tensor": rng.uniform(-1, 1, (2, 2, 2))}, {}, ["output"]
        )


class VirtualBatchNormTest(unittest.TestCase, GradientMixin):
    def test_closed_form(self) -> None:
        inputs = {
            "x": np.array([[1.0], [3.0]]),
            "reference": np.array([[0.0], [2.0]]),
            "gamma": np.ones(1),
            "beta": np.zeros(1),
        }
        o = out64(VBN, inputs, {"epsilon": 1e-5})
        np.testing.assert_allclose(
            o["normalized"][:, 0], [0.0, (4 / 3) / math.sqrt(14 / 9 + 1e-5)], rtol=1e-14, atol=1e-15
        )
        np.testing.assert_allclose(
            o["referenceNormalized"][:, 0], [-1 / math.sqrt(1 + 1e-5), 1 / math.sqrt(1 + 1e-5)], rtol=1e-14
        )

    def test_examples_independent_and_constant_features(self) -> None:
        rng = np.random.default_rng(6)
        ref, g, b = rng.uniform(-3, 3, (4, 3)), rng.uniform(0.5, 2, 3), rng.uniform(-1, 1, 3)
        x = rng.uniform(-3, 3, (3, 3))
        full = out64(VBN, {"x": x, "reference": ref, "gamma": g, "beta": b})["normalized"]
        alone = out64(VBN, {"x": x[:1], "reference": ref, "gamma": g, "beta": b})["normalized"]
        np.testing.assert_allclose(full[:1], alone, rtol=1e-15)
        const = np.full((3, 2), 5.0)
        o = out64(
            VBN, {"x": const[:2], "reference": const, "gamma": np.ones(2), "beta": np.zeros(2)}, wrt=["x", "reference"]
        )
        self.assertTrue(all(np.all(np.isfinite(v)) for v in o.values()))

    def test_gradients(self) -> None:
        rng = np.random.default_rng(7)
        inputs = {
            "x": rng.uniform(-2, 2, (2, 2)),
            "reference": rng.uniform(-2, 2, (3, 2)),
            "gamma": rng.uniform(0.5, 2, 2),
            "beta": rng.uniform(-1, 1, 2),
        }
        self.check_grads(VBN, inputs, {"epsilon": 1e-3}, ["normalized", "referenceNormalized"], rtol=1e-5, atol=1e-7)

    def test_bad_epsilon(self) -> None:
        with self.assertRaises(OracleReplyError) as ctx:
            out64(
                VBN,
                {"x": np.ones((1, 1)), "reference": np.ones((1, 1)), "gamma": np.ones(1), "beta": np.zeros(1)},
                {"epsilon": 0},
            )
        self.assertEqual(ctx.exception.code, "BAD_PARAMS")


class InstanceNoiseTest(unittest.TestCase, GradientMixin):
    def test_schedules(self) -> None:
        x, e = np.array([1.0, -2.0]), np.array([1.0, 0.5])
        cases = [("linear", 0, 0.5), ("linear", 50, 0.25), ("linear", 250, 0.0), ("exponential", 100, 0.5 / math.e)]
        for schedule, step, sigma in cases:
            o = out64(IN, {"x": x, "noise": e}, {"schedule": schedule, "sigma0": 0.5, "steps": 100, "step": step})
            self.assertAlmostEqual(float(o["sigma"]), sigma, places=15)
            np.testing.assert_allclose(o["noised"], x + sigma * e, rtol=1e-15)

    def test_gradients(self) -> None:
        o = out64(
            IN,
            {"x": np.ones((2, 2)), "noise": np.ones((2, 2))},
            {"sigma0": 0.5, "steps": 100, "step": 50},
            wrt=["x", "noise"],
        )
        np.testing.assert_array_equal(o["grad:noised:x"], 1.0)
        np.testing.assert_allclose(o["grad:noised:noise"], 0.25, rtol=1e-15)
        self.assertTrue(np.all(o["grad:sigma:x"] == 0))


class PullingAwayTest(unittest.TestCase, GradientMixin):
    def test_closed_forms(self) -> None:
        self.assertAlmostEqual(
            float(out64(PT, {"representations": np.array([[1.0, 0.0], [1.0, 1.0]])})["value"]), 0.5, places=15
        )
        self.assertEqual(float(out64(PT, {"representations": np.diag([1.0, 2.0, -3.0])})["value"]), 0.0)
        self.assertAlmostEqual(
            float(out64(PT, {"representations": np.array([[1.0, 2.0], [-2.0, -4.0], [0.5, 1.0]])})["value"]),
            1.0,
            places=15,
        )
        # a zero row is orthogonal to everything: pairs (0, 2) and (2, 0) only
        s = np.array([[1.0, 2.0], [0.0, 0.0], [3.0, -1.0]])
        cos2 = (1 * 3 + 2 * -1) ** 2 / (5 * 10)
        o = out64(PT, {"representations": s}, wrt=["representations"])
        self.assertAlmostEqual(float(o["value"]), 2 * cos2 / 6, places=15)
        self.assertTrue(np.all(np.isfinite(o["grad:value:representations"])))

    def test_scale_invariance_and_gradients(self) -> None:
        rng = np.random.default_rng(8)
        s = rng.uniform(-3, 3, (4, 3))
        v = float(out64(PT, {"representations": s})["value"])
        scaled = s * np.array([[1e-20], [-3.0], [1e4], [0.5]])
        self.assertAlmostEqual(float(out64(PT, {"representations": scaled})["value"]), v, places=14)
        self.check_grads(PT, {"representations": s}, {}, ["value"], rtol=1e-5, atol=1e-8)

    def test_one_row_refused(self) -> None:
        with self.assertRaises(OracleReplyError) as ctx:
            out64(PT, {"representations": np.ones((1, 3))})
        self.assertEqual(ctx.exception.code, "BAD_PARAMS")


if __name__ == "__main__":
    unittest.main()
