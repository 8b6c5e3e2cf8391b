"""Command line: ``python -m ganref_oracle [--bind ENDPOINT] [--max-bytes N] [--max-work N] [--work-floor N]
[--max-memory N] [--threads N] [--exit-with-parent]``.

Binds a REP socket (loopback, random free port by default), prints exactly one line
``GANREF_ORACLE READY <endpoint>`` to stdout once bound, and serves until a ``shutdown``
request, SIGTERM or SIGINT; it then exits with status 0. A signal (or, with
``--exit-with-parent``, the parent's death) that arrives while a request is being evaluated ends
the process at once, with status 128 + the signal number (143 for SIGTERM; 129 when the parent
died): the signals are taken by a thread of their own, so a long evaluation cannot delay them.
The address space is capped (``RLIMIT_AS``) once the server is ready. Logs go to stderr.
"""

from __future__ import annotations

import signal

if __name__ == "__main__":
    # First of all, before torch is imported and starts threads of its own (they inherit this
    # mask): the stop signals are blocked in every thread and taken by one (see main()).
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})

import argparse
import ctypes
import logging
import os
import sys
import threading
from typing import List, Optional

from . import PROTOCOL_VERSION, __version__
from .protocol import GIB, MIB, Limits
from .registry import spec_ids
from .server import DEFAULT_BIND, OracleServer, configure_torch

READY_PREFIX = "GANREF_ORACLE READY"

#: Signals the server stops on; blocked in every thread and taken by one thread (sigwait).
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
#: Exit status when the parent died during a request (as if by SIGHUP).
PARENT_GONE_STATUS = 128 + int(signal.SIGHUP)

#: Address space allowed per thread beyond the startup size (a glibc arena and a stack).
PER_THREAD_BYTES = 72 * MIB


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def vm_size() -> int:
    """This process's address space in bytes (Linux ``/proc``; 0 when unknown)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cap_address_space(headroom: int, log: logging.Logger) -> Optional[int]:
    """``RLIMIT_AS`` = the address space now + ``headroom``; returns the cap (None if unset)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return None
    now = vm_size()
    if now == 0:
        return None
    cap = now + headroom
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ValueError, OSError) as exc:
        log.warning("cannot cap the address space at %d bytes: %s", cap, exc)
        return None
    return cap


def die_with_parent(log: logging.Logger) -> None:
    """Linux: ask the kernel to send SIGTERM when the parent dies (``PR_SET_PDEATHSIG``), then
    check that the parent did not die before the request was made."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) != 0:
            log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
    except (OSError, AttributeError) as exc:  # pragma: no cover - no libc prctl
        log.warning("cannot set PR_SET_PDEATHSIG: %s", exc)
    if os.getppid() != parent:
        log.info("parent already gone; exiting")
        sys.exit(0)


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
        description=f"ganref PyTorch oracle server (protocol {PROTOCOL_VERSION}, see oracle/PROTOCOL.md).",
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
        "--max-work",
        type=_positive_int,
        default=4 * GIB,
        help="largest working memory one request may ask for, estimated from its shapes and "
        "parameters before it runs (see budget.py; default: %(default)s)",
    )
    parser.add_argument(
        "--work-floor",
        type=_positive_int,
        default=None,
        help="working memory any request may ask for whatever its size (default: 256 MiB; beyond it a "
        "request may ask for 64 x the bytes it carries); at most --max-work applies regardless. "
        "Raise it for a trusted local client whose small requests do large work (the benchmarks)",
    )
    parser.add_argument(
        "--max-memory",
        type=_non_negative_int,
        default=None,
        help="address space the server may add once ready (RLIMIT_AS), in bytes; 0: no cap "
        "(default: twice the largest message, plus --max-work, plus 72 MiB per thread)",
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
        help="stop when the parent process dies (Linux: PR_SET_PDEATHSIG) or standard input "
        "reaches end of file: a parent that spawns the server with a pipe on stdin takes it "
        "down with it, even when the parent is killed, even during an evaluation",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="log every request")
    parser.add_argument("--version", action="version", version=f"ganref_oracle {__version__}")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    # Before any other thread exists (torch's pools start later and inherit the mask): the stop
    # signals are blocked everywhere and taken by one thread, so that they are acted on even
    # while the main thread is inside a long evaluation.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="ganref_oracle %(levelname)s %(message)s",
    )
    log = logging.getLogger("ganref_oracle")
    if args.exit_with_parent:
        die_with_parent(log)
    configure_torch(args.threads)
    spec_ids()  # import and register every spec before announcing readiness

    limits = Limits(max_bytes=args.max_bytes, max_work_bytes=args.max_work, work_floor_bytes=args.work_floor)
    server = OracleServer(args.bind, limits)

    def take_signals() -> None:
        while True:
            signum = signal.sigwait(STOP_SIGNALS)
            server.terminate(f"received {signal.Signals(signum).name}", 128 + int(signum))

    threading.Thread(target=take_signals, name="signals", daemon=True).start()

    if args.exit_with_parent:

        def watch_stdin() -> None:
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            except (OSError, ValueError):
                pass
            server.terminate("standard input closed (parent gone)", PARENT_GONE_STATUS)

        threading.Thread(target=watch_stdin, name="parent-watch", daemon=True).start()

    try:
        endpoint = server.bind()
    except Exception as exc:  # zmq.ZMQError and friends: say why, exit non-zero
        log.error("cannot bind %s: %s", args.bind, exc)
        server.close()
        return 2
    threads = max(1, args.threads or 0, os.cpu_count() or 1)
    headroom = (
        args.max_memory
        if args.max_memory is not None
        else 2 * limits.max_message_bytes + limits.max_work_bytes + PER_THREAD_BYTES * threads
    )
    cap = cap_address_space(headroom, log) if headroom > 0 else None
    log.info(
        "ganref_oracle %s serving on %s (address space cap %s)",
        __version__,
        endpoint,
        f"{cap} bytes" if cap else "none",
    )
    sys.stdout.write(f"{READY_PREFIX} {endpoint}\n")
    sys.stdout.flush()
    try:
        server.serve()
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
