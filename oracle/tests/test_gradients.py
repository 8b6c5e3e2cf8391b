"""Gradients and Hessian-vector products against central finite differences (float64), and
float32 results against float64 ones, for every spec, through the server."""

from __future__ import annotations

import unittest
from decimal import Decimal, getcontext
from typing import Dict, List, Sequence

import numpy as np

from _support import Client, OracleProcess

ORACLE: OracleProcess
CLIENT: Client


def setUpModule() -> None:
    global ORACLE, CLIENT
    ORACLE = OracleProcess()
    CLIENT = Client(ORACLE.endpoint)


def tearDownModule() -> None:
    CLIENT.close()
    ORACLE.close()


def simplex(rng: np.random.Generator, shape: Sequence[int]) -> np.ndarray:
    """Interior points of the simplex (every mass >= 0.05 / k), categories on the last axis."""
    x = rng.uniform(0.05, 1.0, size=shape)
    return x / x.sum(axis=-1, keepdims=True)


def cases() -> List[Dict]:
    rng = np.random.default_rng(20240611)
    out = []
    for spec in ("divergence/kl", "divergence/jensen-shannon"):
        out.append(dict(spec=spec, inputs={"p": simplex(rng, (2, 4)), "q": simplex(rng, (2, 4))}, wrt=["p", "q"]))
    for spec in ("theory/optimal-discriminator", "theory/virtual-training-criterion"):
        out.append(
            dict(spec=spec, inputs={"pData": simplex(rng, (3, 3)), "pG": simplex(rng, (3, 3))}, wrt=["pData", "pG"])
        )
    for spec, names in (
        ("objective/minimax", ("logitsReal", "logitsFake")),
        ("objective/non-saturating", ("logitsReal", "logitsFake")),
        ("objective/wasserstein", ("criticReal", "criticFake")),
    ):
        for reduction in ("mean", "sum", "none"):
            inputs = {names[0]: rng.normal(0, 2, 4), names[1]: rng.normal(0, 2, 4)}
            out.append(dict(spec=spec, inputs=inputs, wrt=list(names), params={"reduction": reduction}))
        inputs = {
            names[0]: rng.normal(0, 2, 3),
            names[1]: rng.normal(0, 2, 5),
            "weightsReal": rng.uniform(0.5, 2, 3),
            "weightsFake": rng.uniform(0.5, 2, 5),
        }
        out.append(
            dict(spec=spec, inputs=inputs, wrt=[*names, "weightsReal", "weightsFake"], params={"reduction": "mean"})
        )
    return out


def summed(spec, inputs, params, output) -> float:
    out = CLIENT.eval(spec, inputs, params=params)
    return float(np.sum(out[(output, "float64")]))


