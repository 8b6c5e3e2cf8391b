"""The metrics (``metric/*``) through the server: closed forms, the conventions (0 log 0, the
3-sigma rule, ties), gradients against central finite differences in float64, the Frechet
distance against an independent scipy-free eigendecomposition route, and refused inputs."""

from __future__ import annotations

import math
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _support import Client, OracleProcess, OracleReplyError  # noqa: E402

ORACLE: OracleProcess
CLIENT: Client


def setUpModule() -> None:
    global ORACLE, CLIENT
    ORACLE = OracleProcess()
    CLIENT = Client(ORACLE.endpoint)


def tearDownModule() -> None:
    CLIENT.close()
    ORACLE.close()


def m(*rows) -> np.ndarray:
    return np.array(rows, dtype=np.float64)


def run(spec, inputs, params=None, output="value", compute="float64"):
    return CLIENT.eval(spec, inputs, params=params, compute=(compute,))[(output, compute)]


def fd_gradient(spec, inputs, name, params=None, h=1e-6):
    """Central finite differences of the value wrt one input, in float64."""
    base = inputs[name]
    grad = np.zeros_like(base)
    for idx in np.ndindex(base.shape):
        plus, minus = base.copy(), base.copy()
        plus[idx] += h
        minus[idx] -= h
        fp = float(run(spec, {**inputs, name: plus}, params))
        fm = float(run(spec, {**inputs, name: minus}, params))
        grad[idx] = (fp - fm) / (2 * h)
    return grad


def fid_numpy(x: np.ndarray, y: np.ndarray) -> float:
    """FID as TTUR's fid.py defines it, with the square root by numpy's eigh of the symmetric form."""
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False, ddof=1), np.cov(y, rowvar=False, ddof=1)
    s1, s2 = np.atleast_2d(s1), np.atleast_2d(s2)
    w, v = np.linalg.eigh(s1)
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    inner = np.linalg.eigvalsh(root1 @ s2 @ root1)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(np.clip(inner, 0, None)).sum())


class InceptionScoreTest(unittest.TestCase):
    spec = "metric/inception-score"

    def test_closed_forms(self) -> None:
        self.assertAlmostEqual(float(run(self.spec, {"probabilities": np.eye(4)})), 4.0, places=13)
        same = m([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])
        self.assertAlmostEqual(float(run(self.spec, {"probabilities": same})), 1.0, places=14)
        # one-hots 2 : 1: exp(H(2/3, 1/3))
        h = -(2 / 3) * math.log(2 / 3) - (1 / 3) * math.log(1 / 3)
        self.assertAlmostEqual(
            float(run(self.spec, {"probabilities": m([1, 0], [1, 0], [0, 1])})), math.exp(h), places=13
        )

    def test_matches_the_kl_form(self) -> None:
        rng = np.random.default_rng(1)
        p = rng.uniform(0.05, 1, size=(6, 5))
        p /= p.sum(1, keepdims=True)
        marginal = p.mean(0)
        expected = math.exp(np.mean((p * np.log(p / marginal)).sum(1)))
        self.assertAlmostEqual(float(run(self.spec, {"probabilities": p})), expected, places=12)

    def test_gradient(self) -> None:
        rng = np.random.default_rng(2)
        p = rng.uniform(0.05, 1, size=(4, 3))
        p /= p.sum(1, keepdims=True)
        out = CLIENT.eval(self.spec, {"probabilities": p}, wrt=["probabilities"])
        value = float(out[("value", "float64")])
        closed = value * np.log(p / p.mean(0)) / p.shape[0]
        np.testing.assert_allclose(out[("grad:value:probabilities", "float64")], closed, rtol=1e-12, atol=1e-14)

    def test_zero_masses_are_finite(self) -> None:
        out = CLIENT.eval(self.spec, {"probabilities": m([1, 0], [0.5, 0.5])}, compute=("float64", "float32"))
        for compute in ("float64", "float32"):
            self.assertTrue(math.isfinite(float(out[("value", compute)])))

    def test_refuses_bad_inputs(self) -> None:
        for bad in (np.array([0.5, 0.5]), m([1.5, -0.5]), m([math.nan, 1.0])):
            with self.subTest(bad=bad.tolist()), self.assertRaises(OracleReplyError):
                run(self.spec, {"probabilities": bad})


