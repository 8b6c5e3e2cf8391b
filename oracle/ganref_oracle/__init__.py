"""ganref_oracle: an independent PyTorch reference server for the ganref GAN-loss library.

It speaks the ganref oracle protocol, version 1 (see ``oracle/PROTOCOL.md``): ZeroMQ
request/reply, a UTF-8 JSON header frame followed by raw little-endian tensor frames. For each
spec of the catalog it returns values, gradients and Hessian-vector products computed with
PyTorch autograd, in float64 and float32.

Run it with ``python -m ganref_oracle`` (see ``oracle/README.md``).
"""

__version__ = "1.0.0"

#: The protocol version this package speaks.
PROTOCOL_VERSION = 1

#: The name the server gives itself in ``hello``.
SERVER_NAME = "ganref-oracle"

__all__ = ["__version__", "PROTOCOL_VERSION", "SERVER_NAME"]
