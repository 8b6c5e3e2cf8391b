"""fdiv/<name> and objective/f-gan: closed forms, the conjugate pairs of Nowozin et al. 2016
(Tables 1-2) checked by Fenchel-Young, and gradients/HVPs against finite differences (float64)."""

from __future__ import annotations

import math
import unittest

import numpy as np

from _support import Client, OracleProcess

ORACLE: OracleProcess
CLIENT: Client

LOG2 = math.log(2.0)
FIXED = (
    "kl",
    "reverse-kl",
    "pearson-chi2",
    "neyman-chi2",
    "squared-hellinger",
    "jensen-shannon",
    "gan",
    "total-variation",
)
ALPHAS = (2.0, 0.5, -1.0, 3.0, -0.5, 0.3, 1.05)


def setUpModule() -> None:
    global ORACLE, CLIENT
    ORACLE = OracleProcess()
    CLIENT = Client(ORACLE.endpoint)


def tearDownModule() -> None:
    CLIENT.close()
    ORACLE.close()


def a(*values) -> np.ndarray:
    return np.array(values, dtype=np.float64)


def members():
    for name in FIXED:
        yield name, {}
    for alpha in ALPHAS:
        yield "alpha", {"alpha": alpha}


# f'(u), written by hand from Table 1, and f(1).
def f_prime(name, params, u):
    al = params.get("alpha")
    return {
        "kl": lambda: np.log(u) + 1,
        "reverse-kl": lambda: -1 / u,
        "pearson-chi2": lambda: 2 * (u - 1),
        "neyman-chi2": lambda: 1 - 1 / u**2,
        "squared-hellinger": lambda: 1 - 1 / np.sqrt(u),
        "jensen-shannon": lambda: np.log(2 * u / (u + 1)),
        "gan": lambda: np.log(u / (u + 1)),
        "total-variation": lambda: 0.5 * np.sign(u - 1),
        "alpha": lambda: (u ** (al - 1) - 1) / (al - 1) if al is not None else None,
    }[name]()


F_ONE = {"gan": -2 * LOG2}


def inv_activation(name, params, t):
    """g_f^-1(t), from Table 2's activations."""
    al = params.get("alpha")
    if name in ("kl", "pearson-chi2") or (name == "alpha" and al > 1):
        return t
    if name == "reverse-kl":
        return -np.log(-t)
    if name in ("neyman-chi2", "squared-hellinger"):
        return np.log(1 - t)
    if name == "jensen-shannon":
        s = np.exp(t) / 2
        return np.log(s / (1 - s))
    if name == "gan":
        s = np.exp(t)
        return np.log(s / (1 - s))
    if name == "total-variation":
        return np.arctanh(2 * t)
    return -np.log(np.expm1(1 / (1 - al) - t))


def fdiv(name, params, u, t, v, p, q, **kw):
    return CLIENT.eval(f"fdiv/{name}", {"u": u, "t": t, "v": v, "p": p, "q": q}, params=params, **kw)


