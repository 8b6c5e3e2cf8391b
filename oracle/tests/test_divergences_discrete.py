"""The discrete divergences and the 1-D Wasserstein distance, through the server: closed-form
values, zero-mass conventions, gradients and Hessian-vector products against central finite
differences in float64, and float32 results against float64 ones."""

from __future__ import annotations

import math
import os
import sys
import unittest
from decimal import Decimal, getcontext
from typing import Dict, List

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _support import Client, OracleProcess  # noqa: E402

ORACLE: OracleProcess
CLIENT: Client

DIVERGENCES = (
    "divergence/reverse-kl",
    "divergence/total-variation",
    "divergence/squared-hellinger",
    "divergence/pearson-chi2",
    "divergence/neyman-chi2",
)
W1 = "divergence/wasserstein-1d"


def setUpModule() -> None:
    global ORACLE, CLIENT
    ORACLE = OracleProcess()
    CLIENT = Client(ORACLE.endpoint)


def tearDownModule() -> None:
    CLIENT.close()
    ORACLE.close()


def a(*values) -> np.ndarray:
    return np.array(values, dtype=np.float64)


def value(spec, inputs, compute="float64"):
    return CLIENT.eval(spec, inputs, compute=(compute,))[("value", compute)]


def div(spec, p, q, compute="float64") -> np.ndarray:
    return value(spec, {"p": p, "q": q}, compute)


def reference(spec: str, p, q) -> float:
    """50-digit reference from the definitions, for positive masses."""
    getcontext().prec = 50
    total = Decimal(0)
    for pi, qi in zip(p, q):
        dp, dq = Decimal(float(pi)), Decimal(float(qi))
        if spec.endswith("reverse-kl"):
            total += dq * (dq / dp).ln()
        elif spec.endswith("total-variation"):
            total += abs(dp - dq) / 2
        elif spec.endswith("squared-hellinger"):
            total += (dp.sqrt() - dq.sqrt()) ** 2
        elif spec.endswith("pearson-chi2"):
            total += (dp - dq) ** 2 / dq
        else:
            total += (dp - dq) ** 2 / dp
    return float(total)


def simplex(rng: np.random.Generator, shape) -> np.ndarray:
    x = rng.uniform(0.05, 1.0, size=shape)
    return x / x.sum(axis=-1, keepdims=True)


