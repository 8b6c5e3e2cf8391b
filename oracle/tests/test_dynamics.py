"""dynamics/bilinear and dynamics/dirac-gan: closed forms from the papers (the xy game's rates,
the Dirac-GAN's eigenvalues at its equilibrium), gradients against central finite differences
(float64), and parameter/input validation, through the server."""

from __future__ import annotations

import math
import unittest
from typing import Dict, Mapping

import numpy as np

from _support import Client, OracleProcess, OracleReplyError

ORACLE: OracleProcess
CLIENT: Client

BIL, DIRAC = "dynamics/bilinear", "dynamics/dirac-gan"


def setUpModule() -> None:
    global ORACLE, CLIENT
    ORACLE = OracleProcess()
    CLIENT = Client(ORACLE.endpoint)


def tearDownModule() -> None:
    CLIENT.close()
    ORACLE.close()


def out(spec: str, inputs: Mapping[str, np.ndarray], params=None, name="field", **kw) -> np.ndarray:
    return CLIENT.eval(spec, inputs, params=params, **kw)[(name, "float64")]


def state(a: float, b: float) -> Dict[str, np.ndarray]:
    return {"state": np.array([a, b], float)}


def norms(traj: np.ndarray) -> np.ndarray:
    return np.linalg.norm(traj, axis=1)


class Bilinear(unittest.TestCase):
    def test_field_jacobian_and_eigenvalues(self) -> None:
        r = CLIENT.eval(BIL, state(0.7, -1.3), params={"steps": 0})
        np.testing.assert_allclose(r[("field", "float64")], [1.3, 0.7], rtol=0, atol=0)
        np.testing.assert_allclose(r[("jacobian", "float64")], [[0, -1], [1, 0]], atol=0)
        np.testing.assert_allclose(r[("eigenvalues", "float64")], [[0, 1], [0, -1]], atol=1e-15)

    def test_rates_of_the_linear_rules(self) -> None:
        eta, gamma = 0.3, 0.8
        cases = {
            "simultaneous": math.sqrt(1 + eta**2),
            "consensus": math.hypot(1 - eta * gamma, eta),
            "extragradient": math.sqrt(1 - eta**2 + eta**4),
        }
        for rule, rate in cases.items():
            with self.subTest(rule=rule):
                t = out(BIL, state(1.0, 0.5), {"rule": rule, "eta": eta, "steps": 15, "consensus": gamma}, "trajectory")
                ratios = norms(t)[1:] / norms(t)[:-1]
                np.testing.assert_allclose(ratios, rate, rtol=1e-13)

    def test_alternating_conserves_its_quadratic_form(self) -> None:
        for k, eta in ((1, 0.5), (3, 0.9)):
            t = out(
                BIL,
                state(1.0, -0.25),
                {"rule": "alternating", "eta": eta, "steps": 400, "criticSteps": k},
                "trajectory",
            )
            q = k * t[:, 0] ** 2 + t[:, 1] ** 2 + k * eta * t[:, 0] * t[:, 1]
            np.testing.assert_allclose(q, q[0], rtol=1e-11)

    def test_optimistic_and_unrolled_converge_and_unrolled_k0_is_simultaneous(self) -> None:
        for rule in ("optimistic", "unrolled"):
            t = out(BIL, state(1.0, 1.0), {"rule": rule, "eta": 0.2, "steps": 300, "unroll": 2}, "trajectory")
            self.assertLess(norms(t)[-1], 0.5 * norms(t)[0], rule)
        a = out(BIL, state(0.3, -0.9), {"rule": "unrolled", "unroll": 0, "steps": 7}, "trajectory")
        b = out(BIL, state(0.3, -0.9), {"rule": "simultaneous", "steps": 7}, "trajectory")
        np.testing.assert_allclose(a, b, rtol=1e-15)

    def test_trajectory_gradient_matches_finite_differences(self) -> None:
        for rule in ("alternating", "consensus", "optimistic", "unrolled"):
            p = {"rule": rule, "eta": 0.3, "steps": 5, "criticSteps": 2, "unroll": 2}
            s = state(0.4, -0.7)
            g = CLIENT.eval(BIL, s, params=p, wrt=["state"])[("grad:trajectory:state", "float64")]
            fd = np.zeros(2)
            for i in range(2):
                hi, lo = s["state"].copy(), s["state"].copy()
                hi[i] += 1e-6
                lo[i] -= 1e-6
                fd[i] = (
                    out(BIL, {"state": hi}, p, "trajectory").sum() - out(BIL, {"state": lo}, p, "trajectory").sum()
                ) / 2e-6
            np.testing.assert_allclose(g, fd, rtol=1e-7, atol=1e-8, err_msg=rule)

    def test_parameter_validation(self) -> None:
        for params in (
            {"rule": "adam"},
            {"eta": 0},
            {"steps": 2.5},
            {"steps": 10001},
            {"criticSteps": 0},
            {"consensus": -1},
        ):
            with self.subTest(params=params), self.assertRaises(OracleReplyError) as cm:
                out(BIL, state(0, 0), params)
            self.assertEqual(cm.exception.code, "BAD_PARAMS")
        with self.assertRaises(OracleReplyError) as cm:
            out(BIL, {"state": np.zeros(3)})
        self.assertEqual(cm.exception.code, "BAD_PARAMS")


