"""`hub serve`: run the schedules of config.toml, with /healthz and /metrics, until stopped.

One process for a province on one machine (hub.service draws its parts). SIGTERM (systemd's
stop) or Ctrl-C: no more firings, the running job stops after the chunk it is committing, and
the process exits within [serve] stop_timeout_s (+ about a second): 0 when every job stopped in
time, 143 when one had to be left (what it committed stands; the next start resumes it).
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from types import FrameType

import click

from hub.cli import exits
from hub.cli.operator_common import config_option
from hub.cli.sync import run_guarded


@click.command("serve")
@config_option
def serve_command(config_path: Path | None) -> None:
    """Chạy lịch và dịch vụ của hub / run the schedules and the hub's service until stopped."""
    from hub.config import load_config
    from hub.service import check_listen, serve_token, start
    from hub.store import open_existing

    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    def action() -> bool:
        config = load_config(config_path)
        token = serve_token()
        check_listen(config, token)
        store = open_existing(config.database_url())
        try:
            service = start(config, store, token)
        except BaseException:
            store.dispose()
            raise
        previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
        click.echo(
            f"hub serve: {service.server.base_url} — {len(config.schedules)} lịch/schedules, "
            f"{len(service.caught_up)} chạy bù/caught up. Dừng/stop: SIGTERM, Ctrl-C.",
            err=True,
        )
        try:
            while not stopping.wait(1.0):
                pass
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        click.echo(
            f"hub serve: đang dừng, tối đa {config.serve.stop_timeout_s} giây / stopping, "
            f"{config.serve.stop_timeout_s} s at most.",
            err=True,
        )
        return service.stop()

    stopped_in_time = run_guarded(action)
    if not stopped_in_time:
        click.echo(
            "Một việc chưa dừng kịp; phần đã ghi vẫn giữ, lần chạy sau làm tiếp. / A job did not "
            "stop in time; what it committed stands, the next run goes on.",
            err=True,
        )
        raise SystemExit(exits.TERMINATED)
    raise SystemExit(exits.OK)
