"""Values of every spec on hand-computed cases, through the server."""

from __future__ import annotations

import math
import unittest

import numpy as np

from _support import Client, OracleProcess

ORACLE: OracleProcess
CLIENT: Client

LOG2 = math.log(2.0)


def setUpModule() -> None:
    global ORACLE, CLIENT
    ORACLE = OracleProcess()
    CLIENT = Client(ORACLE.endpoint)


def tearDownModule() -> None:
    CLIENT.close()
    ORACLE.close()


def sp(t: float) -> float:
    """softplus, by hand."""
    return max(t, 0.0) + math.log1p(math.exp(-abs(t)))


def a(*values) -> np.ndarray:
    return np.array(values, dtype=np.float64)


def value(spec, inputs, output="value", compute="float64", **kw):
    out = CLIENT.eval(spec, inputs, compute=(compute,), **kw)
    return out[(output, compute)]


class DivergenceTest(unittest.TestCase):
    def kl(self, p, q, **kw):
        return value("divergence/kl", {"p": p, "q": q}, **kw)

    def js(self, p, q, **kw):
        return value("divergence/jensen-shannon", {"p": p, "q": q}, **kw)

    def test_kl_equal_is_zero(self) -> None:
        p = a(0.1, 0.2, 0.7)
        self.assertEqual(float(self.kl(p, p)), 0.0)

    def test_kl_hand_values(self) -> None:
        self.assertAlmostEqual(float(self.kl(a(1.0, 0.0), a(0.5, 0.5))), LOG2, places=15)
        p, q = a(0.2, 0.8), a(0.6, 0.4)
        expected = 0.2 * math.log(0.2 / 0.6) + 0.8 * math.log(0.8 / 0.4)
        self.assertAlmostEqual(float(self.kl(p, q)), expected, places=15)

    def test_kl_zero_masses(self) -> None:
        # 0 log(0/q) = 0, also for q = 0
        self.assertAlmostEqual(float(self.kl(a(0.5, 0.5, 0.0), a(0.25, 0.25, 0.5))), LOG2, places=15)
        self.assertEqual(float(self.kl(a(0.5, 0.5, 0.0), a(0.5, 0.5, 0.0))), 0.0)
        # p > 0 = q gives +inf, in both dtypes
        for compute in ("float64", "float32"):
            self.assertEqual(float(self.kl(a(0.5, 0.5), a(1.0, 0.0), compute=compute)), math.inf)

    def test_kl_batch(self) -> None:
        p = a(0.2, 0.8, 0.5, 0.5).reshape(2, 2)
        q = a(0.6, 0.4, 0.5, 0.5).reshape(2, 2)
        out = self.kl(p, q)
        self.assertEqual(out.shape, (2,))
        self.assertEqual(out[1], 0.0)
        out = self.kl(np.full((3, 1, 4), 0.25), np.full((3, 1, 4), 0.25))
        self.assertEqual(out.shape, (3, 1))

    def test_kl_boundary_gradients(self) -> None:
        out = CLIENT.eval("divergence/kl", {"p": a(0.0, 1.0, 0.0), "q": a(0.5, 0.5, 0.0)}, wrt=["p", "q"])
        gp, gq = out[("grad:value:p", "float64")], out[("grad:value:q", "float64")]
        # d/dq_i = -p_i / q_i: 0 where p_i = 0 (the term is identically 0 in q_i)
        np.testing.assert_array_equal(gq, [0.0, -2.0, 0.0])
        # d/dp_i = log(p_i/q_i) + 1, one-sided limit -inf at p_i = 0 < q_i; 0 where p_i = q_i = 0
        self.assertEqual(gp[0], -math.inf)
        self.assertAlmostEqual(gp[1], LOG2 + 1.0, places=15)
        self.assertEqual(gp[2], 0.0)

    def test_js_disjoint_is_log2(self) -> None:
        self.assertEqual(float(self.js(a(1.0, 0.0), a(0.0, 1.0))), LOG2)
        self.assertAlmostEqual(float(self.js(a(0.5, 0.5, 0.0, 0.0), a(0.0, 0.0, 0.25, 0.75))), LOG2, places=15)
        self.assertAlmostEqual(float(self.js(a(1.0, 0.0), a(0.0, 1.0), compute="float32")), LOG2, places=6)

    def test_js_equal_is_zero(self) -> None:
        p = a(0.3, 0.0, 0.7)
        self.assertEqual(float(self.js(p, p)), 0.0)

    def test_js_hand_value(self) -> None:
        p, q = a(1.0, 0.0), a(0.5, 0.5)
        m = (0.75, 0.25)
        expected = 0.5 * (1.0 * math.log(1.0 / m[0])) + 0.5 * (0.5 * math.log(0.5 / m[0]) + 0.5 * math.log(0.5 / m[1]))
        self.assertAlmostEqual(float(self.js(p, q)), expected, places=15)

    def test_js_symmetric_and_bounded(self) -> None:
        rng = np.random.default_rng(1)
        p = rng.dirichlet(np.ones(5), size=8)
        q = rng.dirichlet(np.ones(5), size=8)
        pq, qp = self.js(p, q), self.js(q, p)
        np.testing.assert_allclose(pq, qp, rtol=1e-13, atol=0)
        self.assertTrue(np.all(pq >= 0) and np.all(pq <= LOG2))

    def test_js_gradients_finite_at_zero_mass(self) -> None:
        out = CLIENT.eval("divergence/jensen-shannon", {"p": a(0.5, 0.5, 0.0), "q": a(0.0, 0.5, 0.5)}, wrt=["q"])
        g = out[("grad:value:q", "float64")]
        # dJSD/dq_i = 1/2 log(q_i / m_i): at q_i > 0 = p_i that is 1/2 log 2
        self.assertAlmostEqual(g[2], 0.5 * LOG2, places=15)
        self.assertAlmostEqual(g[1], 0.0, places=15)
        self.assertEqual(g[0], -math.inf)  # one-sided limit at q_0 = 0 < p_0