def sigmoid(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


class DiracGan(unittest.TestCase):
    def eig(self, **params) -> np.ndarray:
        inputs = state(0, 0)
        if params.get("regularizer") == "instance-noise":
            inputs.update(noiseReal=params.pop("noiseReal"), noiseFake=params.pop("noiseFake"))
        return out(DIRAC, inputs, {"steps": 0, **params}, "eigenvalues")

    def test_unregularized_eigenvalues_are_plus_minus_i_f_prime(self) -> None:
        for obj, a in (("minimax", 0.5), ("non-saturating", 0.5), ("wasserstein", 1.0), ("hinge", 1.0)):
            np.testing.assert_allclose(self.eig(objective=obj), [[0, a], [0, -a]], atol=1e-15, err_msg=obj)

    def test_r1_r2_eigenvalues(self) -> None:
        for reg in ("r1", "r2"):
            for gamma in (0.3, 2.0, 5.0):
                d = gamma**2 / 4 - 0.25
                want = (
                    [[-gamma / 2 + math.sqrt(d), 0], [-gamma / 2 - math.sqrt(d), 0]]
                    if d > 0
                    else [[-gamma / 2, math.sqrt(-d)], [-gamma / 2, -math.sqrt(-d)]]
                )
                np.testing.assert_allclose(self.eig(regularizer=reg, gamma=gamma), want, atol=1e-14)

    def test_instance_noise_eigenvalues(self) -> None:
        eps = np.array([1.0, -1.0, 0.4, -0.4])
        m = float(np.mean(eps**2))
        for sigma in (0.5, 3.0):
            h = -0.25 * sigma**2 * 2 * m / 2  # f''(0) sigma^2 (m_r + m_f) / 2
            d = h * h - 0.25
            want = (
                [[h + math.sqrt(d), 0], [h - math.sqrt(d), 0]] if d > 0 else [[h, math.sqrt(-d)], [h, -math.sqrt(-d)]]
            )
            got = self.eig(objective="minimax", regularizer="instance-noise", sigma=sigma, noiseReal=eps, noiseFake=eps)
            np.testing.assert_allclose(got, want, atol=1e-14)
        # f''(0) = 0 for WGAN: the noise changes nothing.
        got = self.eig(objective="wasserstein", regularizer="instance-noise", sigma=2.0, noiseReal=eps, noiseFake=eps)
        np.testing.assert_allclose(got, [[0, 1], [0, -1]], atol=1e-14)

    def test_consensus_eigenvalues(self) -> None:
        for obj, a in (("non-saturating", 0.5), ("wasserstein", 1.0)):
            got = self.eig(objective=obj, regularizer="consensus", gamma=1.5)
            np.testing.assert_allclose(got, [[-1.5 * a * a, a], [-1.5 * a * a, -a]], atol=1e-14)

    def test_fields_in_closed_form(self) -> None:
        th, ps = 0.6, -0.8
        v = out(DIRAC, state(th, ps), {"objective": "minimax", "steps": 0})
        np.testing.assert_allclose(v, [ps * sigmoid(ps * th), -th * sigmoid(ps * th)], rtol=1e-15)
        v = out(DIRAC, state(th, ps), {"objective": "non-saturating", "steps": 0})
        np.testing.assert_allclose(v, [ps * sigmoid(-ps * th), -th * sigmoid(ps * th)], rtol=1e-15)
        v = out(
            DIRAC,
            state(th, ps),
            {"objective": "wasserstein", "regularizer": "gradient-penalty", "lambda": 2.0, "steps": 0},
        )
        np.testing.assert_allclose(v, [ps, -th + 2 * 2.0 * (abs(ps) - 1)], rtol=1e-15)

    def test_convergence_table_from_trajectories(self) -> None:
        eps = np.array([1.0, -1.0, 0.5, -0.5])
        table = (
            ({"objective": "non-saturating"}, False),
            ({"objective": "wasserstein"}, False),
            ({"objective": "wasserstein", "regularizer": "gradient-penalty"}, False),
            ({"objective": "non-saturating", "regularizer": "r1"}, True),
            ({"objective": "minimax", "regularizer": "r2"}, True),
            ({"objective": "non-saturating", "regularizer": "consensus"}, True),
            ({"objective": "non-saturating", "regularizer": "instance-noise"}, True),
        )
        for params, converges in table:
            inputs = state(0.15, 0.1)
            if params.get("regularizer") == "instance-noise":
                inputs.update(noiseReal=eps, noiseFake=eps)
            t = out(DIRAC, inputs, {**params, "eta": 0.2, "steps": 300}, "trajectory")
            end, start = norms(t)[-1], norms(t)[0]
            self.assertEqual(end < 0.05 * start, converges, (params, end))

    def test_gradients_match_finite_differences(self) -> None:
        eps_r, eps_f = np.array([0.3, -1.1, 0.8]), np.array([-0.2, 0.9, 0.4])
        cases = (
            {"objective": "minimax", "regularizer": "r1", "rule": "consensus"},
            {"objective": "non-saturating", "regularizer": "consensus", "rule": "unrolled"},
            {"objective": "non-saturating", "regularizer": "instance-noise", "sigma": 0.7, "rule": "alternating"},
            {"objective": "hinge", "regularizer": "r2", "rule": "optimistic"},
        )
        for params in cases:
            inputs = state(0.35, -0.55)
            if params["regularizer"] == "instance-noise":
                inputs.update(noiseReal=eps_r, noiseFake=eps_f)
            p = {**params, "eta": 0.2, "steps": 4, "unroll": 2, "criticSteps": 2}
            names = sorted(inputs)
            r = CLIENT.eval(DIRAC, inputs, params=p, wrt=names)
            for o in ("field", "jacobian", "eigenvalues", "trajectory"):
                for n in names:
                    fd = np.zeros_like(inputs[n])
                    for i in range(inputs[n].size):
                        hi = {k: v.copy() for k, v in inputs.items()}
                        lo = {k: v.copy() for k, v in inputs.items()}
                        hi[n][i] += 1e-6
                        lo[n][i] -= 1e-6
                        fd[i] = (out(DIRAC, hi, p, o).sum() - out(DIRAC, lo, p, o).sum()) / 2e-6
                    np.testing.assert_allclose(
                        r[(f"grad:{o}:{n}", "float64")], fd, rtol=1e-6, atol=1e-7, err_msg=f"{params} {o} {n}"
                    )

    def test_input_and_parameter_validation(self) -> None:
        bad = (
            (state(0, 0), {"objective": "least-squares"}),
            (state(0, 0), {"regularizer": "dragan"}),
            (state(0, 0), {"gamma": -1}),
            (state(0, 0), {"regularizer": "instance-noise"}),
            ({**state(0, 0), "noiseReal": np.ones(2), "noiseFake": np.ones(2)}, {"regularizer": "r1"}),
            ({**state(0, 0), "noiseReal": np.ones((2, 1)), "noiseFake": np.ones(2)}, {"regularizer": "instance-noise"}),
        )
        for inputs, params in bad:
            with self.subTest(params=params), self.assertRaises(OracleReplyError) as cm:
                out(DIRAC, inputs, {"steps": 0, **params})
            self.assertEqual(cm.exception.code, "BAD_PARAMS")


if __name__ == "__main__":
    unittest.main()
