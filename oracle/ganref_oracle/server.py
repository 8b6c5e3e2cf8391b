"""The ZeroMQ REP server of the ganref oracle (PROTOCOL.md).

One request at a time: receive a multipart request, answer with exactly one multipart reply.
Every failure, whatever its cause, becomes a structured error reply and the server keeps
serving; only ``shutdown`` (after replying) or :meth:`OracleServer.stop` ends the loop.
"""

from __future__ import annotations

import logging
import os
import platform
import re
import threading
import time
import traceback
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import zmq

from . import SERVER_NAME, __version__
from .evaluate import evaluate, time_request
from .protocol import (
    EVAL_FAILED,
    Limits,
    OracleError,
    _dumps,
    decode_request,
    encode_cached_reply,
    encode_error,
    encode_reply,
)
from .registry import spec_defaults, spec_ids

log = logging.getLogger("ganref_oracle")

DEFAULT_BIND = "tcp://127.0.0.1:0"

_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def versions() -> Dict[str, str]:
    """Versions reported by ``hello``."""
    return {
        "python": platform.python_version(),
        "torch": str(torch.__version__),
        "numpy": str(np.__version__),
        "pyzmq": str(zmq.pyzmq_version()),
        "zmq": str(zmq.zmq_version()),
        "ganref_oracle": __version__,
    }


def normalize_endpoint(endpoint: str) -> str:
    """``tcp://host:0`` means "any free port": ZeroMQ spells that ``tcp://host:*``."""
    return re.sub(r"^(tcp://.+):0$", r"\1:*", endpoint)


def is_loopback(endpoint: str) -> bool:
    """Whether a bind endpoint is reachable only from this machine."""
    if not endpoint.startswith("tcp://"):
        return endpoint.startswith(("ipc://", "inproc://"))
    host = endpoint[len("tcp://") :].rsplit(":", 1)[0]
    return host in _LOOPBACK_HOSTS or host.startswith("127.")


def configure_torch(threads: Optional[int] = None) -> None:
    """Deterministic kernels where PyTorch has them; a fixed intra-op thread count if given."""
    torch.use_deterministic_algorithms(True, warn_only=True)
    if threads is not None:
        torch.set_num_threads(threads)