class TheoryTest(unittest.TestCase):
    def test_optimal_discriminator(self) -> None:
        d = value("theory/optimal-discriminator", {"pData": a(0.3, 3.0, 0.0, 2.0), "pG": a(0.3, 1.0, 5.0, 0.0)})
        np.testing.assert_array_equal(d, [0.5, 0.75, 0.0, 1.0])
        d = value(
            "theory/optimal-discriminator",
            {"pData": np.full((2, 3), 0.1), "pG": np.full((2, 3), 0.1)},
            compute="float32",
        )
        self.assertEqual(d.shape, (2, 3))
        self.assertTrue(np.all(d == np.float32(0.5)))

    def test_virtual_training_criterion_equal_is_minus_log4(self) -> None:
        for p in (a(0.25, 0.25, 0.5), a(1.0), a(0.1, 0.0, 0.9)):
            v = value("theory/virtual-training-criterion", {"pData": p, "pG": p})
            self.assertAlmostEqual(float(v), -math.log(4.0), places=15)

    def test_virtual_training_criterion_hand_values(self) -> None:
        # disjoint supports: D* = 1 on the data, 0 on the model, both logs vanish
        v = value("theory/virtual-training-criterion", {"pData": a(1.0, 0.0), "pG": a(0.0, 1.0)})
        self.assertEqual(float(v), 0.0)
        pd, pg = a(0.5, 0.5, 0.0), a(0.25, 0.25, 0.5)
        # points 1 and 2: D* = 2/3; point 3: D* = 0, pData log D* = 0 log 0 = 0, pG log 1 = 0
        expected = 2 * (0.5 * math.log(2 / 3) + 0.25 * math.log(1 / 3))
        v = value("theory/virtual-training-criterion", {"pData": pd, "pG": pg})
        self.assertAlmostEqual(float(v), expected, places=15)

    def test_virtual_training_criterion_matches_theorem_1(self) -> None:
        # C(G) = -log 4 + 2 JSD(pData || pG) (Goodfellow et al. 2014, eq. 6): two specs computed
        # independently must agree.
        rng = np.random.default_rng(7)
        pd = rng.dirichlet(np.ones(6), size=10)
        pg = rng.dirichlet(np.ones(6), size=10)
        pg[0, :3] = 0.0
        pg[0] /= pg[0].sum()
        c = value("theory/virtual-training-criterion", {"pData": pd, "pG": pg})
        js = value("divergence/jensen-shannon", {"p": pd, "q": pg})
        np.testing.assert_allclose(c, -math.log(4.0) + 2.0 * js, rtol=0, atol=1e-14)


