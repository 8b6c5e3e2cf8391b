"""objective/energy-based, objective/mode-regularized, objective/mix-gan and networks as data:
closed forms, gradients and Hessian-vector products against central finite differences (float64),
and parameter/input validation, through the server."""

from __future__ import annotations

import math
import unittest
from typing import Dict, Sequence

import numpy as np

from _support import Client, OracleProcess, OracleReplyError

ORACLE: OracleProcess
CLIENT: Client

EB, MR, MIX = "objective/energy-based", "objective/mode-regularized", "objective/mix-gan"


def setUpModule() -> None:
    global ORACLE, CLIENT
    ORACLE = OracleProcess()
    CLIENT = Client(ORACLE.endpoint)


def tearDownModule() -> None:
    CLIENT.close()
    ORACLE.close()


def out(spec, inputs, params=None, name="discriminator", **kw) -> np.ndarray:
    return CLIENT.eval(spec, inputs, params=params, **kw)[(name, "float64")]


def logsig(t: float) -> float:
    return min(t, 0.0) - math.log1p(math.exp(-abs(t)))


def identity_ae(d: int, decoder_bias=None) -> Dict[str, np.ndarray]:
    return {
        "aeW0": np.eye(d),
        "aeB0": np.zeros(d),
        "aeW1": np.eye(d),
        "aeB1": np.zeros(d) if decoder_bias is None else np.asarray(decoder_bias, float),
    }


def random_ae(rng, d, h) -> Dict[str, np.ndarray]:
    return {
        "aeW0": rng.uniform(-1, 1, (d, h)),
        "aeB0": rng.uniform(-1, 1, h),
        "aeW1": rng.uniform(-1, 1, (h, d)),
        "aeB1": rng.uniform(-1, 1, d),
    }


LINEAR = {"activation": "linear", "outputActivation": "linear"}


class EnergyBasedTest(unittest.TestCase):
    def test_identity_autoencoder_has_zero_energy(self) -> None:
        x = {"xReal": np.array([[1.0, -2.0], [0.5, 3.0]]), "xFake": np.array([[4.0, 0.0]]), **identity_ae(2)}
        r = CLIENT.eval(EB, x, params={**LINEAR, "margin": 1.5})
        self.assertEqual(float(r[("discriminator", "float64")]), 1.5)
        self.assertEqual(float(r[("generator", "float64")]), 0.0)
        np.testing.assert_array_equal(r[("energiesReal", "float64")], [0.0, 0.0])

    def test_mse_and_l2_energies_by_hand(self) -> None:
        # A linear autoencoder with decoder bias b reconstructs x + b: residual b for every x.
        x = {"xReal": np.array([[1.0, 2.0]]), "xFake": np.array([[0.0, 0.0], [5.0, 1.0]]), **identity_ae(2, [3.0, 4.0])}
        mse = out(EB, x, {**LINEAR}, "energiesFake")
        l2 = out(EB, x, {**LINEAR, "energy": "l2"}, "energiesFake")
        np.testing.assert_allclose(mse, [12.5, 12.5], rtol=0, atol=0)
        np.testing.assert_allclose(l2, [5.0, 5.0], rtol=1e-15)

    def test_hinge_and_losses(self) -> None:
        # Energies 0.5 (real) and 0.5 (fake) with margin 2: L_D = 0.5 + (2 - 0.5), L_G = 0.5.
        x = {"xReal": np.array([[0.0, 0.0]]), "xFake": np.array([[7.0, 7.0]]), **identity_ae(2, [1.0, 0.0])}
        self.assertAlmostEqual(float(out(EB, x, {**LINEAR, "margin": 2.0})), 2.0, places=15)
        self.assertAlmostEqual(float(out(EB, x, {**LINEAR, "margin": 2.0}, "generator")), 0.5, places=15)
        # Margin below the fake energy: the hinge vanishes, L_D = E[e_r].
        self.assertAlmostEqual(float(out(EB, x, {**LINEAR, "margin": 0.25})), 0.5, places=15)

    def test_nash_equilibrium_value_is_the_margin(self) -> None:
        # Zhao et al. 2017, Theorem 1: p_G = p_data and energies <= m give V = m.
        rng = np.random.default_rng(3)
        xr = rng.normal(size=(5, 3))
        x = {"xReal": xr, "xFake": xr.copy(), **random_ae(rng, 3, 4)}
        e = out(EB, x, {"activation": "tanh"}, "energiesReal")
        m = float(e.max()) + 0.5
        self.assertAlmostEqual(float(out(EB, x, {"activation": "tanh", "margin": m})), m, places=12)
        # and L_D >= m for any margin at p_G = p_data
        for margin in (0.01, float(np.median(e)), 10.0):
            self.assertGreaterEqual(float(out(EB, x, {"activation": "tanh", "margin": margin})), margin - 1e-12)

    def test_reductions_and_weights(self) -> None:
        x = {
            "xReal": np.array([[0.0, 0.0], [1.0, 1.0]]),
            "xFake": np.array([[2.0, 0.0], [0.0, 0.0]]),
            **identity_ae(2, [1.0, 1.0]),
        }
        none = out(EB, x, {**LINEAR, "reduction": "none", "margin": 3.0})
        np.testing.assert_allclose(none, [1.0 + 2.0, 1.0 + 2.0])
        w = {**x, "weightsReal": np.array([1.0, 3.0]), "weightsFake": np.array([2.0, 2.0])}
        self.assertAlmostEqual(float(out(EB, w, {**LINEAR, "margin": 3.0})), 3.0, places=15)

    def test_three_layer_autoencoder(self) -> None:
        rng = np.random.default_rng(5)
        ae = {**random_ae(rng, 2, 3)}
        ae["aeW1"], ae["aeB1"] = rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, 4)
        ae["aeW2"], ae["aeB2"] = rng.uniform(-1, 1, (4, 2)), rng.uniform(-1, 1, 2)
        xr = rng.normal(size=(3, 2))
        e = out(EB, {"xReal": xr, "xFake": xr, **ae}, {"activation": "softplus"}, "energiesReal")
        h = np.logaddexp(xr @ ae["aeW0"] + ae["aeB0"], 0)
        h = np.logaddexp(h @ ae["aeW1"] + ae["aeB1"], 0)
        rec = h @ ae["aeW2"] + ae["aeB2"]
        np.testing.assert_allclose(e, ((rec - xr) ** 2).mean(axis=1), rtol=1e-13)

    def test_bad_params(self) -> None:
        x = {"xReal": np.zeros((1, 2)), "xFake": np.zeros((1, 2)), **identity_ae(2)}
        for params in ({"margin": 0}, {"margin": -1}, {"energy": "l1"}, {"activation": "gelu"}, {"alpha": -0.1}):
            with self.assertRaises(OracleReplyError) as cm:
                CLIENT.eval(EB, x, params=params)
            self.assertEqual(cm.exception.code, "BAD_PARAMS", params)
        bad_inputs = (
            {**x, "xReal": np.zeros((1, 3))},
            {**x, "aeW1": np.zeros((3, 2))},
            {**x, "aeB0": np.zeros(3)},
            {**x, "aeW3": np.zeros((2, 2)), "aeB3": np.zeros(2)},
            {**x, "aeW2": np.zeros((2, 2))},
            {**x, "aeW1": np.zeros((2, 3)), "aeB1": np.zeros(3)},
        )
        for inputs in bad_inputs:
            with self.assertRaises(OracleReplyError) as cm:
                CLIENT.eval(EB, inputs, params={})
            self.assertEqual(cm.exception.code, "BAD_PARAMS")


