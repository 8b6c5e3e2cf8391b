"""Loss objectives (least-squares, hinge, relativistic, label smoothing) through the server:
hand-computed values, parameters and their errors, and float64 gradients and Hessian-vector
products against central finite differences."""

from __future__ import annotations

import math
import unittest
from typing import Dict, List

import numpy as np

from _support import Client, OracleProcess, OracleReplyError

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


def losses(spec, real, fake, names=("criticReal", "criticFake"), compute="float64", **params):
    out = CLIENT.eval(spec, {names[0]: real, names[1]: fake}, params=params, compute=(compute,))
    return out[("discriminator", compute)], out[("generator", compute)]


class LeastSquaresTest(unittest.TestCase):
    SPEC = "objective/least-squares"

    def test_default_coding(self) -> None:
        d, g = losses(self.SPEC, a(1.0, 3.0), a(0.0, -2.0))
        # 1/2 mean((D_r - 1)^2) + 1/2 mean((D_f - 0)^2) = 1/2 * 2 + 1/2 * 2
        self.assertAlmostEqual(float(d), 0.5 * (0 + 4) / 2 + 0.5 * (0 + 4) / 2, places=14)
        self.assertAlmostEqual(float(g), 0.5 * (1 + 9) / 2, places=14)

    def test_coding_params(self) -> None:
        d, g = losses(self.SPEC, a(0.5), a(-0.5), a=-1, b=1, c=0, reduction="sum")
        self.assertAlmostEqual(float(d), 0.5 * 0.25 + 0.5 * 0.25, places=14)
        self.assertAlmostEqual(float(g), 0.5 * 0.25, places=14)

    def test_chi2_theorem(self) -> None:
        # Mao et al. 2017, section 3.2.2: with b - c = 1, b - a = 2 the criterion at D* is
        # 1/2 * sum (2 p_g - (p_d + p_g))^2 / (p_d + p_g).
        pd, pg = a(0.1, 0.6, 0.3), a(0.5, 0.25, 0.25)
        av, bv, cv = -1.0, 1.0, 0.0
        dstar = (bv * pd + av * pg) / (pd + pg)
        out = CLIENT.eval(
            self.SPEC,
            {"criticReal": dstar, "criticFake": dstar, "weightsFake": pd},
            params={"a": av, "b": bv, "c": cv, "reduction": "sum"},
        )
        on_data = float(out[("generator", "float64")])
        out = CLIENT.eval(
            self.SPEC,
            {"criticReal": dstar, "criticFake": dstar, "weightsFake": pg},
            params={"a": av, "b": bv, "c": cv, "reduction": "sum"},
        )
        on_model = float(out[("generator", "float64")])
        chi2 = float(np.sum((2 * pg - (pd + pg)) ** 2 / (pd + pg)))
        self.assertAlmostEqual(on_data + on_model, 0.5 * chi2, places=14)

    def test_bad_params(self) -> None:
        for params in ({"a": "0"}, {"b": True}, {"c": None}, {"d": 1}):
            with self.subTest(params=params):
                with self.assertRaises(OracleReplyError) as ctx:
                    losses(self.SPEC, a(1.0), a(0.0), **params)
                self.assertEqual(ctx.exception.code, "BAD_PARAMS")


class HingeTest(unittest.TestCase):
    SPEC = "objective/hinge"

    def test_values(self) -> None:
        d, g = losses(self.SPEC, a(0.0, 2.0, -1.0), a(0.5, -3.0))
        self.assertAlmostEqual(float(d), (1 + 0 + 2) / 3 + (1.5 + 0) / 2, places=14)
        self.assertAlmostEqual(float(g), -(0.5 - 3.0) / 2, places=14)

    def test_zero_past_the_margins_with_zero_gradients(self) -> None:
        out = CLIENT.eval(
            self.SPEC, {"criticReal": a(1.5, 1e4), "criticFake": a(-2.0, -1e4)}, wrt=["criticReal", "criticFake"]
        )
        self.assertEqual(float(out[("discriminator", "float64")]), 0.0)
        np.testing.assert_array_equal(out[("grad:discriminator:criticReal", "float64")], [0, 0])
        np.testing.assert_array_equal(out[("grad:discriminator:criticFake", "float64")], [0, 0])

    def test_none_reduction(self) -> None:
        d, _ = losses(self.SPEC, a(0.0, 0.0), a(0.0, 3.0), reduction="none")
        np.testing.assert_allclose(d, [2.0, 5.0], rtol=0, atol=0)


