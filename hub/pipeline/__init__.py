"""The sync engine: extract → map → check → build → sign → push, one module per stage.

    from hub.pipeline import SyncOptions, run_sync, ministry_client
    with ministry_client(config) as ministry:
        report = run_sync(config, SyncOptions(school="01234567"), ministry)

`hub.pipeline.runner` chains the stages; docs/architecture.md ("The sync engine") explains the
order of commits that makes a killed run safe to start again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.pipeline.runner import (
        SyncOptions,
        SyncReport,
        ministry_client,
        open_store,
        retry_rejected,
        run_sync,
    )


def __getattr__(name: str) -> Any:
    # Lazy: a worker process imports hub.pipeline.worker, and must not load the runner (the
    # store, the ministry client) that importing the package would otherwise bring in.
    if name in __all__:
        from hub.pipeline import runner

        return getattr(runner, name)
    raise AttributeError(name)


__all__ = [
    "SyncOptions",
    "SyncReport",
    "ministry_client",
    "open_store",
    "retry_rejected",
    "run_sync",
]
