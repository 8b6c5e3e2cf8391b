"""The command line: READY line, --bind, limits, shutdown and signals."""

from __future__ import annotations

import json
import signal
import socket
import unittest

import numpy as np

from _support import Client, OracleProcess


class CliTest(unittest.TestCase):
    def test_shutdown_exits_cleanly(self) -> None:
        oracle = OracleProcess()
        with Client(oracle.endpoint) as client:
            reply, frames = client.request({"op": "shutdown", "id": "bye"})
        self.assertEqual(reply, {"protocol": 1, "id": "bye", "ok": True})
        self.assertEqual(frames, [])
        self.assertEqual(oracle.wait(), 0)
        rest = oracle.proc.stdout.read()
        self.assertEqual(rest, "", "exactly one line on stdout")
        oracle.close()

    def test_signals_exit_cleanly(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            with self.subTest(signal=signum.name):
                oracle = OracleProcess()
                with Client(oracle.endpoint) as client:
                    self.assertTrue(client.request({"op": "hello"})[0]["ok"])
                oracle.signal(signum)
                self.assertEqual(oracle.wait(), 0)
                oracle.close()

    def test_explicit_bind(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        oracle = OracleProcess("--bind", f"tcp://127.0.0.1:{port}")
        try:
            self.assertEqual(oracle.ready_line, f"GANREF_ORACLE READY tcp://127.0.0.1:{port}")
            with self.assertRaises(RuntimeError):
                OracleProcess("--bind", f"tcp://127.0.0.1:{port}", startup_timeout=30)
        finally:
            oracle.close()

    def test_max_bytes_and_oversized_frames(self) -> None:
        oracle = OracleProcess("--max-bytes", "1024")
        try:
            with Client(oracle.endpoint) as client:
                hello, _ = client.request({"op": "hello"})
                self.assertEqual(hello["limits"]["maxBytes"], 1024)
                big = np.zeros(200)  # 1600 bytes > 1024
                reply, _ = client.request(
                    {"op": "eval", "spec": "objective/wasserstein", "params": {}, "compute": ["float64"], "wrt": []},
                    [("criticReal", big), ("criticFake", big)],
                )
                self.assertEqual(reply["error"]["code"], "TOO_LARGE")
                ok = np.zeros(60)  # 2 x 480 bytes
                reply, _ = client.request(
                    {"op": "eval", "spec": "objective/wasserstein", "params": {}, "compute": ["float64"], "wrt": []},
                    [("criticReal", ok), ("criticFake", ok)],
                )
                self.assertTrue(reply["ok"], reply)
            # A frame longer than any valid frame is dropped by ZeroMQ (MAXMSGSIZE): no reply,
            # but the server keeps serving other connections.
            with Client(oracle.endpoint, timeout_ms=1500) as client:
                header = json.dumps({"protocol": 1, "id": "x", "op": "hello"}).encode()
                with self.assertRaises(TimeoutError):
                    client.raw([header, b"\0" * (2 << 20)])
            with Client(oracle.endpoint) as client:
                self.assertTrue(client.request({"op": "hello"})[0]["ok"])
        finally:
            oracle.close()


if __name__ == "__main__":
    unittest.main()
