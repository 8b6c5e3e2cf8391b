"""objective/loss-sensitive, objective/feature-matching and theory/neural-net-distance through the
server: closed-form values, gradients against central finite differences (float64), and HVPs."""

from __future__ import annotations

import math
import unittest

import numpy as np

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


def a(*values) -> np.ndarray:
    return np.array(values, dtype=np.float64)


def out64(spec, inputs, params=None, **kw):
    res = CLIENT.eval(spec, inputs, params=params or {}, **kw)
    return {name: arr for (name, compute), arr in res.items() if compute == "float64"}


LS = "objective/loss-sensitive"
FM = "objective/feature-matching"
NND = "theory/neural-net-distance"


def ls_inputs():
    return {
        "lossReal": a(1.0, 2.0),
        "lossFake": a(5.0, 2.5),
        "xReal": a(0.0, 0.0, 1.0, 1.0).reshape(2, 2),
        "xFake": a(1.0, 2.0, 1.0, 0.0).reshape(2, 2),
    }


class LossSensitiveTest(unittest.TestCase):
    def test_closed_form_l1(self) -> None:
        # Delta = (3, 1); hinge = (max(0, 3 + 1 - 5), max(0, 1 + 2 - 2.5)) = (0, 0.5)
        o = out64(LS, ls_inputs(), {"margin": "l1"})
        self.assertAlmostEqual(float(o["discriminator"]), (1 + 2 + 0.5) / 2, places=14)
        self.assertAlmostEqual(float(o["generator"]), 3.75, places=14)

    def test_closed_form_l2_lambda_and_none(self) -> None:
        # Delta = (sqrt 5, 1): hinge (0, 0.5); lambda = 3; per pair 1 + 0, 2 + 1.5
        o = out64(LS, ls_inputs(), {"margin": "l2", "lambda": 3.0, "reduction": "none"})
        np.testing.assert_allclose(o["discriminator"], [1.0, 3.5], rtol=0, atol=1e-14)
        inputs = ls_inputs()
        inputs["lossFake"] = a(0.0, 0.0)
        o = out64(LS, inputs, {"margin": "l2", "lambda": 1.0, "reduction": "none"})
        np.testing.assert_allclose(o["discriminator"], [1 + math.sqrt(5) + 1, 2 + 1 + 2], rtol=1e-15)

    def test_hinge_vanishes_and_lambda_zero(self) -> None:
        inputs = ls_inputs()
        inputs["lossFake"] = a(10.0, 10.0)
        o = out64(LS, inputs, {"lambda": 7.0}, wrt=["lossFake", "xReal"])
        self.assertEqual(float(o["discriminator"]), 1.5)
        self.assertTrue(np.all(o["grad:discriminator:lossFake"] == 0))
        self.assertTrue(np.all(o["grad:discriminator:xReal"] == 0))
        o = out64(LS, ls_inputs(), {"lambda": 0.0})
        self.assertEqual(float(o["discriminator"]), 1.5)

    def test_weights(self) -> None:
        inputs = ls_inputs()
        inputs["weights"] = a(1.0, 3.0)
        o = out64(LS, inputs)
        self.assertAlmostEqual(float(o["discriminator"]), (1 * 1 + 3 * 2.5) / 4, places=14)
        self.assertAlmostEqual(float(o["generator"]), (5 + 3 * 2.5) / 4, places=14)

    def test_l1_hvp_is_zero_and_l2_hvp_matches_the_hessian(self) -> None:
        # The l1 margin is piecewise linear: its HVP is exactly 0 (a real zero, not garbage).
        inputs = {
            "lossReal": a(0.0),
            "lossFake": a(0.0),
            "xReal": a(1.0, 2.0).reshape(1, 2),
            "xFake": a(0.0, 0.0).reshape(1, 2),
        }
        v = {k: np.ones_like(x) for k, x in inputs.items()}
        v["xReal"] = a(1.0, 0.0).reshape(1, 2)
        v["xFake"] = a(0.0, 0.0).reshape(1, 2)
        o = out64(LS, inputs, {"margin": "l1"}, wrt=list(inputs), directions=v)
        np.testing.assert_array_equal(o["hvp:discriminator:xReal"], [[0.0, 0.0]])
        # l2: Hessian of ||d|| is (I - u u^T)/||d||, u = d/||d||, d = (1, 2): applied to (1, 0)
        o = out64(LS, inputs, {"margin": "l2"}, wrt=list(inputs), directions=v)
        r = math.sqrt(5)
        expected = np.array([1 - 1 / 5, -2 / 5]) / r
        np.testing.assert_allclose(o["hvp:discriminator:xReal"][0], expected, rtol=1e-14)

    def test_loss_sensitive_gradients_match_central_differences(self) -> None:
        rng = np.random.default_rng(5)
        inputs = {
            "lossReal": rng.normal(0, 1, 3),
            "lossFake": rng.normal(0, 1, 3),
            "xReal": rng.normal(0, 1, (3, 2)),
            "xFake": rng.normal(0, 1, (3, 2)),
            "weights": rng.uniform(0.5, 2, 3),
        }
        for margin in ("l1", "l2"):
            params = {"margin": margin, "lambda": 2.0}
            o = out64(LS, inputs, params, wrt=list(inputs))
            for name, base in inputs.items():
                fd = np.zeros_like(base)
                for idx in np.ndindex(base.shape):
                    h = 1e-6
                    plus, minus = dict(inputs), dict(inputs)
                    plus[name] = base.copy()
                    minus[name] = base.copy()
                    plus[name][idx] += h
                    minus[name][idx] -= h
                    fd[idx] = (
                        float(out64(LS, plus, params)["discriminator"])
                        - float(out64(LS, minus, params)["discriminator"])
                    ) / (2 * h)
                np.testing.assert_allclose(o[f"grad:discriminator:{name}"], fd, rtol=1e-6, atol=1e-8)

    def test_shape_errors(self) -> None:
        inputs = ls_inputs()
        inputs["xFake"] = a(1.0, 2.0, 3.0).reshape(1, 3)
        with self.assertRaises(OracleReplyError) as cm:
            out64(LS, inputs)
        self.assertEqual(cm.exception.code, "BAD_PARAMS")
        with self.assertRaises(OracleReplyError) as cm:
            out64(LS, ls_inputs(), {"lambda": -1.0})
        self.assertEqual(cm.exception.code, "BAD_PARAMS")


