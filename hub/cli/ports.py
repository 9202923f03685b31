"""The port a local server (`hub sandbox serve`, `hub signing-sim serve`) is asked to listen on.

uvicorn reports a busy port in English and exits with its own code 3, which is the hub's exit
code for a store error. The command checks the port first, so that a busy one is a usage error
(exit 2) that says which port and what to do.
"""

from __future__ import annotations

import errno
import socket

from hub.errors import UsageError


def check_port_free(host: str, port: int) -> None:
    """Refuse a port another program already listens on (port 0: the system picks a free one).

    Raises:
        UsageError: the port is in use, or the address cannot be bound here.
    """
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As uvicorn binds: SO_REUSEADDR lets a port whose old connections linger be reused,
        # but never one a listening socket holds.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(
                    f"Cổng {port} trên {host} đang được một chương trình khác dùng; dừng chương "
                    f"trình đó hoặc chọn cổng khác (--port).",
                    f"Port {port} on {host} is in use by another program; stop it or choose "
                    f"another port (--port).",
                ) from None
            raise UsageError(
                f"Không mở được cổng {port} trên {host} (lỗi hệ thống {exc.errno}).",
                f"Cannot listen on {host}:{port}: {exc.strerror}.",
            ) from None