class ClosedFormTest(unittest.TestCase):
    def test_hand_values(self) -> None:
        p, q = a(0.2, 0.8), a(0.6, 0.4)
        expected = {
            "divergence/reverse-kl": 0.6 * math.log(3.0) + 0.4 * math.log(0.5),
            "divergence/total-variation": 0.4,
            "divergence/squared-hellinger": (math.sqrt(0.2) - math.sqrt(0.6)) ** 2
            + (math.sqrt(0.8) - math.sqrt(0.4)) ** 2,
            "divergence/pearson-chi2": 0.16 / 0.6 + 0.16 / 0.4,
            "divergence/neyman-chi2": 0.16 / 0.2 + 0.16 / 0.8,
        }
        for spec, e in expected.items():
            with self.subTest(spec=spec):
                self.assertAlmostEqual(float(div(spec, p, q)), e, places=14)
        self.assertAlmostEqual(
            float(div("divergence/squared-hellinger", a(0.25, 0.75), a(0.75, 0.25))), 2 - math.sqrt(3), places=15
        )

    def test_equal_distributions_give_zero(self) -> None:
        p = a(0.1, 0.2, 0.7, 0.0)
        for spec in DIVERGENCES:
            for compute in ("float64", "float32"):
                with self.subTest(spec=spec, compute=compute):
                    self.assertEqual(float(div(spec, p, p, compute)), 0.0)

    def test_disjoint_supports(self) -> None:
        p, q = a(0.3, 0.7, 0.0, 0.0), a(0.0, 0.0, 0.5, 0.5)
        self.assertEqual(float(div("divergence/total-variation", p, q)), 1.0)
        self.assertEqual(float(div("divergence/squared-hellinger", p, q)), 2.0)
        for spec in ("divergence/reverse-kl", "divergence/pearson-chi2", "divergence/neyman-chi2"):
            self.assertEqual(float(div(spec, p, q)), math.inf, spec)

    def test_zero_mass_conventions(self) -> None:
        # p_i = 0 < q_i
        p, q = a(1.0, 0.0), a(0.5, 0.5)
        self.assertEqual(float(div("divergence/reverse-kl", p, q)), math.inf)
        self.assertEqual(float(div("divergence/neyman-chi2", p, q)), math.inf)
        self.assertAlmostEqual(float(div("divergence/pearson-chi2", p, q)), 1.0, places=15)
        self.assertAlmostEqual(
            float(div("divergence/squared-hellinger", p, q)), (1 - math.sqrt(0.5)) ** 2 + 0.5, places=15
        )
        # q_i = 0 < p_i: the mirror image
        self.assertAlmostEqual(float(div("divergence/reverse-kl", q, p)), math.log(2.0), places=15)
        self.assertEqual(float(div("divergence/pearson-chi2", q, p)), math.inf)
        self.assertAlmostEqual(float(div("divergence/neyman-chi2", q, p)), 1.0, places=15)
        # a category empty in both contributes nothing, in both dtypes
        p0, q0 = a(0.5, 0.5, 0.0), a(0.25, 0.75, 0.0)
        for spec in DIVERGENCES:
            for compute in ("float64", "float32"):
                with self.subTest(spec=spec, compute=compute):
                    got = float(div(spec, p0, q0, compute))
                    self.assertTrue(math.isfinite(got))
                    self.assertAlmostEqual(
                        got, reference(spec, p0[:2], q0[:2]), places=6 if compute == "float32" else 14
                    )

    def test_boundary_gradients_are_not_nan(self) -> None:
        p, q = a(0.0, 0.5, 0.5, 0.0), a(0.5, 0.0, 0.5, 0.0)
        for spec in DIVERGENCES:
            with self.subTest(spec=spec):
                out = CLIENT.eval(
                    spec, {"p": p, "q": q}, wrt=["p", "q"], directions={"p": a(1, 1, 1, 1), "q": a(1, -1, 1, -1)}
                )
                for key, v in out.items():
                    # values and gradients (one-sided limits) exist; a second derivative at a
                    # zero mass may be inf - inf and is not checked
                    if not key[0].startswith("hvp:"):
                        self.assertFalse(np.isnan(v).any(), (spec, key, v))
                    if key[0] != "value":
                        # the category empty in both has derivatives 0, first and second order
                        self.assertEqual(float(v[3]), 0.0, (spec, key, v))

    def test_batch_and_symmetries(self) -> None:
        rng = np.random.default_rng(7)
        p, q = simplex(rng, (3, 2, 5)), simplex(rng, (3, 2, 5))
        for spec in DIVERGENCES:
            with self.subTest(spec=spec):
                out = div(spec, p, q)
                self.assertEqual(out.shape, (3, 2))
                for i in np.ndindex(3, 2):
                    self.assertAlmostEqual(float(out[i]), float(div(spec, p[i], q[i])), places=14)
        for spec in ("divergence/total-variation", "divergence/squared-hellinger"):
            np.testing.assert_allclose(div(spec, p, q), div(spec, q, p), rtol=1e-15)
        np.testing.assert_allclose(
            div("divergence/reverse-kl", p, q), value("divergence/kl", {"p": q, "q": p}), rtol=1e-14
        )
        np.testing.assert_allclose(
            div("divergence/neyman-chi2", p, q), div("divergence/pearson-chi2", q, p), rtol=1e-14
        )

    def test_matches_50_digit_references(self) -> None:
        rng = np.random.default_rng(3)
        for trial in range(5):
            p = simplex(rng, (6,))
            # also near-equal pairs, where careless formulas lose every digit
            q = simplex(rng, (6,)) if trial < 3 else p * (1 + 1e-6 * rng.normal(size=6))
            for spec in DIVERGENCES:
                with self.subTest(spec=spec, trial=trial):
                    ref = reference(spec, p, q)
                    got = float(div(spec, p, q))
                    # the signed sum of reverse KL cancels for near-equal pairs: absolute check
                    tol = 1e-15 if spec.endswith("reverse-kl") and trial >= 3 else 1e-12 * abs(ref)
                    self.assertLessEqual(abs(got - ref), tol, (got, ref))

    def test_shape_errors(self) -> None:
        with self.assertRaisesRegex(Exception, "BAD_PARAMS"):
            div("divergence/pearson-chi2", a(0.5, 0.5), a(0.2, 0.3, 0.5))
        with self.assertRaisesRegex(Exception, "BAD_PARAMS"):
            div("divergence/total-variation", np.array(1.0), np.array(1.0))


