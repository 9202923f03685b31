"""What the tests of the demo's child processes share (test_demo_vnedu, test_demo_smas):
whether a simulator still listens, and a serving block ended as Ctrl-C ends it."""

from __future__ import annotations

import socket
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest


def listening(url: str) -> bool:
    parts = urlsplit(url)
    assert parts.hostname == "127.0.0.1"
    with socket.socket() as probe:
        return probe.connect_ex((parts.hostname, parts.port or 80)) == 0


class Interrupted(KeyboardInterrupt):
    """Ctrl-C raised inside a serving block, carrying the URL that was served."""


def served_until_interrupted(serve: Callable[[], object]) -> str:
    """Run `serve` (which raises Interrupted(url) while its simulator serves); the URL."""
    with pytest.raises(Interrupted) as caught:
        serve()
    url = str(caught.value.args[0])
    assert url.startswith("http://127.0.0.1:")
    return url