class RelativisticTest(unittest.TestCase):
    SPEC = "objective/relativistic"

    def test_standard_pairs(self) -> None:
        r, f = a(1.0, -2.0), a(0.5, 1.0)
        d, g = losses(self.SPEC, r, f)
        self.assertAlmostEqual(float(d), (sp(-(1.0 - 0.5)) + sp(-(-2.0 - 1.0))) / 2, places=14)
        self.assertAlmostEqual(float(g), (sp(-(0.5 - 1.0)) + sp(-(1.0 + 2.0))) / 2, places=14)

    def test_average(self) -> None:
        r, f = a(1.0, -2.0, 4.0), a(0.5, 1.0)
        mr, mf = 1.0, 0.75
        d, g = losses(self.SPEC, r, f, variant="average")
        exp_d = sum(sp(-(x - mf)) for x in r) / 3 + sum(sp(x - mr) for x in f) / 2
        exp_g = sum(sp(-(x - mr)) for x in f) / 2 + sum(sp(x - mf) for x in r) / 3
        self.assertAlmostEqual(float(d), exp_d, places=14)
        self.assertAlmostEqual(float(g), exp_g, places=14)

    def test_equal_critics(self) -> None:
        d, g = losses(self.SPEC, a(3.0, 3.0), a(3.0, 3.0))
        self.assertAlmostEqual(float(d), LOG2, places=15)
        self.assertAlmostEqual(float(g), LOG2, places=15)
        d, g = losses(self.SPEC, a(3.0), a(3.0, 3.0, 3.0), variant="average")
        self.assertAlmostEqual(float(d), 2 * LOG2, places=15)

    def test_shift_invariance(self) -> None:
        r, f = a(0.25, -1.5, 2.0), a(1.0, 0.125, -0.5)
        for variant in ("standard", "average"):
            base = losses(self.SPEC, r, f, variant=variant)
            shifted = losses(self.SPEC, r + 64.0, f + 64.0, variant=variant)
            for x, y in zip(base, shifted):
                self.assertAlmostEqual(float(x), float(y), places=12)

    def test_weights(self) -> None:
        r, f = a(1.0, -2.0), a(0.5, 1.0)
        wr, wf = a(2.0, 1.0), a(0.5, 3.0)
        out = CLIENT.eval(
            self.SPEC,
            {"criticReal": r, "criticFake": f, "weightsReal": wr, "weightsFake": wf},
            params={"variant": "standard"},
        )
        w = wr * wf
        terms = [sp(-(x - y)) for x, y in zip(r, f)]
        self.assertAlmostEqual(float(out[("discriminator", "float64")]), float(np.dot(w, terms) / w.sum()), places=14)
        out = CLIENT.eval(
            self.SPEC,
            {"criticReal": r, "criticFake": f, "weightsReal": wr, "weightsFake": wf},
            params={"variant": "average", "reduction": "sum"},
        )
        mr, mf = float(np.dot(wr, r) / wr.sum()), float(np.dot(wf, f) / wf.sum())
        exp = sum(w_ * sp(-(x - mf)) for w_, x in zip(wr, r)) + sum(w_ * sp(x - mr) for w_, x in zip(wf, f))
        self.assertAlmostEqual(float(out[("discriminator", "float64")]), exp, places=13)

    def test_extreme_scores_are_finite(self) -> None:
        for variant in ("standard", "average"):
            for compute in ("float64", "float32"):
                d, g = losses(self.SPEC, a(1e4, -1e4), a(-1e4, 1e4), variant=variant, compute=compute)
                self.assertTrue(np.isfinite(d).all() and np.isfinite(g).all())
                self.assertAlmostEqual(float(d), 1e4, delta=1e-3)  # both variants: mean of 0 and 2e4

    def test_refusals(self) -> None:
        with self.assertRaises(OracleReplyError) as ctx:
            losses(self.SPEC, a(1.0, 2.0), a(0.0))
        self.assertEqual(ctx.exception.code, "BAD_PARAMS")
        with self.assertRaises(OracleReplyError) as ctx:
            losses(self.SPEC, a(1.0), a(0.0), variant="avg")
        self.assertEqual(ctx.exception.code, "BAD_PARAMS")
        # unpaired batches are fine for the average variant
        losses(self.SPEC, a(1.0, 2.0), a(0.0), variant="average")


