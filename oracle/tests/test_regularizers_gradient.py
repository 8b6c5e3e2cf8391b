"""penalty/gradient-penalty, penalty/dragan, penalty/r1, penalty/r2, penalty/noise-induced:
closed forms with linear and constant critics, float64 finite differences of values (the input
gradient itself), of gradients with respect to the critic's weights (double backprop) and of
Hessian-vector products, and parameter/input validation, through the server."""

from __future__ import annotations

import math
import unittest
from typing import Dict, Sequence

import numpy as np

from _support import Client, OracleProcess, OracleReplyError

ORACLE: OracleProcess
CLIENT: Client

GP, DRAGAN, R1, R2, NI = (
    "penalty/gradient-penalty",
    "penalty/dragan",
    "penalty/r1",
    "penalty/r2",
    "penalty/noise-induced",
)
LINEAR = {"activation": "linear", "outputActivation": "linear"}


def setUpModule() -> None:
    global ORACLE, CLIENT
    ORACLE = OracleProcess()
    CLIENT = Client(ORACLE.endpoint)


def tearDownModule() -> None:
    CLIENT.close()
    ORACLE.close()


def penalty(spec: str, inputs, params=None) -> float:
    return float(CLIENT.eval(spec, inputs, params=params)[("penalty", "float64")])


def linear_critic(w, b=0.0) -> Dict[str, np.ndarray]:
    """x -> x.w + b as two linear layers (W0 = I)."""
    w = np.asarray(w, float)
    d = w.size
    return {
        "criticW0": np.eye(d),
        "criticB0": np.zeros(d),
        "criticW1": w.reshape(d, 1),
        "criticB1": np.array([b], float),
    }


def random_critic(rng, d, h, layers=2) -> Dict[str, np.ndarray]:
    widths = [d] + [h] * (layers - 1) + [1]
    out = {}
    for l in range(layers):
        out[f"criticW{l}"] = rng.uniform(-1, 1, (widths[l], widths[l + 1]))
        out[f"criticB{l}"] = rng.uniform(-1, 1, widths[l + 1])
    return out


def sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


def tanh_critic_grad(net, x):
    """Input gradient of x -> tanh(x W0 + b0) W1 + b1 per row, by hand (float64)."""
    z = x @ net["criticW0"] + net["criticB0"]
    return (1 - np.tanh(z) ** 2) * net["criticW1"][:, 0] @ net["criticW0"].T


def tanh_critic(net, x):
    return (np.tanh(x @ net["criticW0"] + net["criticB0"]) @ net["criticW1"])[:, 0] + net["criticB1"][0]