class OracleServer:
    """A REP socket serving the protocol.

    ``bind()`` returns the actual endpoint (a random free port for ``tcp://host:0``);
    ``serve()`` runs until ``shutdown`` or :meth:`stop`; ``handle()`` maps a request's frames to
    reply frames and can be used without a socket.
    """

    def __init__(
        self,
        bind: str = DEFAULT_BIND,
        limits: Limits = Limits(),
        context: Optional[zmq.Context] = None,
        poll_ms: int = 100,
    ) -> None:
        self.requested_endpoint = bind
        self.limits = limits
        self.poll_ms = poll_ms
        self._own_context = context is None
        self.context = context or zmq.Context()
        self.socket: Optional[zmq.Socket] = None
        self.endpoint: Optional[str] = None
        self._stop = threading.Event()
        #: True while a request is being handled (read by :meth:`terminate` from other threads).
        self._busy = False
        #: The fields of the ``hello`` reply, serialized once (they never change).
        self._hello_fields: Optional[bytes] = None

    # -- lifecycle -----------------------------------------------------------------------------

    def bind(self) -> str:
        """Bind the REP socket; return the endpoint actually bound (``LAST_ENDPOINT``)."""
        sock = self.context.socket(zmq.REP)
        sock.setsockopt(zmq.LINGER, 2000)
        # A frame longer than any valid frame is refused by ZeroMQ itself (the peer is
        # disconnected) so that it is never buffered whole: see PROTOCOL.md, "Limits".
        sock.setsockopt(zmq.MAXMSGSIZE, max(self.limits.max_bytes, self.limits.max_header_bytes))
        # ZeroMQ hands a multipart message over only once all of it has arrived, so no frame
        # count can be refused before it is buffered; a few queued messages per peer at most,
        # the whole-message check in decode_request, and the address-space cap of __main__
        # (--max-memory) bound what a peer can make the server hold.
        sock.setsockopt(zmq.RCVHWM, 4)
        endpoint = normalize_endpoint(self.requested_endpoint)
        try:
            sock.bind(endpoint)
        except zmq.ZMQError:
            sock.close(linger=0)
            raise
        self.socket = sock
        self.endpoint = sock.getsockopt_string(zmq.LAST_ENDPOINT)
        if not is_loopback(self.endpoint):
            log.warning("bound to %s, which is not loopback: any host that reaches it may send requests", self.endpoint)
        return self.endpoint

    def stop(self) -> None:
        """Ask :meth:`serve` to return after the request in progress (thread/signal safe)."""
        self._stop.set()

    @property
    def busy(self) -> bool:
        """Whether a request is being handled right now."""
        return self._busy

    def terminate(self, reason: str, status: int) -> None:
        """Stop now, from any thread: between requests, :meth:`serve` returns within ``poll_ms``;
        in the middle of an evaluation (which may be long) the process exits at once with
        ``status``, since nobody is left to wait for the answer."""
        self._stop.set()
        if self._busy:
            log.warning("%s during a request; exiting at once (status %d)", reason, status)
            for handler in logging.getLogger().handlers:
                try:
                    handler.flush()
                except Exception:  # pragma: no cover - best effort
                    pass
            os._exit(status)
        log.info("%s; stopping", reason)

    def close(self) -> None:
        """Close the socket (pending replies get up to 2 s to leave) and our context."""
        if self.socket is not None:
            self.socket.close(linger=2000)
            self.socket = None
        if self._own_context:
            self.context.term()

    def serve(self) -> str:
        """Serve until ``shutdown`` or :meth:`stop`; returns ``"shutdown"`` or ``"stopped"``."""
        if self.socket is None:
            self.bind()
        assert self.socket is not None
        poller = zmq.Poller()
        poller.register(self.socket, zmq.POLLIN)
        while not self._stop.is_set():
            if not poller.poll(self.poll_ms):
                continue
            self._busy = True
            try:
                frames = self.socket.recv_multipart(copy=False)
                if self._stop.is_set():
                    break  # terminate() came in between: do not start a request
                reply, shutdown = self.handle(frames)
                del frames
                self._send(reply)
            finally:
                self._busy = False
            if shutdown:
                log.info("shutdown requested; exiting")
                return "shutdown"
        log.info("stopped")
        return "stopped"

    def _send(self, reply: List[bytes]) -> None:
        """Send a reply; if that fails (out of memory), a short error instead, so that the REP
        socket stays in step."""
        assert self.socket is not None
        try:
            self.socket.send_multipart(reply, copy=False)
        except (zmq.ZMQError, MemoryError) as exc:
            log.error("cannot send the reply: %s", exc)
            self.socket.send_multipart(encode_error(EVAL_FAILED, f"cannot send the reply: {exc}"))

    # -- requests ------------------------------------------------------------------------------

    def handle(self, frames: Sequence[Any]) -> Tuple[List[bytes], bool]:
        """Answer one request. Returns the reply frames and whether to shut down. Never raises."""
        started = time.perf_counter()
        rid: Optional[str] = None
        op = "?"
        try:
            request = decode_request(frames, self.limits)
            rid, op = request.id, request.op
            if op == "hello":
                if self._hello_fields is None:
                    self._hello_fields = _dumps(
                        {
                            "server": SERVER_NAME,
                            "versions": versions(),
                            "specs": spec_ids(),
                            "defaults": spec_defaults(),
                            "limits": self.limits.as_json(),
                        }
                    )
                return encode_cached_reply(rid, self._hello_fields), False
            if op == "shutdown":
                return encode_reply(rid), True
            if op == "time":
                return encode_reply(rid, {"timings": time_request(request, self.limits)}), False
            results = evaluate(request, self.limits)
            reply = encode_reply(rid, None, results)
            log.debug(
                "eval %s id=%s: %d tensors in %.1f ms",
                request.spec,
                rid,
                len(results),
                1e3 * (time.perf_counter() - started),
            )
            return reply, False
        except OracleError as exc:
            rid = exc.request_id if exc.request_id is not None else rid
            log.info("request id=%s op=%s failed: %s %s", rid, op, exc.code, exc.message)
            return encode_error(exc.code, exc.message, rid), False
        except MemoryError:
            log.error("request id=%s op=%s: out of memory", rid, op)
            return encode_error(EVAL_FAILED, "out of memory", rid), False
        except Exception as exc:  # a bug: still answer, keep serving
            log.error("request id=%s op=%s: unexpected error\n%s", rid, op, traceback.format_exc())
            message = f"internal error: {type(exc).__name__}: {exc}"
            return encode_error(EVAL_FAILED, message[:2000], rid), False