class ObjectiveTest(unittest.TestCase):
    def objective(self, spec, real, fake, reduction="mean", compute="float64", weights=None, wrt=()):
        names = ("criticReal", "criticFake") if spec.endswith("wasserstein") else ("logitsReal", "logitsFake")
        inputs = {names[0]: real, names[1]: fake}
        if weights:
            inputs.update(weights)
        return CLIENT.eval(spec, inputs, params={"reduction": reduction}, compute=(compute,), wrt=wrt)

    def test_minimax_at_zero_logits(self) -> None:
        out = self.objective("objective/minimax", a(0.0, 0.0), a(0.0))
        self.assertAlmostEqual(float(out[("discriminator", "float64")]), 2 * LOG2, places=15)
        self.assertAlmostEqual(float(out[("generator", "float64")]), -LOG2, places=15)

    def test_hand_values_and_reductions(self) -> None:
        lr, lf = a(1.0, -2.0), a(0.5, 3.0)
        d_terms = [sp(-1.0) + sp(0.5), sp(2.0) + sp(3.0)]
        for reduction, reducer in (("mean", np.mean), ("sum", np.sum), ("none", np.asarray)):
            with self.subTest(reduction=reduction):
                mm = self.objective("objective/minimax", lr, lf, reduction)
                ns = self.objective("objective/non-saturating", lr, lf, reduction)
                np.testing.assert_allclose(mm[("discriminator", "float64")], reducer(d_terms), rtol=1e-15)
                np.testing.assert_allclose(ns[("discriminator", "float64")], reducer(d_terms), rtol=1e-15)
                np.testing.assert_allclose(mm[("generator", "float64")], -reducer([sp(0.5), sp(3.0)]), rtol=1e-15)
                np.testing.assert_allclose(ns[("generator", "float64")], reducer([sp(-0.5), sp(-3.0)]), rtol=1e-15)

    def test_weights(self) -> None:
        lr, lf = a(1.0, -2.0), a(0.5)
        w = {"weightsReal": a(1.0, 3.0), "weightsFake": a(2.0)}
        real = [sp(-1.0), sp(2.0)]
        out = self.objective("objective/minimax", lr, lf, "mean", weights=w)
        self.assertAlmostEqual(
            float(out[("discriminator", "float64")]), (real[0] + 3 * real[1]) / 4 + sp(0.5), places=14
        )
        self.assertAlmostEqual(float(out[("generator", "float64")]), -sp(0.5), places=15)
        out = self.objective("objective/minimax", lr, lf, "sum", weights=w)
        self.assertAlmostEqual(float(out[("discriminator", "float64")]), real[0] + 3 * real[1] + 2 * sp(0.5), places=14)
        out = self.objective(
            "objective/wasserstein", a(1.0, 2.0), a(4.0, 8.0), "none", weights={"weightsReal": a(1.0, 0.5)}
        )
        np.testing.assert_array_equal(out[("discriminator", "float64")], [3.0, 7.0])

    def test_extreme_logits_are_finite(self) -> None:
        big = 1e4
        for compute in ("float32", "float64"):
            for spec in ("objective/minimax", "objective/non-saturating"):
                with self.subTest(compute=compute, spec=spec):
                    out = self.objective(
                        spec, a(big, -big), a(-big, big), "none", compute, wrt=("logitsReal", "logitsFake")
                    )
                    for key, arr in out.items():
                        self.assertTrue(np.all(np.isfinite(arr)), (key, arr))
                    np.testing.assert_array_equal(out[("discriminator", compute)], [0.0, 2 * big])
            out = self.objective("objective/minimax", a(0.0), a(big), "mean", compute)
            self.assertEqual(float(out[("generator", compute)]), -big)
            out = self.objective("objective/non-saturating", a(0.0), a(-big), "mean", compute)
            self.assertEqual(float(out[("generator", compute)]), big)

    def test_saturation_of_generator_gradients(self) -> None:
        # Goodfellow et al. 2014, section 3: log(1 - D(G(z))) saturates when D rejects the
        # fakes (l_f -> -inf), log D(G(z)) does not.
        lf = a(-1e4, -30.0)
        mm = self.objective("objective/minimax", a(0.0, 0.0), lf, "sum", wrt=("logitsFake",))
        ns = self.objective("objective/non-saturating", a(0.0, 0.0), lf, "sum", wrt=("logitsFake",))
        g_mm = mm[("grad:generator:logitsFake", "float64")]
        g_ns = ns[("grad:generator:logitsFake", "float64")]
        self.assertEqual(g_mm[0], 0.0)
        self.assertAlmostEqual(g_mm[1] / -math.exp(-30.0), 1.0, places=12)
        np.testing.assert_allclose(g_ns, [-1.0, -1.0], rtol=1e-12)

    def test_wasserstein(self) -> None:
        cr, cf = a(1.0, 2.0, 3.0), a(0.0, -1.0, 4.0)
        out = self.objective("objective/wasserstein", cr, cf)
        self.assertEqual(float(out[("discriminator", "float64")]), -1.0)
        self.assertEqual(float(out[("generator", "float64")]), -1.0)
        shifted = self.objective("objective/wasserstein", cr + 10.0, cf + 10.0)
        self.assertEqual(float(shifted[("discriminator", "float64")]), -1.0)
        out = self.objective("objective/wasserstein", cr, cf, "none")
        np.testing.assert_array_equal(out[("discriminator", "float64")], cf - cr)
        np.testing.assert_array_equal(out[("generator", "float64")], -cf)

    def test_unequal_batches_with_reduction(self) -> None:
        out = self.objective("objective/wasserstein", a(1.0, 3.0), a(5.0), "mean")
        self.assertEqual(float(out[("discriminator", "float64")]), 3.0)


if __name__ == "__main__":
    unittest.main()