class GradientPenaltyTest(unittest.TestCase):
    def test_unit_norm_linear_critic_has_zero_penalty(self) -> None:
        x = {
            "xReal": np.array([[1.0, 2.0], [3.0, -1.0]]),
            "xFake": np.array([[0.0, 0.0], [5.0, 1.0]]),
            "epsilon": np.array([0.0, 0.7]),
            **linear_critic([0.6, 0.8], 3.0),
        }
        self.assertAlmostEqual(penalty(GP, x, LINEAR), 0.0, places=14)

    def test_closed_forms_two_and_one_sided(self) -> None:
        x = {
            "xReal": np.array([[1.0, 2.0]]),
            "xFake": np.array([[0.5, 0.0]]),
            "epsilon": np.array([0.3]),
            **linear_critic([1.5, -2.0]),
        }
        self.assertAlmostEqual(penalty(GP, x, {**LINEAR, "lambda": 2.0}), 2.0 * 1.5**2, places=12)
        self.assertAlmostEqual(penalty(GP, x, {**LINEAR, "lambda": 2.0, "sided": "one"}), 4.5, places=12)
        small = {**x, **linear_critic([0.3, 0.4])}
        self.assertEqual(penalty(GP, small, {**LINEAR, "sided": "one"}), 0.0)
        self.assertAlmostEqual(penalty(GP, small, LINEAR), 10 * 0.25, places=12)

    def test_one_epsilon_per_example_against_a_hand_computed_tanh_critic(self) -> None:
        rng = np.random.default_rng(1)
        net = random_critic(rng, 3, 4)
        xr, xf, eps = rng.normal(size=(5, 3)), rng.normal(size=(5, 3)), rng.uniform(0, 1, 5)
        x_hat = eps[:, None] * xr + (1 - eps[:, None]) * xf
        want = 10 * np.mean((np.linalg.norm(tanh_critic_grad(net, x_hat), axis=1) - 1) ** 2)
        got = penalty(GP, {"xReal": xr, "xFake": xf, "epsilon": eps, **net}, {"activation": "tanh"})
        self.assertAlmostEqual(got, want, places=12)
        shared = eps[0] * xr + (1 - eps[0]) * xf
        self.assertGreater(
            abs(got - 10 * np.mean((np.linalg.norm(tanh_critic_grad(net, shared), axis=1) - 1) ** 2)), 1e-3
        )

    def test_constant_critic_is_finite_with_finite_gradients(self) -> None:
        rng = np.random.default_rng(2)
        net = random_critic(rng, 2, 3)
        net["criticW1"][:] = 0.0
        x = {
            "xReal": rng.normal(size=(3, 2)),
            "xFake": rng.normal(size=(3, 2)),
            "epsilon": np.array([0.1, 0.5, 0.9]),
            **net,
        }
        names = sorted(x)
        r = CLIENT.eval(
            GP,
            x,
            params={"activation": "tanh", "lambda": 4.0},
            wrt=names,
            directions={n: np.ones_like(x[n]) for n in names},
        )
        self.assertEqual(float(r[("penalty", "float64")]), 4.0)
        for key, value in r.items():
            self.assertTrue(np.all(np.isfinite(value)), key)

    def test_bad_inputs(self) -> None:
        ok = {
            "xReal": np.zeros((2, 2)),
            "xFake": np.zeros((2, 2)),
            "epsilon": np.array([0.5, 0.5]),
            **linear_critic([1.0, 0.0]),
        }
        for inputs, params in (
            ({**ok, "epsilon": np.array([0.5])}, {}),
            ({**ok, "epsilon": np.array([0.5, 1.5])}, {}),
            ({**ok, "xFake": np.zeros((3, 2))}, {}),
            ({**ok, "xReal": np.zeros((2, 3))}, {}),
            (ok, {"lambda": -1.0}),
            (ok, {"sided": "both"}),
        ):
            with self.assertRaises(OracleReplyError) as cm:
                CLIENT.eval(GP, inputs, params=params)
            self.assertEqual(cm.exception.code, "BAD_PARAMS")


class DraganTest(unittest.TestCase):
    def test_closed_form(self) -> None:
        x = {
            "xReal": np.array([[1.0, 2.0], [0.0, 1.0]]),
            "noise": np.array([[0.5, -3.0], [1.0, 1.0]]),
            **linear_critic([1.5, -2.0]),
        }
        self.assertAlmostEqual(penalty(DRAGAN, x, {**LINEAR, "lambda": 3.0, "k": 0.5}), 3.0 * 2.0**2, places=12)
        self.assertAlmostEqual(penalty(DRAGAN, x, {**LINEAR, "k": 2.5}), 0.0, places=12)

    def test_perturbed_points_by_hand(self) -> None:
        rng = np.random.default_rng(3)
        net = random_critic(rng, 2, 3)
        xr, delta = rng.normal(size=(4, 2)), rng.normal(size=(4, 2)) * math.sqrt(10)
        want = 10 * np.mean((np.linalg.norm(tanh_critic_grad(net, xr + delta), axis=1) - 1) ** 2)
        self.assertAlmostEqual(
            penalty(DRAGAN, {"xReal": xr, "noise": delta, **net}, {"activation": "tanh"}), want, places=11
        )

    def test_k_zero_is_r1_at_the_perturbed_points(self) -> None:
        rng = np.random.default_rng(4)
        net = random_critic(rng, 3, 4, layers=3)
        xr, delta = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
        a = penalty(DRAGAN, {"xReal": xr, "noise": delta, **net}, {"activation": "softplus", "k": 0.0, "lambda": 1.5})
        b = penalty(R1, {"xReal": xr + delta, **net}, {"activation": "softplus", "gamma": 3.0})
        self.assertAlmostEqual(a, b, places=12)

    def test_bad_inputs(self) -> None:
        ok = {"xReal": np.zeros((2, 2)), "noise": np.zeros((2, 2)), **linear_critic([1.0, 0.0])}
        for inputs, params in (({**ok, "noise": np.zeros((2, 3))}, {}), (ok, {"k": -1.0}), (ok, {"c": 10.0})):
            with self.assertRaises(OracleReplyError) as cm:
                CLIENT.eval(DRAGAN, inputs, params=params)
            self.assertEqual(cm.exception.code, "BAD_PARAMS")