class FeatureMatchingTest(unittest.TestCase):
    def test_closed_forms(self) -> None:
        o = out64(FM, {"featuresReal": a(1, 2, 3, 4).reshape(2, 2), "featuresFake": a(0, 0).reshape(1, 2)})
        self.assertEqual(float(o["generator"]), 13.0)
        o = out64(
            FM,
            {
                "featuresReal": a(1, 0, 0, 1).reshape(2, 2),
                "featuresFake": a(2, 2).reshape(1, 2),
                "weightsReal": a(3.0, 1.0),
            },
        )
        self.assertAlmostEqual(float(o["generator"]), 1.25**2 + 1.75**2, places=14)
        f = np.arange(6.0).reshape(3, 2)
        o = out64(FM, {"featuresReal": f, "featuresFake": f[::-1].copy()})
        self.assertEqual(float(o["generator"]), 0.0)

    def test_gradient_and_hvp(self) -> None:
        fr = a(1, 2, 3, 4).reshape(2, 2)
        ff = a(0, 1, 2, 5, -1, 0).reshape(3, 2)
        gap = fr.mean(0) - ff.mean(0)
        v = {"featuresReal": np.zeros_like(fr), "featuresFake": np.ones_like(ff)}
        o = out64(FM, {"featuresReal": fr, "featuresFake": ff}, wrt=["featuresReal", "featuresFake"], directions=v)
        np.testing.assert_allclose(o["grad:generator:featuresFake"], np.tile(-2 * gap / 3, (3, 1)), rtol=1e-14)
        np.testing.assert_allclose(o["grad:generator:featuresReal"], np.tile(2 * gap / 2, (2, 1)), rtol=1e-14)
        # d/dff of sum(grad_ff * 1) = d/dff of -2 sum_j gap_j = 2 * 3/3 per feature ... / m
        np.testing.assert_allclose(o["hvp:generator:featuresFake"], np.full((3, 2), 2 * 3 / 9), rtol=1e-14)


class NeuralNetDistanceTest(unittest.TestCase):
    def test_closed_forms(self) -> None:
        o = out64(NND, {"dReal": a(0.5, 0.5, 0.75, 0.75).reshape(2, 2), "dFake": a(0.5, 0.25).reshape(2, 1)})
        np.testing.assert_allclose(o["members"], [0.0, 2 * math.log(1.5)], atol=1e-15)
        self.assertAlmostEqual(float(o["value"]), 2 * math.log(1.5), places=14)
        o = out64(
            NND, {"dReal": a(1, 2, 3, 0, 0, 0).reshape(2, 3), "dFake": a(0, 0, 1, 1).reshape(2, 2)}, {"phi": "identity"}
        )
        np.testing.assert_allclose(o["members"], [2.0, -1.0], atol=1e-15)
        self.assertEqual(float(o["value"]), 2.0)

    def test_identical_samples_are_non_positive(self) -> None:
        rng = np.random.default_rng(7)
        d = rng.uniform(0.01, 0.99, size=(4, 6))
        o = out64(NND, {"dReal": d, "dFake": d})
        self.assertTrue(np.all(o["members"] <= 0))
        np.testing.assert_allclose(o["members"], np.log(4 * d * (1 - d)).mean(1), rtol=1e-13)

    def test_gradients_match_central_differences(self) -> None:
        rng = np.random.default_rng(11)
        for phi in ("log", "identity"):
            d_r, d_f = rng.uniform(0.1, 0.9, size=(3, 4)), rng.uniform(0.1, 0.9, size=(3, 5))
            o = out64(NND, {"dReal": d_r, "dFake": d_f}, {"phi": phi}, wrt=["dReal", "dFake"])
            for name, base in (("dReal", d_r), ("dFake", d_f)):
                fd = np.zeros_like(base)
                for idx in np.ndindex(base.shape):
                    h = 1e-6
                    plus, minus = base.copy(), base.copy()
                    plus[idx] += h
                    minus[idx] -= h
                    args_p = {"dReal": d_r, "dFake": d_f, name: plus}
                    args_m = {"dReal": d_r, "dFake": d_f, name: minus}
                    fd[idx] = (
                        float(out64(NND, args_p, {"phi": phi})["value"])
                        - float(out64(NND, args_m, {"phi": phi})["value"])
                    ) / (2 * h)
                np.testing.assert_allclose(o[f"grad:value:{name}"], fd, rtol=1e-6, atol=1e-8)

    def test_rank_error(self) -> None:
        with self.assertRaises(OracleReplyError) as cm:
            out64(NND, {"dReal": a(0.5, 0.5), "dFake": a(0.5).reshape(1, 1)})
        self.assertEqual(cm.exception.code, "BAD_PARAMS")


if __name__ == "__main__":
    unittest.main()