class LabelSmoothingTest(unittest.TestCase):
    SPEC = "objective/label-smoothing"
    NAMES = ("logitsReal", "logitsFake")

    def test_values(self) -> None:
        r, f = a(2.0, -1.0), a(0.5)
        d, g = losses(self.SPEC, r, f, names=self.NAMES, alpha=0.75)
        exp = sum(0.75 * sp(-x) + 0.25 * sp(x) for x in r) / 2 + sp(0.5)
        self.assertAlmostEqual(float(d), exp, places=14)
        self.assertAlmostEqual(float(g), sp(-0.5), places=14)

    def test_default_alpha_is_0_9(self) -> None:
        d, _ = losses(self.SPEC, a(1.0), a(0.0), names=self.NAMES)
        self.assertAlmostEqual(float(d), 0.9 * sp(-1.0) + 0.1 * sp(1.0) + LOG2, places=14)

    def test_alpha_one_is_the_gan_loss(self) -> None:
        r, f = a(3.0, -0.5), a(1.0, 2.0)
        d, _ = losses(self.SPEC, r, f, names=self.NAMES, alpha=1)
        ns = CLIENT.eval("objective/non-saturating", {"logitsReal": r, "logitsFake": f})
        self.assertAlmostEqual(float(d), float(ns[("discriminator", "float64")]), places=14)

    def test_optimal_discriminator(self) -> None:
        # d/dl [p_d (alpha sp(-l) + (1 - alpha) sp(l)) + p_g sp(l)] = 0 at sigmoid(l) = alpha p_d / (p_d + p_g)
        pd, pg, alpha = a(0.2, 0.5, 0.3), a(0.6, 0.1, 0.3), 0.8
        dstar = alpha * pd / (pd + pg)
        l = np.log(dstar) - np.log1p(-dstar)
        out = CLIENT.eval(
            self.SPEC,
            {"logitsReal": l, "logitsFake": l.copy(), "weightsReal": pd, "weightsFake": pg},
            params={"alpha": alpha, "reduction": "none"},
            wrt=["logitsReal", "logitsFake"],
        )
        total = out[("grad:discriminator:logitsReal", "float64")] + out[("grad:discriminator:logitsFake", "float64")]
        np.testing.assert_allclose(total, 0.0, atol=1e-15)

    def test_bad_alpha(self) -> None:
        for alpha in (0, -0.1, 1.5, "0.9", None):
            with self.subTest(alpha=alpha):
                with self.assertRaises(OracleReplyError) as ctx:
                    losses(self.SPEC, a(1.0), a(0.0), names=self.NAMES, alpha=alpha)
                self.assertEqual(ctx.exception.code, "BAD_PARAMS")