class ZeroCentredTest(unittest.TestCase):
    def test_linear_critic(self) -> None:
        x = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 0.0]])
        self.assertAlmostEqual(penalty(R1, {"xReal": x, **linear_critic([1.5, -2.0], 0.5)}, LINEAR), 31.25, places=12)
        self.assertAlmostEqual(
            penalty(R2, {"xFake": x, **linear_critic([1.5, -2.0], 0.5)}, {**LINEAR, "gamma": 1.0}), 3.125, places=12
        )

    def test_constant_critic_is_zero_with_zero_gradients(self) -> None:
        rng = np.random.default_rng(5)
        net = random_critic(rng, 2, 3)
        net["criticW1"][:] = 0.0
        x = {"xReal": rng.normal(size=(3, 2)), **net}
        names = sorted(x)
        r = CLIENT.eval(R1, x, params={"activation": "elu"}, wrt=names)
        self.assertEqual(float(r[("penalty", "float64")]), 0.0)
        for n in names:
            np.testing.assert_array_equal(r[(f"grad:penalty:{n}", "float64")], 0.0 * x[n])

    def test_tanh_critic_by_hand(self) -> None:
        rng = np.random.default_rng(6)
        net = random_critic(rng, 3, 2)
        x = rng.normal(size=(5, 3))
        want = 0.5 * 7.0 * np.mean(np.sum(tanh_critic_grad(net, x) ** 2, axis=1))
        self.assertAlmostEqual(penalty(R2, {"xFake": x, **net}, {"activation": "tanh", "gamma": 7.0}), want, places=12)


class NoiseInducedTest(unittest.TestCase):
    def test_gan_closed_form_at_zero_logits(self) -> None:
        # psi = 0 everywhere: D = 1/2, ||grad psi|| = 1: Omega = 1/4 + 1/4, penalty = gamma/2 * 1/2.
        x = {"xReal": np.zeros((1, 2)), "xFake": np.zeros((2, 2)), **linear_critic([0.6, 0.8])}
        self.assertAlmostEqual(penalty(NI, x, {**LINEAR, "gamma": 2.0}), 0.5, places=14)

    def test_saturated_logits(self) -> None:
        x = {"xReal": np.array([[1.0, 2.0]]), "xFake": np.array([[0.5, 0.5], [1.0, -1.0]])}
        self.assertAlmostEqual(penalty(NI, {**x, **linear_critic([0.6, 0.8], 1e4)}, LINEAR), 1.0, places=14)
        self.assertAlmostEqual(penalty(NI, {**x, **linear_critic([0.6, 0.8], -1e4)}, LINEAR), 1.0, places=14)

    def test_tanh_critic_by_hand_every_f(self) -> None:
        rng = np.random.default_rng(7)
        net = random_critic(rng, 2, 4)
        xr, xf = rng.normal(size=(3, 2)), rng.normal(size=(5, 2))
        gr = np.sum(tanh_critic_grad(net, xr) ** 2, axis=1)
        gf = np.sum(tanh_critic_grad(net, xf) ** 2, axis=1)
        pr, pf = tanh_critic(net, xr), tanh_critic(net, xf)
        want = {
            "gan": np.mean(sigmoid(-pr) ** 2 * gr) + np.mean(sigmoid(pf) ** 2 * gf),
            "kl": np.mean(np.exp(pf - 1) * gf),
            "pearson-chi2": np.mean(0.5 * gf),
        }
        for f, omega in want.items():
            got = penalty(NI, {"xReal": xr, "xFake": xf, **net}, {"activation": "tanh", "f": f, "gamma": 3.0})
            self.assertAlmostEqual(got, 1.5 * omega, places=12, msg=f)

    def test_bad_params(self) -> None:
        ok = {"xReal": np.zeros((2, 2)), "xFake": np.zeros((1, 2)), **linear_critic([1.0, 0.0])}
        for inputs, params in (
            (ok, {"f": "wasserstein"}),
            (ok, {"gamma": -1.0}),
            ({**ok, "xFake": np.zeros((1, 3))}, {}),
        ):
            with self.assertRaises(OracleReplyError) as cm:
                CLIENT.eval(NI, inputs, params=params)
            self.assertEqual(cm.exception.code, "BAD_PARAMS")