class FrechetDistanceTest(unittest.TestCase):
    spec = "metric/frechet-distance"

    def test_one_dimension(self) -> None:
        x, y = m([0.0], [2.0]), m([1.0], [1.0], [4.0])
        expected = 1 + (math.sqrt(2) - math.sqrt(3)) ** 2
        self.assertAlmostEqual(float(run(self.spec, {"x": x, "y": y})), expected, places=13)

    def test_against_the_eigh_route_and_properties(self) -> None:
        rng = np.random.default_rng(3)
        for n, m_, d in ((6, 7, 3), (3, 5, 4), (10, 4, 2), (2, 2, 5)):
            x = rng.normal(size=(n, d))
            y = rng.normal(size=(m_, d)) * 2 + 1
            with self.subTest(n=n, m=m_, d=d):
                got = float(run(self.spec, {"x": x, "y": y}))
                # With a singular covariance (n <= d) the eigh route takes square roots of
                # eigenvalues that are 0 up to float64 rounding (~1e-16), an error of ~1e-8: the
                # reason the oracle uses the nuclear norm, which needs no square root of them.
                places = 10 if min(n, m_) > d else 6
                self.assertAlmostEqual(got, fid_numpy(x, y), places=places)
                self.assertAlmostEqual(float(run(self.spec, {"x": y, "y": x})), got, places=10)
                self.assertAlmostEqual(float(run(self.spec, {"x": x, "y": x})), 0.0, places=10)

    def test_diagonal_covariances(self) -> None:
        x = m([1, 0], [-1, 0], [0, 3], [0, -3])
        y = m([2, 0], [-2, 0], [0, 1], [0, -1]) + 5
        s1 = np.sqrt(np.array([2, 18]) / 3)
        s2 = np.sqrt(np.array([8, 2]) / 3)
        expected = 50 + ((s1 - s2) ** 2).sum()
        self.assertAlmostEqual(float(run(self.spec, {"x": x, "y": y})), expected, places=12)

    def test_gradient(self) -> None:
        rng = np.random.default_rng(4)
        inputs = {"x": rng.normal(size=(6, 3)), "y": rng.normal(size=(5, 3)) + 0.5}
        out = CLIENT.eval(self.spec, inputs, wrt=["x", "y"])
        for name in ("x", "y"):
            with self.subTest(wrt=name):
                np.testing.assert_allclose(
                    out[(f"grad:value:{name}", "float64")], fd_gradient(self.spec, inputs, name), rtol=1e-6, atol=1e-8
                )

    def test_refuses_bad_inputs(self) -> None:
        for x, y in (
            (m([1.0]), m([1.0], [2.0])),
            (m([1.0, 2.0], [3.0, 4.0]), m([1.0], [2.0])),
            (m([math.inf], [1.0]), m([1.0], [2.0])),
        ):
            with self.subTest(x=x.tolist(), y=y.tolist()), self.assertRaises(OracleReplyError):
                run(self.spec, {"x": x, "y": y})