class Wasserstein1dTest(unittest.TestCase):
    def w(self, x, y, compute="float64") -> float:
        return float(value(W1, {"x": np.asarray(x, dtype=np.float64), "y": np.asarray(y, dtype=np.float64)}, compute))

    def test_closed_forms(self) -> None:
        self.assertEqual(self.w([0.0], [1.0]), 1.0)
        self.assertAlmostEqual(self.w([0.0, 1.0], [0.5]), 0.5, places=15)
        self.assertAlmostEqual(self.w([0.0, 3.0], [1.0, 2.0, 4.0]), 7.0 / 6.0, places=15)
        # ordered supports: the difference of the means
        self.assertAlmostEqual(self.w([0.0, 1.0, 2.0], [10.0, 11.0, 12.0, 13.0]), 10.5, places=14)
        self.assertEqual(self.w([3.0, 1.0, 2.0], [2.0, 3.0, 1.0]), 0.0)

    def test_equal_sizes_match_sorted_differences(self) -> None:
        rng = np.random.default_rng(9)
        for n in (1, 2, 7, 50):
            x, y = rng.normal(size=n), rng.normal(2, 3, size=n)
            self.assertAlmostEqual(self.w(x, y), float(np.mean(np.abs(np.sort(x) - np.sort(y)))), places=12)

    def test_unequal_sizes_match_quantile_integral(self) -> None:
        # the quantile form int_0^1 |F^-1(t) - G^-1(t)| dt on a fine midpoint grid of t whose
        # cells never straddle a breakpoint i/n or j/m (the grid is a multiple of n*m)
        rng = np.random.default_rng(10)
        for n, m in ((2, 3), (5, 3), (1, 4), (7, 11)):
            x, y = np.sort(rng.normal(size=n)), np.sort(rng.uniform(-2, 2, size=m))
            cells = n * m * 4
            t = (np.arange(cells) + 0.5) / cells
            qx = x[np.minimum((t * n).astype(int), n - 1)]
            qy = y[np.minimum((t * m).astype(int), m - 1)]
            self.assertAlmostEqual(self.w(x, y), float(np.mean(np.abs(qx - qy))), places=12)

    def test_invariances(self) -> None:
        rng = np.random.default_rng(12)
        x, y = rng.normal(size=6), rng.normal(1, 2, size=9)
        base = self.w(x, y)
        self.assertAlmostEqual(self.w(y, x), base, places=14)
        self.assertAlmostEqual(self.w(x + 3.5, y + 3.5), base, places=12)
        self.assertAlmostEqual(self.w(-2.0 * x, -2.0 * y), 2.0 * base, places=12)
        self.assertEqual(self.w(rng.permutation(x), rng.permutation(y)), base)

    def test_rank_and_size_errors(self) -> None:
        with self.assertRaisesRegex(Exception, "BAD_PARAMS"):
            value(W1, {"x": np.ones((2, 2)), "y": np.ones(2)})
        with self.assertRaisesRegex(Exception, "BAD_PARAMS"):
            value(W1, {"x": np.ones(2), "y": np.ones(0)})


def cases() -> List[Dict]:
    rng = np.random.default_rng(20240612)
    out = [dict(spec=spec, inputs={"p": simplex(rng, (2, 4)), "q": simplex(rng, (2, 4))}) for spec in DIVERGENCES]
    for n, m in ((4, 4), (3, 5), (1, 2)):
        out.append(dict(spec=W1, inputs={"x": rng.normal(size=n), "y": rng.normal(size=m)}))
    return out


def summed(spec, inputs) -> float:
    return float(np.sum(CLIENT.eval(spec, inputs)[("value", "float64")]))


class GradientTest(unittest.TestCase):
    def test_gradients_match_central_differences(self) -> None:
        h = 1e-6
        for case in cases():
            spec, inputs = case["spec"], case["inputs"]
            wrt = sorted(inputs)
            out = CLIENT.eval(spec, inputs, wrt=wrt)
            for x in wrt:
                with self.subTest(spec=spec, wrt=x):
                    g = out[(f"grad:value:{x}", "float64")]
                    fd = np.zeros_like(inputs[x])
                    for i in np.ndindex(inputs[x].shape):
                        plus = {k: v.copy() for k, v in inputs.items()}
                        minus = {k: v.copy() for k, v in inputs.items()}
                        plus[x][i] += h
                        minus[x][i] -= h
                        fd[i] = (summed(spec, plus) - summed(spec, minus)) / (2 * h)
                    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-7)

    def test_hvp_matches_differences_of_gradients(self) -> None:
        rng = np.random.default_rng(5)
        h = 1e-5
        for case in cases():
            spec, inputs = case["spec"], case["inputs"]
            wrt = sorted(inputs)
            dirs = {x: rng.normal(size=inputs[x].shape) for x in wrt}
            out = CLIENT.eval(spec, inputs, wrt=wrt, directions=dirs)
            gp = CLIENT.eval(spec, {k: v + h * dirs[k] for k, v in inputs.items()}, wrt=wrt)
            gm = CLIENT.eval(spec, {k: v - h * dirs[k] for k, v in inputs.items()}, wrt=wrt)
            for x in wrt:
                with self.subTest(spec=spec, wrt=x):
                    fd = (gp[(f"grad:value:{x}", "float64")] - gm[(f"grad:value:{x}", "float64")]) / (2 * h)
                    np.testing.assert_allclose(out[(f"hvp:value:{x}", "float64")], fd, rtol=1e-5, atol=1e-6)
                    if spec in (W1, "divergence/total-variation"):
                        # piecewise linear: the Hessian is exactly 0 (repeatable, not garbage)
                        np.testing.assert_array_equal(out[(f"hvp:value:{x}", "float64")], 0.0)

    def test_float32_close_to_float64(self) -> None:
        rng = np.random.default_rng(11)
        for case in cases():
            spec, inputs = case["spec"], case["inputs"]
            wrt = sorted(inputs)
            dirs = {x: rng.normal(size=inputs[x].shape) for x in wrt}
            out = CLIENT.eval(spec, inputs, wrt=wrt, directions=dirs, compute=("float64", "float32"))
            for name in {k for k, _ in out}:
                with self.subTest(spec=spec, name=name):
                    np.testing.assert_allclose(out[(name, "float32")], out[(name, "float64")], rtol=2e-4, atol=2e-5)


if __name__ == "__main__":
    unittest.main()