class GradientTest(unittest.TestCase):
    H = 1e-6

    def test_gradients_match_central_differences(self) -> None:
        for case in cases():
            spec, inputs, wrt = case["spec"], case["inputs"], case["wrt"]
            params = case.get("params", {})
            out = CLIENT.eval(spec, inputs, params=params, wrt=wrt)
            outputs = sorted({name for name, _ in out if ":" not in name})
            for o in outputs:
                for x in wrt:
                    with self.subTest(spec=spec, params=params, output=o, wrt=x):
                        g = out[(f"grad:{o}:{x}", "float64")]
                        self.assertEqual(g.shape, inputs[x].shape)
                        fd = np.zeros_like(inputs[x])
                        for i in np.ndindex(inputs[x].shape):
                            plus = {k: v.copy() for k, v in inputs.items()}
                            minus = {k: v.copy() for k, v in inputs.items()}
                            plus[x][i] += self.H
                            minus[x][i] -= self.H
                            fd[i] = (summed(spec, plus, params, o) - summed(spec, minus, params, o)) / (2 * self.H)
                        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-7)

    def test_hvp_matches_differences_of_gradients(self) -> None:
        rng = np.random.default_rng(5)
        for case in cases():
            spec, inputs, wrt = case["spec"], case["inputs"], case["wrt"]
            params = case.get("params", {})
            dirs = {x: rng.normal(size=inputs[x].shape) for x in wrt}
            out = CLIENT.eval(spec, inputs, params=params, wrt=wrt, directions=dirs)
            h = 1e-5
            plus = {k: v + h * dirs[k] if k in dirs else v for k, v in inputs.items()}
            minus = {k: v - h * dirs[k] if k in dirs else v for k, v in inputs.items()}
            gp = CLIENT.eval(spec, plus, params=params, wrt=wrt)
            gm = CLIENT.eval(spec, minus, params=params, wrt=wrt)
            outputs = sorted({name for name, _ in out if ":" not in name})
            for o in outputs:
                for x in wrt:
                    with self.subTest(spec=spec, params=params, output=o, wrt=x):
                        hvp = out[(f"hvp:{o}:{x}", "float64")]
                        fd = (gp[(f"grad:{o}:{x}", "float64")] - gm[(f"grad:{o}:{x}", "float64")]) / (2 * h)
                        np.testing.assert_allclose(hvp, fd, rtol=1e-5, atol=1e-6)
                        # the gradient itself comes back unchanged when directions are given
                        plain = CLIENT.eval(spec, inputs, params=params, wrt=wrt)
                        np.testing.assert_array_equal(
                            out[(f"grad:{o}:{x}", "float64")], plain[(f"grad:{o}:{x}", "float64")]
                        )

    def test_float32_close_to_float64(self) -> None:
        rng = np.random.default_rng(11)
        for case in cases():
            spec, inputs, wrt = case["spec"], case["inputs"], case["wrt"]
            dirs = {x: rng.normal(size=inputs[x].shape) for x in wrt}
            out = CLIENT.eval(
                spec, inputs, params=case.get("params", {}), wrt=wrt, directions=dirs, compute=("float64", "float32")
            )
            names = {name for name, _ in out}
            for name in names:
                with self.subTest(spec=spec, name=name):
                    v64, v32 = out[(name, "float64")], out[(name, "float32")]
                    self.assertEqual(v64.dtype, np.float64)
                    self.assertEqual(v32.dtype, np.float32)
                    self.assertEqual(v64.shape, v32.shape)
                    np.testing.assert_allclose(v32, v64, rtol=2e-4, atol=2e-5)

    def test_unused_inputs_give_zero_gradients(self) -> None:
        # The generator losses do not depend on the real batch; Wasserstein is linear, so its
        # Hessian is zero.
        l = np.array([0.3, -1.2])
        v = np.array([1.0, 2.0])
        out = CLIENT.eval(
            "objective/wasserstein",
            {"criticReal": l, "criticFake": l},
            wrt=["criticReal", "criticFake"],
            directions={"criticReal": v, "criticFake": v},
        )
        np.testing.assert_array_equal(out[("grad:generator:criticReal", "float64")], [0.0, 0.0])
        np.testing.assert_array_equal(out[("grad:generator:criticFake", "float64")], [-0.5, -0.5])
        for o in ("discriminator", "generator"):
            for x in ("criticReal", "criticFake"):
                np.testing.assert_array_equal(out[(f"hvp:{o}:{x}", "float64")], [0.0, 0.0])
        out = CLIENT.eval(
            "objective/minimax", {"logitsReal": l, "logitsFake": l}, wrt=["logitsReal"], directions={"logitsReal": v}
        )
        np.testing.assert_array_equal(out[("grad:generator:logitsReal", "float64")], [0.0, 0.0])
        np.testing.assert_array_equal(out[("hvp:generator:logitsReal", "float64")], [0.0, 0.0])


class AccuracyTest(unittest.TestCase):
    """Near-equal distributions, where a careless formula loses most digits."""

    @staticmethod
    def reference(p, q) -> Dict[str, float]:
        getcontext().prec = 50
        kl = Decimal(0)
        js = Decimal(0)
        for pi, qi in zip(p, q):
            dp, dq = Decimal(float(pi)), Decimal(float(qi))
            dm = (dp + dq) / 2
            kl += dp * (dp / dq).ln()
            js += (dp * (dp / dm).ln() + dq * (dq / dm).ln()) / 2
        return {"kl": float(kl), "js": float(js)}

    def test_near_equal_distributions(self) -> None:
        rng = np.random.default_rng(3)
        p = simplex(rng, (6,))
        q = p * (1 + 1e-6 * rng.normal(size=6))
        q = q / q.sum()
        ref = self.reference(p, q)
        kl = CLIENT.eval("divergence/kl", {"p": p, "q": q})[("value", "float64")]
        js = CLIENT.eval("divergence/jensen-shannon", {"p": p, "q": q})[("value", "float64")]
        self.assertGreater(ref["kl"], 0)
        self.assertAlmostEqual(float(kl) / ref["kl"], 1.0, delta=1e-8)
        self.assertAlmostEqual(float(js) / ref["js"], 1.0, delta=1e-8)


if __name__ == "__main__":
    unittest.main()
