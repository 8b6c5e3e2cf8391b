"""penalty/consensus, penalty/discriminator-gradient-norm, penalty/historical-averaging and
training/unrolled: closed forms on linear games, gradients and Hessian-vector products against
central finite differences (float64), and parameter/input validation, through the server."""

from __future__ import annotations

import math
import unittest
from typing import Dict, Mapping

import numpy as np

from _support import Client, OracleProcess, OracleReplyError

ORACLE: OracleProcess
CLIENT: Client

CONS, DGN, HA, UNR = (
    "penalty/consensus",
    "penalty/discriminator-gradient-norm",
    "penalty/historical-averaging",
    "training/unrolled",
)
LINEAR = {"activation": "linear", "outputActivation": "linear"}


def setUpModule() -> None:
    global ORACLE, CLIENT
    ORACLE = OracleProcess()
    CLIENT = Client(ORACLE.endpoint)


def tearDownModule() -> None:
    CLIENT.close()
    ORACLE.close()


def out(spec, inputs, params=None, name="consensus", **kw) -> np.ndarray:
    return CLIENT.eval(spec, inputs, params=params, **kw)[(name, "float64")]


def linear_game(x, z, a, b, w, c) -> Dict[str, np.ndarray]:
    """G(z) = a z + b, D(y) = w y + c on the line."""
    return {
        "x": np.asarray(x, float).reshape(-1, 1),
        "z": np.asarray(z, float).reshape(-1, 1),
        "genW0": np.array([[a]], float),
        "genB0": np.array([b], float),
        "discW0": np.array([[w]], float),
        "discB0": np.array([c], float),
    }


def random_game(rng: np.random.Generator, d=2, k=2, h=3, n=3, m=4) -> Dict[str, np.ndarray]:
    def u(*s):
        return rng.uniform(-1, 1, s)

    return {
        "x": u(n, d),
        "z": u(m, k),
        "genW0": u(k, h),
        "genB0": u(h),
        "genW1": u(h, d),
        "genB1": u(d),
        "discW0": u(d, h),
        "discB0": u(h),
        "discW1": u(h, 1),
        "discB1": u(1),
    }


