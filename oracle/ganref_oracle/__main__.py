"""Command line: ``python -m ganref_oracle [--bind ENDPOINT] [--max-bytes N] [--threads N] [--exit-with-parent]``.

Binds a REP socket (loopback, random free port by default), prints exactly one line
``GANREF_ORACLE READY <endpoint>`` to stdout once bound, and serves until a ``shutdown``
request, SIGTERM or SIGINT; it then exits with status 0. Logs go to stderr.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import List, Optional

from . import PROTOCOL_VERSION, __version__
from .protocol import GIB, Limits
from .registry import spec_ids
from .server import DEFAULT_BIND, OracleServer, configure_torch

READY_PREFIX = "GANREF_ORACLE READY"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m ganref_oracle",
        description=f"ganref PyTorch oracle server (protocol {PROTOCOL_VERSION}, see "
        "oracle/PROTOCOL.md).",
    )
    parser.add_argument(
        "--bind",
        default=DEFAULT_BIND,
        help="ZeroMQ endpoint to bind; port 0 picks a free port (default: %(default)s)",
    )
    parser.add_argument(
        "--max-bytes",
        type=_positive_int,
        default=GIB,
        help="largest total tensor payload of a request, in bytes (default: %(default)s)",
    )
    parser.add_argument(
        "--threads",
        type=_positive_int,
        default=None,
        help="PyTorch intra-op threads (default: PyTorch's choice; use 1 for reproducibility)",
    )
    parser.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when standard input reaches end of file: a parent that spawns the server "
        "with a pipe on stdin takes it down with it, even when the parent is killed",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="log every request")
    parser.add_argument("--version", action="version", version=f"ganref_oracle {__version__}")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="ganref_oracle %(levelname)s %(message)s",
    )
    log = logging.getLogger("ganref_oracle")
    configure_torch(args.threads)
    spec_ids()  # import and register every spec before announcing readiness

    server = OracleServer(args.bind, Limits(max_bytes=args.max_bytes))

    def on_signal(signum: int, _frame: object) -> None:
        log.info("received %s; stopping", signal.Signals(signum).name)
        server.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    if args.exit_with_parent:

        def watch_stdin() -> None:
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            except (OSError, ValueError):
                pass
            log.info("standard input closed (parent gone); stopping")
            server.stop()

        threading.Thread(target=watch_stdin, name="parent-watch", daemon=True).start()

    try:
        endpoint = server.bind()
    except Exception as exc:  # zmq.ZMQError and friends: say why, exit non-zero
        log.error("cannot bind %s: %s", args.bind, exc)
        server.close()
        return 2
    log.info("ganref_oracle %s serving on %s", __version__, endpoint)
    sys.stdout.write(f"{READY_PREFIX} {endpoint}\n")
    sys.stdout.flush()
    try:
        server.serve()
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