def mr_nets(rng, d=2, dz=2, h=3) -> Dict[str, np.ndarray]:
    out_ = {}
    for p, (a, b) in {"enc": (d, dz), "gen": (dz, d), "disc": (d, 1)}.items():
        out_[f"{p}W0"], out_[f"{p}B0"] = rng.uniform(-1, 1, (a, h)), rng.uniform(-1, 1, h)
        out_[f"{p}W1"], out_[f"{p}B1"] = rng.uniform(-1, 1, (h, b)), rng.uniform(-1, 1, b)
    return out_


def perfect_mr(w, b) -> Dict[str, np.ndarray]:
    """Identity E and G (so G(E(x)) = x) and the linear discriminator l(x) = w.x + b."""
    return {
        "encW0": np.eye(2),
        "encB0": np.zeros(2),
        "encW1": np.eye(2),
        "encB1": np.zeros(2),
        "genW0": np.eye(2),
        "genB0": np.zeros(2),
        "genW1": np.eye(2),
        "genB1": np.zeros(2),
        "discW0": np.eye(2),
        "discB0": np.zeros(2),
        "discW1": np.asarray(w, float).reshape(2, 1),
        "discB1": np.array([b], float),
    }


class ModeRegularizedTest(unittest.TestCase):
    def test_closed_form_at_a_perfect_reconstruction(self) -> None:
        x = np.array([[1.0, -1.0], [0.5, 2.0]])
        z = np.array([[0.25, 0.5], [3.0, -2.0]])
        inputs = {"x": x, "z": z, **perfect_mr([1.0, -2.0], 0.5)}
        lx = x @ np.array([1.0, -2.0]) + 0.5
        lz = z @ np.array([1.0, -2.0]) + 0.5
        r = CLIENT.eval(MR, inputs, params={**LINEAR, "lambda1": 0.7, "lambda2": 1.3})
        te = 1.3 * np.mean([logsig(t) for t in lx])
        self.assertAlmostEqual(float(r[("encoder", "float64")]), te, places=14)
        self.assertAlmostEqual(float(r[("generator", "float64")]), te - np.mean([logsig(t) for t in lz]), places=14)
        ld = -np.mean([logsig(t) for t in lx]) - np.mean([logsig(-t) for t in lz])
        self.assertAlmostEqual(float(r[("discriminator", "float64")]), ld, places=14)

    def test_distances(self) -> None:
        # Decoder bias c: G(E(x)) = x + c, so d = |c|^2 ('l2') or |c|_1 ('l1') for every x.
        inputs = {"x": np.array([[1.0, 2.0]]), "z": np.array([[0.0, 0.0]]), **perfect_mr([0.0, 0.0], 0.0)}
        inputs["genB1"] = np.array([3.0, -4.0])
        for distance, d in (("l2", 25.0), ("l1", 7.0)):
            value = out(MR, inputs, {**LINEAR, "lambda1": 2.0, "lambda2": 0.0, "distance": distance}, "encoder")
            self.assertAlmostEqual(float(value), 2.0 * d, places=13)

    def test_zero_lambdas_give_the_non_saturating_gan(self) -> None:
        rng = np.random.default_rng(11)
        inputs = {"x": rng.normal(size=(4, 2)), "z": rng.normal(size=(3, 2)), **mr_nets(rng)}
        r = CLIENT.eval(MR, inputs, params={"lambda1": 0.0, "lambda2": 0.0, "activation": "elu"})
        self.assertEqual(float(r[("encoder", "float64")]), 0.0)
        r1 = CLIENT.eval(MR, inputs, params={"lambda1": 1.0, "lambda2": 0.5, "activation": "elu"})
        gap = r1[("generator", "float64")] - r1[("encoder", "float64")]
        self.assertAlmostEqual(float(gap), float(r[("generator", "float64")]), places=13)

    def test_bad_inputs(self) -> None:
        rng = np.random.default_rng(2)
        ok = {"x": rng.normal(size=(2, 2)), "z": rng.normal(size=(2, 2)), **mr_nets(rng)}
        for inputs in (
            {**ok, "discW1": np.zeros((3, 2)), "discB1": np.zeros(2)},
            {**ok, "z": np.zeros((2, 3))},
            {**ok, "genW0": np.zeros((3, 3))},
        ):
            with self.assertRaises(OracleReplyError) as cm:
                CLIENT.eval(MR, inputs)
            self.assertEqual(cm.exception.code, "BAD_PARAMS")
        for params in ({"lambda1": -1}, {"distance": "l3"}, {"reduction": "none", "lambda2": 1}):
            inputs = {**ok, "z": np.zeros((3, 2))} if params.get("reduction") else ok
            with self.assertRaises(OracleReplyError) as cm:
                CLIENT.eval(MR, inputs, params=params)
            self.assertEqual(cm.exception.code, "BAD_PARAMS")