class FDivergenceTest(unittest.TestCase):
    U = a(0.01, 0.3, 0.9, 1.0, 1.7, 5.0, 80.0)

    def test_f_at_one_and_f_prime_at_one(self) -> None:
        table = {"kl": 1.0, "reverse-kl": -1.0, "gan": -LOG2}
        for name, params in members():
            with self.subTest(name=name, params=params):
                out = fdiv(name, params, a(1.0), a(f_prime(name, params, a(1.0))[0]), a(0.0), a(0.5, 0.5), a(0.5, 0.5))
                self.assertAlmostEqual(float(out[("f", "float64")][0]), F_ONE.get(name, 0.0), places=14)
                self.assertAlmostEqual(float(out[("fPrimeAtOne", "float64")]), table.get(name, 0.0), places=14)
                self.assertAlmostEqual(float(out[("divergence", "float64")]), F_ONE.get(name, 0.0), places=14)

    def test_fenchel_young_equality_at_f_prime(self) -> None:
        # f(u) + f*(f'(u)) = u f'(u): checks each conjugate of Table 2 against its generator.
        for name, params in members():
            u = self.U
            t = f_prime(name, params, u)
            with self.subTest(name=name, params=params):
                out = fdiv(name, params, u, t, a(0.0), a(1.0), a(1.0))
                f, fs = out[("f", "float64")], out[("conjugate", "float64")]
                np.testing.assert_allclose(f + fs, u * t, rtol=1e-12, atol=1e-12)

    def test_fenchel_young_inequality_and_conjugate_is_sup(self) -> None:
        # f*(t) = sup_{u >= 0} (u t - f(u)) on a fine u-grid: catches Table 2's extended
        # conjugates (Pearson below t = -2, alpha > 1 below its kink, TV below -1/2).
        grid = np.exp(np.linspace(math.log(1e-7), math.log(1e5), 60001))
        rng = np.random.default_rng(5)
        for name, params in members():
            with self.subTest(name=name, params=params):
                probe = fdiv(
                    name,
                    params,
                    grid,
                    a(0.0) if name != "reverse-kl" and name != "gan" else a(-1.0),
                    a(0.0),
                    a(1.0),
                    a(1.0),
                )
                fg = probe[("f", "float64")]
                ustar = np.exp(rng.uniform(math.log(0.05), math.log(20), 12))
                ts = list(f_prime(name, params, ustar))
                if name == "pearson-chi2":
                    ts += [-2.5, -7.0]
                if name == "total-variation":
                    ts += [-0.75, -3.0]
                if name == "alpha" and params["alpha"] > 1:
                    ts += [-1 / (params["alpha"] - 1) - 0.5]
                ts = np.array(ts)
                out = fdiv(name, params, a(1.0), ts, a(0.0), a(1.0), a(1.0))
                fs = out[("conjugate", "float64")]
                f0 = {"pearson-chi2": 1.0, "total-variation": 0.5}.get(name)
                if name == "alpha" and params["alpha"] > 0:
                    f0 = 1 / params["alpha"]
                for t_i, fs_i in zip(ts, fs):
                    best = np.max(grid * t_i - fg)
                    if f0 is not None:
                        best = max(best, -f0)
                    self.assertLessEqual(best, fs_i + 1e-9 * (1 + abs(fs_i)))
                    self.assertAlmostEqual(best, fs_i, delta=1e-5 * (1 + abs(fs_i)))

    def test_activation_in_domain_and_fused_form(self) -> None:
        v = a(-30.0, -5.0, -0.5, 0.0, 0.7, 4.0, 25.0)
        for name, params in members():
            with self.subTest(name=name, params=params):
                out = fdiv(
                    name, params, a(1.0), a(0.0) if name not in ("reverse-kl", "gan") else a(-1.0), v, a(1.0), a(1.0)
                )
                g = out[("activation", "float64")]
                fused = out[("conjugateOfActivation", "float64")]
                # g_f(v) lies in dom f*: evaluating f* there is accepted (BAD_PARAMS otherwise) and
                # agrees with the fused form where g is not within rounding of the boundary.
                mid = np.abs(v) <= 5
                comp = fdiv(name, params, a(1.0), g[mid], a(0.0), a(1.0), a(1.0))[("conjugate", "float64")]
                np.testing.assert_allclose(fused[mid], comp, rtol=1e-9, atol=1e-12)
                self.assertTrue(np.all(np.isfinite(fused)))

    def test_closed_form_divergences(self) -> None:
        p, q = a(0.2, 0.5, 0.3, 0.0), a(0.4, 0.1, 0.25, 0.25)
        kl = lambda x, y: sum(xi * math.log(xi / yi) for xi, yi in zip(x, y) if xi > 0)  # noqa: E731
        m = (p + q) / 2
        jsd = 0.5 * kl(p, m) + 0.5 * kl(q, m)
        expected = {
            "kl": kl(p, q),
            "reverse-kl": math.inf,
            "pearson-chi2": float(np.sum((p - q) ** 2 / q)),
            "neyman-chi2": math.inf,
            "squared-hellinger": float(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)),
            "jensen-shannon": 2 * jsd,
            "gan": 2 * jsd - math.log(4),
            "total-variation": 0.5 * float(np.sum(np.abs(p - q))),
        }
        for name, value in expected.items():
            with self.subTest(name=name):
                out = fdiv(name, {}, a(1.0), a(-1.0), a(0.0), p, q)
                got = float(out[("divergence", "float64")])
                if math.isinf(value):
                    self.assertEqual(got, value)
                else:
                    self.assertAlmostEqual(got, value, places=13)
        # alpha = 2, 1/2, -1 are 1/2 Pearson, 2 Hellinger, 1/2 Neyman (positive masses)
        p2, q2 = a(0.2, 0.5, 0.3), a(0.4, 0.35, 0.25)
        for alpha, name, factor in (
            (2.0, "pearson-chi2", 0.5),
            (0.5, "squared-hellinger", 2.0),
            (-1.0, "neyman-chi2", 0.5),
        ):
            with self.subTest(alpha=alpha):
                d_alpha = fdiv("alpha", {"alpha": alpha}, a(1.0), a(0.0), a(0.0), p2, q2)[("divergence", "float64")]
                d_other = fdiv(name, {}, a(1.0), a(0.0), a(0.0), p2, q2)[("divergence", "float64")]
                self.assertAlmostEqual(float(d_alpha), factor * float(d_other), places=13)

    def test_parameters_are_checked(self) -> None:
        from _support import OracleReplyError

        for params in ({}, {"alpha": 1}, {"alpha": 0}):
            with self.assertRaises(OracleReplyError) as ctx:
                fdiv("alpha", params, a(1.0), a(0.0), a(0.0), a(1.0), a(1.0))
            self.assertEqual(ctx.exception.code, "BAD_PARAMS")
        with self.assertRaises(OracleReplyError):
            fdiv("kl", {"alpha": 2}, a(1.0), a(0.0), a(0.0), a(1.0), a(1.0))
        with self.assertRaises(OracleReplyError):  # t outside dom f*
            fdiv("gan", {}, a(1.0), a(0.5), a(0.0), a(1.0), a(1.0))
        with self.assertRaises(OracleReplyError):  # u <= 0
            fdiv("kl", {}, a(0.0), a(0.0), a(0.0), a(1.0), a(1.0))

    def test_gradients_and_hvps_match_finite_differences(self) -> None:
        rng = np.random.default_rng(11)
        h = 1e-5
        for name, params in members():
            u = rng.uniform(0.3, 3.0, 3)
            t = (
                rng.uniform(-0.4, 0.4, 3)
                if name == "total-variation"
                else f_prime(name, params, rng.uniform(0.3, 3.0, 3))
            )
            v = rng.uniform(-2, 2, 3)
            p = rng.uniform(0.2, 1, 4)
            p /= p.sum()
            q = rng.uniform(0.2, 1, 4)
            q /= q.sum()
            x = {"u": u, "t": t, "v": v, "p": p, "q": q}
            dirs = {k: rng.uniform(-1, 1, val.shape) for k, val in x.items()}
            out = CLIENT.eval(f"fdiv/{name}", x, params=params, wrt=list(x), directions=dirs)
            for o in ("f", "conjugate", "activation", "conjugateOfActivation", "divergence"):
                for k in x:
                    with self.subTest(name=name, params=params, output=o, wrt=k):

                        def total(shift, which=k):
                            y = {kk: vv.copy() for kk, vv in x.items()}
                            y[which] = y[which] + shift
                            return float(np.sum(CLIENT.eval(f"fdiv/{name}", y, params=params)[(o, "float64")]))

                        fd = np.zeros_like(x[k])
                        for i in range(len(fd)):
                            e = np.zeros_like(fd)
                            e[i] = h
                            fd[i] = (total(e) - total(-e)) / (2 * h)
                        np.testing.assert_allclose(out[(f"grad:{o}:{k}", "float64")], fd, rtol=1e-6, atol=1e-7)

                        # HVP: directional derivative of the gradient along dirs
                        def grad_at(sign):
                            y = {kk: vv + sign * h * dirs[kk] for kk, vv in x.items()}
                            return CLIENT.eval(f"fdiv/{name}", y, params=params, wrt=[k])[(f"grad:{o}:{k}", "float64")]

                        hvp_fd = (grad_at(1) - grad_at(-1)) / (2 * h)
                        np.testing.assert_allclose(out[(f"hvp:{o}:{k}", "float64")], hvp_fd, rtol=1e-5, atol=1e-6)


