"""The ministry sandbox: a faithful local implementation of the connection service.

For tests, demos and vendors: `hub sandbox serve`, or `hub.sandbox.running(config)` in a
thread. See docs/ministry-sandbox.md for what it enforces and the choices where the spec is
silent.
"""

from hub.sandbox.auth import Account, Accounts
from hub.sandbox.faults import FaultPlan
from hub.sandbox.roster import Roster
from hub.sandbox.server import (
    RunningSandbox,
    SandboxConfig,
    build_app,
    running,
    serve,
    start,
)

__all__ = [
    "Account",
    "Accounts",
    "FaultPlan",
    "Roster",
    "RunningSandbox",
    "SandboxConfig",
    "build_app",
    "running",
    "serve",
    "start",
]