def cases() -> List[Dict]:
    rng = np.random.default_rng(20240613)
    out = []
    specs = [
        ("objective/least-squares", ("criticReal", "criticFake"), {"a": -1.0, "b": 1.0, "c": 0.0}, 3.0),
        ("objective/least-squares", ("criticReal", "criticFake"), {}, 3.0),
        # hinge: scores away from the kinks (|c| not near 1)
        ("objective/hinge", ("criticReal", "criticFake"), {}, None),
        ("objective/relativistic", ("criticReal", "criticFake"), {"variant": "standard"}, 3.0),
        ("objective/relativistic", ("criticReal", "criticFake"), {"variant": "average"}, 3.0),
        ("objective/label-smoothing", ("logitsReal", "logitsFake"), {"alpha": 0.8}, 3.0),
    ]
    for spec, names, params, scale in specs:
        for reduction in ("mean", "sum", "none"):
            for weighted in (False, True):
                n = 4
                m = 4 if reduction == "none" or params.get("variant") == "standard" else 3
                if scale is None:
                    r = rng.choice([-1, 1], n) * rng.uniform(1.2, 3, n) * np.array([1, -1, 1, -1])
                    f = rng.choice([-1, 1], m) * rng.uniform(1.2, 3, m) * np.array([1, -1, 1, -1])[:m]
                    r[0], f[0] = 0.3, -0.4  # inside the margins too
                else:
                    r, f = rng.normal(0, scale, n), rng.normal(0, scale, m)
                inputs = {names[0]: r, names[1]: f}
                wrt = list(names)
                if weighted:
                    inputs["weightsReal"] = rng.uniform(0.5, 2, n)
                    inputs["weightsFake"] = rng.uniform(0.5, 2, m)
                    wrt += ["weightsReal", "weightsFake"]
                out.append(dict(spec=spec, inputs=inputs, wrt=wrt, params={**params, "reduction": reduction}))
    return out


def summed(spec, inputs, params, output) -> float:
    return float(np.sum(CLIENT.eval(spec, inputs, params=params)[(output, "float64")]))


class GradientTest(unittest.TestCase):
    H = 1e-6

    def test_gradients_match_central_differences(self) -> None:
        for case in cases():
            spec, inputs, wrt, params = case["spec"], case["inputs"], case["wrt"], case["params"]
            out = CLIENT.eval(spec, inputs, params=params, wrt=wrt)
            for o in ("discriminator", "generator"):
                for x in wrt:
                    with self.subTest(spec=spec, params=params, output=o, wrt=x):
                        g = out[(f"grad:{o}:{x}", "float64")]
                        fd = np.zeros_like(inputs[x])
                        for i in np.ndindex(inputs[x].shape):
                            plus = {k: v.copy() for k, v in inputs.items()}
                            minus = {k: v.copy() for k, v in inputs.items()}
                            plus[x][i] += self.H
                            minus[x][i] -= self.H
                            fd[i] = (summed(spec, plus, params, o) - summed(spec, minus, params, o)) / (2 * self.H)
                        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-7)

    def test_hvp_matches_differences_of_gradients(self) -> None:
        rng = np.random.default_rng(7)
        for case in cases():
            spec, inputs, wrt, params = case["spec"], case["inputs"], case["wrt"], case["params"]
            dirs = {x: rng.normal(size=inputs[x].shape) for x in wrt}
            out = CLIENT.eval(spec, inputs, params=params, wrt=wrt, directions=dirs)
            h = 1e-5
            plus = {k: v + h * dirs[k] if k in dirs else v for k, v in inputs.items()}
            minus = {k: v - h * dirs[k] if k in dirs else v for k, v in inputs.items()}
            gp = CLIENT.eval(spec, plus, params=params, wrt=wrt)
            gm = CLIENT.eval(spec, minus, params=params, wrt=wrt)
            for o in ("discriminator", "generator"):
                for x in wrt:
                    with self.subTest(spec=spec, params=params, output=o, wrt=x):
                        fd = (gp[(f"grad:{o}:{x}", "float64")] - gm[(f"grad:{o}:{x}", "float64")]) / (2 * h)
                        np.testing.assert_allclose(out[(f"hvp:{o}:{x}", "float64")], fd, rtol=1e-5, atol=1e-6)

    def test_float32_close_to_float64(self) -> None:
        for case in cases():
            out = CLIENT.eval(
                case["spec"], case["inputs"], params=case["params"], wrt=case["wrt"], compute=("float64", "float32")
            )
            for name in {n for n, _ in out}:
                with self.subTest(spec=case["spec"], params=case["params"], name=name):
                    np.testing.assert_allclose(out[(name, "float32")], out[(name, "float64")], rtol=2e-4, atol=2e-5)


if __name__ == "__main__":
    unittest.main()