def fd_check(
    test: unittest.TestCase, spec: str, inputs: Dict[str, np.ndarray], params, seed: int = 0, skip: Sequence[str] = ()
) -> None:
    """Gradients (double backprop for the weights) and HVPs against central differences in float64."""
    rng = np.random.default_rng(seed)
    names = sorted(inputs)
    dirs = {n: rng.uniform(-1, 1, inputs[n].shape) for n in names}
    res = CLIENT.eval(spec, inputs, params=params, wrt=names, directions=dirs)
    h = 1e-6

    def total(shifted) -> float:
        return float(CLIENT.eval(spec, shifted, params=params)[("penalty", "float64")])

    def grads(shifted) -> Dict[str, np.ndarray]:
        r = CLIENT.eval(spec, shifted, params=params, wrt=names)
        return {n: r[(f"grad:penalty:{n}", "float64")] for n in names}

    for n in names:
        if n in skip:
            continue
        g = res[(f"grad:penalty:{n}", "float64")]
        for idx in np.ndindex(inputs[n].shape):
            plus = {k: v.copy() for k, v in inputs.items()}
            minus = {k: v.copy() for k, v in inputs.items()}
            plus[n][idx] += h
            minus[n][idx] -= h
            numeric = (total(plus) - total(minus)) / (2 * h)
            test.assertAlmostEqual(g[idx], numeric, delta=1e-6 * (1 + abs(numeric)), msg=f"{spec} grad:{n}{idx}")
    plus = {k: v + h * dirs[k] for k, v in inputs.items()}
    minus = {k: v - h * dirs[k] for k, v in inputs.items()}
    gp, gm = grads(plus), grads(minus)
    for n in names:
        numeric = (gp[n] - gm[n]) / (2 * h)
        np.testing.assert_allclose(
            res[(f"hvp:penalty:{n}", "float64")], numeric, rtol=1e-5, atol=1e-6, err_msg=f"{spec} hvp:{n}"
        )


class FiniteDifferenceTest(unittest.TestCase):
    def test_gradient_penalty(self) -> None:
        rng = np.random.default_rng(31)
        for activation, sided in (("tanh", "two"), ("softplus", "one"), ("selu", "two")):
            inputs = {
                "xReal": rng.normal(size=(3, 2)),
                "xFake": rng.normal(size=(3, 2)),
                "epsilon": rng.uniform(0.1, 0.9, 3),
                **random_critic(rng, 2, 3),
            }
            fd_check(self, GP, inputs, {"activation": activation, "sided": sided, "lambda": 2.0})

    def test_dragan(self) -> None:
        rng = np.random.default_rng(32)
        for activation in ("swish", "sigmoid"):
            inputs = {
                "xReal": rng.normal(size=(2, 3)),
                "noise": rng.normal(size=(2, 3)),
                **random_critic(rng, 3, 2, layers=3),
            }
            fd_check(self, DRAGAN, inputs, {"activation": activation, "k": 0.7, "lambda": 3.0})

    def test_r1_r2(self) -> None:
        rng = np.random.default_rng(33)
        fd_check(
            self,
            R1,
            {"xReal": rng.normal(size=(3, 2)), **random_critic(rng, 2, 3)},
            {"activation": "elu", "outputActivation": "tanh"},
        )
        fd_check(
            self,
            R2,
            {"xFake": rng.normal(size=(2, 2)), **random_critic(rng, 2, 3)},
            {"activation": "leaky-relu", "alpha": 0.1, "gamma": 1.0},
        )

    def test_noise_induced(self) -> None:
        rng = np.random.default_rng(34)
        for f in ("gan", "kl", "pearson-chi2"):
            inputs = {"xReal": rng.normal(size=(2, 2)), "xFake": rng.normal(size=(3, 2)), **random_critic(rng, 2, 3)}
            fd_check(self, NI, inputs, {"activation": "tanh", "f": f, "gamma": 2.0})


if __name__ == "__main__":
    unittest.main()