def sigmoid(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


def softplus(t: float) -> float:
    return max(t, 0.0) + math.log1p(math.exp(-abs(t)))


def fd_grad(spec: str, inputs: Mapping[str, np.ndarray], params, output: str, name: str, h=1e-6) -> np.ndarray:
    base = inputs[name]
    g = np.zeros_like(base)
    for idx in np.ndindex(base.shape):
        vals = []
        for s in (h, -h):
            moved = dict(inputs)
            moved[name] = base.copy()
            moved[name][idx] += s
            vals.append(float(out(spec, moved, params, output)))
        g[idx] = (vals[0] - vals[1]) / (2 * h)
    return g


class GradientCheck:
    """Gradients and an HVP of a spec against central differences, for a smooth random game."""

    spec: str
    params: dict
    outputs: tuple

    def test_gradients_and_hvp_match_finite_differences(self) -> None:
        rng = np.random.default_rng(7)
        x = random_game(rng)
        names = ["genW0", "discB0", "x"]
        dirs = {n: rng.uniform(-1, 1, x[n].shape) for n in names}
        r = CLIENT.eval(self.spec, x, params=self.params, wrt=names, directions=dirs)
        for o in self.outputs:
            for n in names:
                np.testing.assert_allclose(
                    r[(f"grad:{o}:{n}", "float64")], fd_grad(self.spec, x, self.params, o, n), rtol=1e-6, atol=1e-8
                )
            # HVP: the directional derivative of the gradient along the stacked direction.
            h = 1e-5

            def grads_at(sign: float):
                moved = {k: (v + sign * h * dirs[k] if k in dirs else v) for k, v in x.items()}
                rr = CLIENT.eval(self.spec, moved, params=self.params, wrt=names)
                return [rr[(f"grad:{o}:{n}", "float64")] for n in names]

            plus, minus = grads_at(1.0), grads_at(-1.0)
            for i, n in enumerate(names):
                np.testing.assert_allclose(
                    r[(f"hvp:{o}:{n}", "float64")], (plus[i] - minus[i]) / (2 * h), rtol=1e-5, atol=1e-7
                )


class ConsensusTest(GradientCheck, unittest.TestCase):
    spec, params, outputs = CONS, {"gamma": 2.0, "objective": "non-saturating"}, ("consensus", "generator")

    def test_linear_wasserstein_closed_form(self) -> None:
        x, z, a, b, w, c = [1.0, -0.5, 2.0], [0.3, -1.2], 1.5, -0.25, 0.8, 0.1
        xb, zb = np.mean(x), np.mean(z)
        L = 0.5 * ((a * zb + b - xb) ** 2 + w * w * (zb * zb + 1))
        r = CLIENT.eval(
            CONS, linear_game(x, z, a, b, w, c), params={**LINEAR, "objective": "wasserstein", "gamma": 3.0}
        )
        self.assertAlmostEqual(float(r[("consensus", "float64")]), L, places=14)
        self.assertAlmostEqual(float(r[("generator", "float64")]), -(w * (a * zb + b) + c) + 3 * L, places=13)
        self.assertAlmostEqual(float(r[("discriminator", "float64")]), w * (a * zb + b - xb) + 3 * L, places=13)

    def test_zero_at_a_stationary_point(self) -> None:
        # D = 0 and G(z) = E[x]: every gradient of both players vanishes.
        x = {
            "x": np.array([[1.0, -2.0], [3.0, 0.5]]),
            "z": np.array([[0.7], [-1.3]]),
            "genW0": np.zeros((1, 2)),
            "genB0": np.array([2.0, -0.75]),
            "discW0": np.zeros((2, 1)),
            "discB0": np.zeros(1),
        }
        self.assertEqual(float(out(CONS, x, {**LINEAR})), 0.0)

    def test_logistic_closed_form(self) -> None:
        # Non-saturating, G(z) = b (a = 0), D(y) = w y + c: dL_D/dw = -E[s(-l_r) x] + s(l_f) b,
        # dL_D/dc = -E[s(-l_r)] + s(l_f); dL_G/da = -s(-l_f) w E[z], dL_G/db = -s(-l_f) w.
        x, z, b, w, c = [0.5, -1.0], [2.0, -0.5, 1.0], 0.7, 1.3, -0.2
        lr, lf = [w * v + c for v in x], w * b + c
        gw = -np.mean([sigmoid(-l) * v for l, v in zip(lr, x)]) + sigmoid(lf) * b
        gc = -np.mean([sigmoid(-l) for l in lr]) + sigmoid(lf)
        ga, gb = -sigmoid(-lf) * w * np.mean(z), -sigmoid(-lf) * w
        want = 0.5 * (gw**2 + gc**2 + ga**2 + gb**2)
        self.assertAlmostEqual(float(out(CONS, linear_game(x, z, 0.0, b, w, c), {**LINEAR})), want, places=14)

    def test_gamma_validation(self) -> None:
        for bad in (-1.0, "1", True):
            with self.assertRaises(OracleReplyError) as cm:
                CLIENT.eval(CONS, linear_game([1.0], [1.0], 1, 0, 1, 0), params={"gamma": bad})
            self.assertEqual(cm.exception.code, "BAD_PARAMS")

    def test_discriminator_with_two_outputs_is_refused(self) -> None:
        x = linear_game([1.0], [1.0], 1, 0, 1, 0)
        x["discW0"], x["discB0"] = np.ones((1, 2)), np.zeros(2)
        with self.assertRaises(OracleReplyError) as cm:
            CLIENT.eval(CONS, x)
        self.assertEqual(cm.exception.code, "BAD_PARAMS")


class DiscriminatorGradientNormTest(GradientCheck, unittest.TestCase):
    spec, params, outputs = DGN, {"eta": 0.7, "objective": "minimax"}, ("penalty", "generator")

    def test_linear_wasserstein_closed_form(self) -> None:
        x, z, a, b, w, c = [1.0, -0.5, 2.0], [0.3, -1.2], 1.5, -0.25, 0.8, 0.1
        gap = a * np.mean(z) + b - np.mean(x)
        r = CLIENT.eval(DGN, linear_game(x, z, a, b, w, c), params={**LINEAR, "objective": "wasserstein", "eta": 2.0})
        self.assertAlmostEqual(float(r[("penalty", "float64")]), 2.0 * gap**2, places=14)
        self.assertAlmostEqual(
            float(r[("generator", "float64")]), -(w * (a * np.mean(z) + b) + c) + 2.0 * gap**2, places=13
        )

    def test_same_penalty_for_minimax_and_non_saturating_and_linear_in_eta(self) -> None:
        x = random_game(np.random.default_rng(3))
        p_mm = float(out(DGN, x, {"objective": "minimax", "eta": 1.0}, "penalty"))
        p_ns = float(out(DGN, x, {"objective": "non-saturating", "eta": 1.0}, "penalty"))
        self.assertAlmostEqual(p_mm, p_ns, places=15)
        self.assertAlmostEqual(float(out(DGN, x, {"eta": 0.25}, "penalty")), 0.25 * p_ns, places=15)
        self.assertEqual(float(out(DGN, x, {"eta": 0.0}, "penalty")), 0.0)

    def test_eta_validation(self) -> None:
        with self.assertRaises(OracleReplyError) as cm:
            CLIENT.eval(DGN, linear_game([1.0], [1.0], 1, 0, 1, 0), params={"eta": -0.5})
        self.assertEqual(cm.exception.code, "BAD_PARAMS")


class HistoricalAveragingTest(unittest.TestCase):
    def test_closed_form_and_gradients(self) -> None:
        theta, avg = np.array([1.0, 2.0, 3.0]), np.array([0.0, 2.0, 5.0])
        r = CLIENT.eval(HA, {"theta": theta, "average": avg}, wrt=["theta", "average"])
        self.assertEqual(float(r[("penalty", "float64")]), 5.0)
        np.testing.assert_array_equal(r[("grad:penalty:theta", "float64")], 2 * (theta - avg))
        np.testing.assert_array_equal(r[("grad:penalty:average", "float64")], -2 * (theta - avg))

    def test_zero_at_the_average_any_shape(self) -> None:
        t = np.random.default_rng(1).normal(size=(2, 3, 2))
        self.assertEqual(float(out(HA, {"theta": t, "average": t.copy()}, name="penalty")), 0.0)

    def test_hvp_is_twice_the_direction_difference(self) -> None:
        theta, avg = np.array([[0.5, -1.0]]), np.array([[2.0, 0.0]])
        v = {"theta": np.array([[1.0, 2.0]]), "average": np.array([[-0.5, 0.25]])}
        r = CLIENT.eval(HA, {"theta": theta, "average": avg}, wrt=["theta", "average"], directions=v)
        np.testing.assert_array_equal(r[("hvp:penalty:theta", "float64")], 2 * (v["theta"] - v["average"]))
        np.testing.assert_array_equal(r[("hvp:penalty:average", "float64")], -2 * (v["theta"] - v["average"]))

    def test_shape_mismatch_is_refused(self) -> None:
        with self.assertRaises(OracleReplyError) as cm:
            CLIENT.eval(HA, {"theta": np.zeros(2), "average": np.zeros(3)})
        self.assertEqual(cm.exception.code, "BAD_PARAMS")


class UnrolledTest(GradientCheck, unittest.TestCase):
    spec = UNR
    params = {"steps": 2, "optimizer": "adam", "learningRate": 0.1, "epsilon": 0.01, "objective": "non-saturating"}
    outputs = ("surrogate", "generator")

    X, Z, A, B, W, C = [1.0, -0.5, 2.0], [0.3, -1.2], 1.5, -0.25, 0.8, 0.1

    def logistic(self, w, c):
        fake = [self.A * v + self.B for v in self.Z]
        lr, lf = [w * v + c for v in self.X], [w * v + c for v in fake]
        V = -np.mean([softplus(-l) for l in lr]) - np.mean([softplus(l) for l in lf])
        return V, np.mean([softplus(-l) for l in lf]), fake, lr, lf

    def test_zero_steps_is_the_plain_game(self) -> None:
        V, LG, *_ = self.logistic(self.W, self.C)
        r = CLIENT.eval(UNR, linear_game(self.X, self.Z, self.A, self.B, self.W, self.C), params={**LINEAR, "steps": 0})
        self.assertAlmostEqual(float(r[("surrogate", "float64")]), V, places=14)
        self.assertAlmostEqual(float(r[("generator", "float64")]), LG, places=14)

    def test_one_sgd_step_by_hand(self) -> None:
        eta = 0.5
        _, _, fake, lr, lf = self.logistic(self.W, self.C)
        # dV/dw and dV/dc: the discriminator ascends V.
        dw = np.mean([sigmoid(-l) * v for l, v in zip(lr, self.X)]) - np.mean(
            [sigmoid(l) * v for l, v in zip(lf, fake)]
        )
        dc = np.mean([sigmoid(-l) for l in lr]) - np.mean([sigmoid(l) for l in lf])
        V1, LG1, *_ = self.logistic(self.W + eta * dw, self.C + eta * dc)
        r = CLIENT.eval(
            UNR,
            linear_game(self.X, self.Z, self.A, self.B, self.W, self.C),
            params={**LINEAR, "steps": 1, "optimizer": "sgd", "learningRate": eta},
        )
        self.assertAlmostEqual(float(r[("surrogate", "float64")]), V1, places=13)
        self.assertAlmostEqual(float(r[("generator", "float64")]), LG1, places=13)

    def test_first_adam_step_moves_each_weight_by_the_learning_rate(self) -> None:
        # Wasserstein, linear game: dV/dw = E[x] - E[G(z)], dV/dc = 0 exactly (no step for c).
        lr, eps = 0.05, 1e-8
        g = np.mean(self.X) - np.mean([self.A * v + self.B for v in self.Z])
        w1 = self.W + lr * g / (abs(g) + eps)
        fake_mean = self.A * np.mean(self.Z) + self.B
        want = w1 * (np.mean(self.X) - fake_mean)
        r = CLIENT.eval(
            UNR,
            linear_game(self.X, self.Z, self.A, self.B, self.W, self.C),
            params={**LINEAR, "steps": 1, "objective": "wasserstein", "learningRate": lr, "epsilon": eps},
        )
        self.assertAlmostEqual(float(r[("surrogate", "float64")]), want, places=13)
        self.assertAlmostEqual(abs(w1 - self.W), lr, delta=lr * 1e-6)

    def test_generator_gradient_includes_the_unrolled_dependence(self) -> None:
        # Wasserstein with SGD: w^K = w + K eta (E[x] - a E[z] - b), so
        # f_K = w^K (E[x] - a E[z] - b) and df_K/db = -w^K - K eta (E[x] - a E[z] - b).
        K, eta = 3, 0.2
        gap = np.mean(self.X) - self.A * np.mean(self.Z) - self.B
        wK = self.W + K * eta * gap
        r = CLIENT.eval(
            UNR,
            linear_game(self.X, self.Z, self.A, self.B, self.W, self.C),
            params={**LINEAR, "steps": K, "optimizer": "sgd", "learningRate": eta, "objective": "wasserstein"},
            wrt=["genB0"],
        )
        self.assertAlmostEqual(float(r[("surrogate", "float64")]), wK * gap, places=13)
        self.assertAlmostEqual(float(r[("grad:surrogate:genB0", "float64")][0]), -wK - K * eta * gap, places=13)

    def test_parameter_validation(self) -> None:
        game = linear_game([1.0], [1.0], 1, 0, 1, 0)
        for bad in (
            {"steps": 1.5},
            {"steps": -1},
            {"steps": 101},
            {"optimizer": "rmsprop"},
            {"learningRate": -0.1},
            {"beta1": 1.0},
            {"beta2": -0.5},
            {"epsilon": 0.0},
            {"objective": "hinge"},
        ):
            with self.assertRaises(OracleReplyError, msg=str(bad)) as cm:
                CLIENT.eval(UNR, game, params=bad)
            self.assertEqual(cm.exception.code, "BAD_PARAMS")


if __name__ == "__main__":
    unittest.main()