class ParzenTest(unittest.TestCase):
    spec = "metric/parzen-log-likelihood"

    def test_one_sample_is_the_gaussian_log_density(self) -> None:
        got = float(run(self.spec, {"test": m([3.0]), "samples": m([1.0])}, {"sigma": 0.5}))
        self.assertAlmostEqual(got, -8 - 0.5 * math.log(math.pi / 2), places=13)

    def test_far_points_stay_finite(self) -> None:
        for compute in ("float64", "float32"):
            got = float(
                run(self.spec, {"test": m([1e3, -1e3]), "samples": m([0, 0], [1, 1])}, {"sigma": 0.1}, compute=compute)
            )
            self.assertTrue(math.isfinite(got))
            self.assertLess(got, -1e7)

    def test_matches_a_direct_sum(self) -> None:
        rng = np.random.default_rng(5)
        test, samples, sigma = rng.normal(size=(4, 2)), rng.normal(size=(7, 2)), 0.7
        d2 = ((test[:, None, :] - samples[None, :, :]) ** 2).sum(-1)
        dens = np.exp(-d2 / (2 * sigma**2)).mean(1) / (2 * math.pi * sigma**2)
        got = float(run(self.spec, {"test": test, "samples": samples}, {"sigma": sigma}))
        self.assertAlmostEqual(got, float(np.log(dens).mean()), places=12)

    def test_gradient(self) -> None:
        rng = np.random.default_rng(6)
        inputs = {"test": rng.normal(size=(3, 2)), "samples": rng.normal(size=(4, 2))}
        out = CLIENT.eval(self.spec, inputs, params={"sigma": 0.8}, wrt=["test", "samples"])
        for name in ("test", "samples"):
            with self.subTest(wrt=name):
                np.testing.assert_allclose(
                    out[(f"grad:value:{name}", "float64")],
                    fd_gradient(self.spec, inputs, name, {"sigma": 0.8}),
                    rtol=1e-6,
                    atol=1e-8,
                )

    def test_sigma_is_required_and_positive(self) -> None:
        for params in ({}, {"sigma": 0}, {"sigma": -1}):
            with self.subTest(params=params), self.assertRaises(OracleReplyError):
                run(self.spec, {"test": m([0.0]), "samples": m([0.0])}, params)


class ModeCoverageTest(unittest.TestCase):
    spec = "metric/mode-coverage"

    def cover(self, samples, centres, **params):
        out = CLIENT.eval(self.spec, {"samples": samples, "centres": centres}, params=params)
        return (
            float(out[("modes", "float64")]),
            float(out[("highQuality", "float64")]),
            out[("counts", "float64")].tolist(),
        )

    def test_three_sigma_boundary(self) -> None:
        modes, share, counts = self.cover(m([3, 0], [0, 3.0001], [10, 0]), m([0, 0], [10, 0]), sigma=1)
        self.assertEqual((modes, counts), (2.0, [1.0, 1.0]))
        self.assertAlmostEqual(share, 2 / 3, places=15)

    def test_tie_goes_to_the_first_centre(self) -> None:
        self.assertEqual(self.cover(m([5, 0]), m([0, 0], [10, 0]), sigma=2)[2], [1.0, 0.0])

    def test_min_samples(self) -> None:
        samples, centres = m([0, 0], [0, 0.1], [4, 4]), m([0, 0], [4, 4])
        self.assertEqual(self.cover(samples, centres, sigma=0.05)[0], 2.0)
        self.assertEqual(self.cover(samples, centres, sigma=0.05, minSamples=2)[0], 1.0)

    def test_ring_samples(self) -> None:
        rng = np.random.default_rng(7)
        angles = 2 * np.pi * np.arange(8) / 8
        centres = 2 * np.stack([np.cos(angles), np.sin(angles)], 1)
        samples = centres[rng.integers(0, 8, size=500)] + 0.02 * rng.normal(size=(500, 2))
        modes, share, _ = self.cover(samples, centres, sigma=0.02)
        self.assertEqual(modes, 8.0)
        self.assertGreater(share, 0.95)

    def test_refuses_bad_params(self) -> None:
        for params in ({}, {"sigma": 1, "minSamples": 0}, {"sigma": 1, "minSamples": 1.5}, {"sigma": 1, "within": 0}):
            with self.subTest(params=params), self.assertRaises(OracleReplyError):
                self.cover(m([0, 0]), m([0, 0]), **params)


if __name__ == "__main__":
    unittest.main()
