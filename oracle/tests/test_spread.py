"""The ``spread32`` compute (spread.py): Monte Carlo arithmetic at float32's unit roundoff."""

from __future__ import annotations

import unittest
from typing import Dict, List, Tuple

import numpy as np

from ganref_oracle.evaluate import evaluate
from ganref_oracle.protocol import Limits, OracleError, Request, decode_request
from ganref_oracle.registry import spec_ids
from ganref_oracle.spread import UNIT_ROUNDOFF

from test_reliability import frames_for

spec_ids()


def run(
    spec: str, tensors: Dict[str, np.ndarray], compute: List[str], wrt: List[str] = ()
) -> Dict[Tuple[str, str], np.ndarray]:
    request = Request(id="s", op="eval", header={}, spec=spec, tensors=tensors, compute=compute, wrt=list(wrt))
    return {(fields["name"], fields["compute"]): array for fields, array in evaluate(request)}


# objective/least-squares with one generated example: d/dw of the weighted mean is (l - L)/w = 0
# exactly, but a float32 computation of L = w*l/w is off by an ulp of l (torch's and ganref's: -2**-20).
LEAST_SQUARES = {
    "criticReal": np.array([-0.8615, 8.7033], dtype=np.float32),
    "criticFake": np.array([-5.9925], dtype=np.float32),
    "weightsReal": np.array([0.6647, 1.1750], dtype=np.float32),
    "weightsFake": np.array([1.9011], dtype=np.float32),
}


class SpreadTest(unittest.TestCase):
    def test_a_cancellation_has_the_spread_of_float32_rounding(self) -> None:
        out = run("objective/least-squares", LEAST_SQUARES, ["float64", "float32", "spread32"], list(LEAST_SQUARES))
        key = "grad:discriminator:weightsFake"
        self.assertEqual(out[(key, "float64")][0], 0.0)
        spread = out[(key, "spread32")][0]
        loss = 0.5 * 5.9925**2  # the per-example loss the cancellation starts from
        self.assertGreater(spread, 0.25 * UNIT_ROUNDOFF * loss)
        self.assertLess(spread, 64 * UNIT_ROUNDOFF * loss)
        self.assertEqual(out[(key, "spread32")].dtype, np.float64)

    def test_a_well_conditioned_result_has_a_spread_of_a_few_ulps(self) -> None:
        out = run("objective/least-squares", LEAST_SQUARES, ["spread32", "float64"])
        value = abs(out[("discriminator", "float64")].item())
        spread = out[("discriminator", "spread32")].item()
        self.assertGreater(spread, 0)
        self.assertLess(spread, 32 * UNIT_ROUNDOFF * value)

    def test_deterministic_and_alone(self) -> None:
        a = run("objective/least-squares", LEAST_SQUARES, ["spread32"], ["weightsFake"])
        b = run("objective/least-squares", LEAST_SQUARES, ["float64", "spread32"], ["weightsFake"])
        self.assertEqual(sorted(k for k in a), sorted(k for k in b if k[1] == "spread32"))
        for k, v in a.items():
            np.testing.assert_array_equal(v, b[k])

    def test_the_protocol_accepts_spread32_and_nothing_else_new(self) -> None:
        x = [("criticReal", LEAST_SQUARES["criticReal"]), ("criticFake", LEAST_SQUARES["criticFake"])]
        self.assertEqual(
            decode_request(frames_for("objective/least-squares", x, compute=["spread32"]), Limits()).compute,
            ["spread32"],
        )
        with self.assertRaises(OracleError):
            decode_request(frames_for("objective/least-squares", x, compute=["spread16"]), Limits())


if __name__ == "__main__":
    unittest.main()