class MixGanTest(unittest.TestCase):
    def test_equal_logits_give_the_mean_payoff(self) -> None:
        p = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        r = CLIENT.eval(
            MIX,
            {"payoff": p, "generatorLogits": np.array([0.3, 0.3]), "discriminatorLogits": np.full(3, -7.0)},
            params={"beta": 0.5},
        )
        self.assertAlmostEqual(float(r[("payoff", "float64")]), 3.5, places=15)
        self.assertAlmostEqual(float(r[("generator", "float64")]), 3.5 + 0.5 * math.log(2), places=14)
        self.assertAlmostEqual(float(r[("discriminator", "float64")]), -3.5 + 0.5 * math.log(3), places=14)
        r = CLIENT.eval(
            MIX,
            {"payoff": p, "generatorLogits": np.zeros(2), "discriminatorLogits": np.zeros(3)},
            params={"beta": 0.5, "regularizer": "entropy"},
        )
        self.assertAlmostEqual(float(r[("generator", "float64")]), 3.5 - 0.5 * math.log(2), places=14)

    def test_collapsed_mixtures(self) -> None:
        p = np.array([[1.0, -2.0], [3.0, 7.0]])
        r = CLIENT.eval(
            MIX,
            {"payoff": p, "generatorLogits": np.array([1e4, -1e4]), "discriminatorLogits": np.array([-1e4, 1e4])},
            params={"beta": 1.0},
        )
        self.assertEqual(float(r[("payoff", "float64")]), -2.0)
        # cross-entropy regularizer: -(1/2)(0 + (-2e4)) = 1e4
        self.assertAlmostEqual(float(r[("generator", "float64")]), -2.0 + 1e4, places=9)

    def test_bilinear_payoff_by_hand(self) -> None:
        rng = np.random.default_rng(9)
        p, ag, ad = rng.normal(size=(3, 4)), rng.normal(size=3), rng.normal(size=4)
        u, v = np.exp(ag) / np.exp(ag).sum(), np.exp(ad) / np.exp(ad).sum()
        got = out(MIX, {"payoff": p, "generatorLogits": ag, "discriminatorLogits": ad}, {"beta": 0.0}, "payoff")
        self.assertAlmostEqual(float(got), float(u @ p @ v), places=14)

    def test_bad_params(self) -> None:
        ok = {"payoff": np.zeros((2, 3)), "generatorLogits": np.zeros(2), "discriminatorLogits": np.zeros(3)}
        for inputs, params in (
            (ok, {"beta": -1}),
            (ok, {"regularizer": "kl"}),
            ({**ok, "generatorLogits": np.zeros(3)}, {}),
            ({**ok, "payoff": np.zeros(6)}, {}),
        ):
            with self.assertRaises(OracleReplyError) as cm:
                CLIENT.eval(MIX, inputs, params=params)
            self.assertEqual(cm.exception.code, "BAD_PARAMS")