class FGanTest(unittest.TestCase):
    def test_gan_divergence_is_the_original_gan(self) -> None:
        vr, vf = a(-2.0, 0.5, 3.0), a(1.0, -1.5)
        out = CLIENT.eval("objective/f-gan", {"vReal": vr, "vFake": vf}, params={"divergence": "gan"})
        sp = lambda x: np.logaddexp(0, x)  # noqa: E731
        self.assertAlmostEqual(
            float(out[("discriminator", "float64")]), float(np.mean(sp(-vr)) + np.mean(sp(vf))), places=14
        )
        self.assertAlmostEqual(float(out[("generator", "float64")]), -float(np.mean(sp(vf))), places=14)
        self.assertAlmostEqual(float(out[("generatorHeuristic", "float64")]), float(np.mean(sp(-vf))), places=14)

    def test_optimal_variational_function_gives_minus_the_divergence(self) -> None:
        p, q = a(0.2, 0.3, 0.5), a(0.5, 0.25, 0.25)
        for name, params in members():
            with self.subTest(name=name, params=params):
                t = f_prime(name, params, p / q)
                if name == "total-variation":
                    v = 40.0 * np.sign(t)
                else:
                    v = inv_activation(name, params, t)
                out = CLIENT.eval(
                    "objective/f-gan",
                    {"vReal": v, "vFake": v, "weightsReal": p, "weightsFake": q},
                    params={"divergence": name, **params},
                )
                d = fdiv(name, params, a(1.0), a(-1.0) if name in ("reverse-kl", "gan") else a(0.0), a(0.0), p, q)
                self.assertAlmostEqual(
                    float(out[("discriminator", "float64")]), -float(d[("divergence", "float64")]), places=9
                )

    def test_reductions(self) -> None:
        vr, vf = a(-0.5, 0.5, 1.5), a(0.25, -1.0, 2.0)
        none = CLIENT.eval(
            "objective/f-gan", {"vReal": vr, "vFake": vf}, params={"divergence": "kl", "reduction": "none"}
        )
        total = CLIENT.eval(
            "objective/f-gan", {"vReal": vr, "vFake": vf}, params={"divergence": "kl", "reduction": "sum"}
        )
        np.testing.assert_allclose(none[("discriminator", "float64")], np.exp(vf - 1) - vr, rtol=1e-15)
        self.assertAlmostEqual(
            float(total[("discriminator", "float64")]), float(np.sum(np.exp(vf - 1) - vr)), places=13
        )
        self.assertAlmostEqual(float(total[("generatorHeuristic", "float64")]), -float(np.sum(vf)), places=14)


if __name__ == "__main__":
    unittest.main()
