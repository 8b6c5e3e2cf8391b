"""Test helpers: run the oracle as a subprocess on a random loopback port and talk to it."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import zmq

ORACLE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
READY_PREFIX = "GANREF_ORACLE READY "
WIRE = {"float32": "<f4", "float64": "<f8", "int32": "<i4"}


class OracleProcess:
    """``python -m ganref_oracle`` in a child process; ``endpoint`` once it printed READY."""

    def __init__(self, *args: str, startup_timeout: float = 60.0) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = ORACLE_DIR + os.pathsep + env.get("PYTHONPATH", "")
        # stderr goes to a file, not a pipe: a pipe nobody drains would block the server once
        # its buffer filled with log lines.
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ganref_oracle", "--threads", "1", *args],
            cwd=ORACLE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
        )
        self.ready_line = self._read_ready(startup_timeout)
        self.endpoint = self.ready_line[len(READY_PREFIX) :]

    def _read_ready(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                line = self.proc.stdout.readline()
                if line:
                    return line.rstrip("\n")
            if self.proc.poll() is not None:
                break
        self.kill()
        message = f"oracle did not get ready; stderr:\n{self.stderr_text()}"
        self.close()
        raise RuntimeError(message)

    def stderr_text(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()

    def wait(self, timeout: float = 20.0) -> int:
        return self.proc.wait(timeout=timeout)

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def close(self) -> None:
        """Ask it to shut down; kill it if it does not."""
        if self.proc.poll() is None:
            try:
                with Client(self.endpoint, timeout_ms=5000) as client:
                    client.request({"op": "shutdown"})
                self.proc.wait(timeout=10)
            except Exception:  # noqa: BLE001
                self.kill()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.stderr.close()


def descriptor(name: str, array: np.ndarray) -> Dict[str, Any]:
    dtype = np.dtype(array.dtype).name
    return {"name": name, "dtype": dtype, "shape": list(array.shape), "nbytes": array.nbytes}


def encode_array(array: np.ndarray) -> bytes:
    return np.asarray(array, dtype=WIRE[np.dtype(array.dtype).name]).tobytes(order="C")


class Client:
    """A REQ client. A fresh socket per timeout, so one lost reply cannot wedge the tests."""

    def __init__(self, endpoint: str, timeout_ms: int = 20000) -> None:
        self.endpoint = endpoint
        self.timeout_ms = timeout_ms
        self.context = zmq.Context()
        self.socket = self._connect()

    def _connect(self) -> zmq.Socket:
        sock = self.context.socket(zmq.REQ)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.RCVTIMEO, self.timeout_ms)
        sock.setsockopt(zmq.SNDTIMEO, self.timeout_ms)
        sock.connect(self.endpoint)
        return sock

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.socket.close(linger=0)
        self.context.term()

    def raw(self, frames: Sequence[bytes]) -> Tuple[Dict[str, Any], List[bytes]]:
        """Send frames as they are; return the decoded reply header and its tensor frames."""
        try:
            self.socket.send_multipart(list(frames))
            reply = self.socket.recv_multipart()
        except zmq.Again:
            self.socket.close(linger=0)
            self.socket = self._connect()
            raise TimeoutError("no reply from the oracle")
        return json.loads(reply[0].decode("utf-8")), reply[1:]

    def request(
        self, header: Mapping[str, Any], tensors: Sequence[Tuple[str, np.ndarray]] = ()
    ) -> Tuple[Dict[str, Any], List[bytes]]:
        full = {"protocol": 1, "id": uuid.uuid4().hex}
        full.update(header)
        if tensors:
            full["tensors"] = [descriptor(n, a) for n, a in tensors]
        frames = [json.dumps(full).encode("utf-8")] + [encode_array(a) for _, a in tensors]
        reply, rest = self.raw(frames)
        assert reply.get("id") == full["id"], (reply, full["id"])
        return reply, rest

    def eval(
        self,
        spec: str,
        inputs: Mapping[str, np.ndarray],
        params: Optional[Mapping[str, Any]] = None,
        wrt: Sequence[str] = (),
        directions: Optional[Mapping[str, np.ndarray]] = None,
        compute: Sequence[str] = ("float64",),
    ) -> Dict[Tuple[str, str], np.ndarray]:
        """Evaluate a spec; returns ``{(name, compute): array}``. Raises on an error reply."""
        tensors = list(inputs.items())
        header: Dict[str, Any] = {
            "op": "eval",
            "spec": spec,
            "params": dict(params or {}),
            "tensors": [],
            "compute": list(compute),
            "wrt": list(wrt),
        }
        if directions:
            header["directions"] = {x: f"dir:{x}" for x in directions}
            tensors += [(f"dir:{x}", v) for x, v in directions.items()]
        reply, frames = self.request(header, tensors)
        if not reply.get("ok"):
            raise OracleReplyError(reply["error"]["code"], reply["error"]["message"])
        return decode_tensors(reply, frames)


class OracleReplyError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def decode_tensors(reply: Mapping[str, Any], frames: Sequence[bytes]) -> Dict[Tuple[str, str], np.ndarray]:
    descs = reply["tensors"]
    assert len(descs) == len(frames), (len(descs), len(frames))
    out = {}
    for desc, frame in zip(descs, frames):
        assert desc["nbytes"] == len(frame)
        assert desc["dtype"] == desc["compute"], desc
        array = np.frombuffer(frame, dtype=WIRE[desc["dtype"]]).reshape(desc["shape"])
        key = (desc["name"], desc["compute"])
        assert key not in out, key
        out[key] = array
    return out


__all__ = [
    "Client",
    "OracleProcess",
    "OracleReplyError",
    "decode_tensors",
    "descriptor",
    "encode_array",
]