def fd_check(
    test: unittest.TestCase, spec: str, inputs: Dict[str, np.ndarray], params, outputs: Sequence[str], seed: int = 0
) -> None:
    """Gradients and HVPs (joint over all inputs) against central differences in float64."""
    rng = np.random.default_rng(seed)
    names = sorted(inputs)
    dirs = {n: rng.uniform(-1, 1, inputs[n].shape) for n in names}
    res = CLIENT.eval(spec, inputs, params=params, wrt=names, directions=dirs)
    h = 1e-6
    for o in outputs:

        def total(shifted) -> float:
            return float(np.sum(CLIENT.eval(spec, shifted, params=params)[(o, "float64")]))

        def grads(shifted) -> Dict[str, np.ndarray]:
            r = CLIENT.eval(spec, shifted, params=params, wrt=names)
            return {n: r[(f"grad:{o}:{n}", "float64")] for n in names}

        for n in names:
            g = res[(f"grad:{o}:{n}", "float64")]
            for idx in np.ndindex(inputs[n].shape):
                plus = {k: v.copy() for k, v in inputs.items()}
                minus = {k: v.copy() for k, v in inputs.items()}
                plus[n][idx] += h
                minus[n][idx] -= h
                numeric = (total(plus) - total(minus)) / (2 * h)
                test.assertAlmostEqual(
                    g[idx], numeric, delta=1e-6 * (1 + abs(numeric)), msg=f"{spec} grad:{o}:{n}{idx}"
                )
        # HVP: directional derivative of the gradient along the joint direction.
        plus = {k: v + h * dirs[k] for k, v in inputs.items()}
        minus = {k: v - h * dirs[k] for k, v in inputs.items()}
        gp, gm = grads(plus), grads(minus)
        for n in names:
            numeric = (gp[n] - gm[n]) / (2 * h)
            np.testing.assert_allclose(
                res[(f"hvp:{o}:{n}", "float64")], numeric, rtol=1e-5, atol=1e-6, err_msg=f"{spec} hvp:{o}:{n}"
            )


class FiniteDifferenceTest(unittest.TestCase):
    def test_energy_based(self) -> None:
        rng = np.random.default_rng(21)
        for activation, energy in (("tanh", "mse"), ("selu", "l2"), ("swish", "mse")):
            inputs = {
                "xReal": rng.normal(size=(2, 2)),
                "xFake": rng.normal(size=(3, 2)),
                **random_ae(rng, 2, 3),
                "weightsReal": rng.uniform(0.5, 2, 2),
                "weightsFake": rng.uniform(0.5, 2, 3),
            }
            params = {"activation": activation, "outputActivation": "sigmoid", "energy": energy, "margin": 0.6}
            fd_check(self, EB, inputs, params, ("discriminator", "generator", "energiesFake"))

    def test_mode_regularized(self) -> None:
        rng = np.random.default_rng(22)
        for activation, distance in (("softplus", "l2"), ("leaky-relu", "l1")):
            inputs = {"x": rng.normal(size=(2, 2)), "z": rng.normal(size=(3, 2)), **mr_nets(rng)}
            params = {
                "activation": activation,
                "outputActivation": "tanh",
                "distance": distance,
                "lambda1": 0.5,
                "lambda2": 1.5,
                "alpha": 0.1,
            }
            fd_check(self, MR, inputs, params, ("discriminator", "generator", "encoder"))

    def test_mix_gan(self) -> None:
        rng = np.random.default_rng(23)
        for regularizer in ("cross-entropy", "entropy"):
            inputs = {
                "payoff": rng.normal(size=(3, 2)),
                "generatorLogits": rng.normal(size=3),
                "discriminatorLogits": rng.normal(size=2),
            }
            fd_check(
                self, MIX, inputs, {"beta": 0.7, "regularizer": regularizer}, ("discriminator", "generator", "payoff")
            )


if __name__ == "__main__":
    unittest.main()
