"""`hub plugins`: the loaded plugins with their version and hooks, and those that failed.

Text by default, JSON with `--format json` (as `llm plugins` prints it). Exit 0 when every
plugin loaded, 1 when one failed to load (it is listed with its error; the others still run).
"""

from __future__ import annotations

import json

import click

from hub.cli import COMMANDS, exits
from hub.plugins import load_plugins


@click.command("plugins")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def plugins_command(fmt: str) -> None:
    """List the installed plugins / Liệt kê các plugin đã cài."""
    registry = load_plugins()
    if fmt == "json":
        payload = {
            "plugins": [
                {
                    "name": p.name,
                    "version": p.version,
                    "distribution": p.distribution,
                    "hooks": list(p.hooks),
                }
                for p in registry.plugins
            ],
            "failures": [
                {"name": f.name, "distribution": f.distribution, "error": f.error}
                for f in registry.failures
            ],
            "sources": sorted(registry.sources),
            "transforms": sorted(registry.transforms),
            "commands": sorted(registry.commands),
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for plugin in registry.plugins:
            click.echo(f"{plugin.name} {plugin.version or '-'}  ({plugin.distribution or '-'})")
            for hook in plugin.hooks:
                click.echo(f"    {hook}")
        for name, command in sorted(registry.commands.items()):
            if name in COMMANDS:
                click.echo(
                    f"hub {name}  bỏ qua: trùng lệnh của hub / ignored: a command of the hub's own"
                )
                continue
            click.echo(f"hub {name}  {command.get_short_help_str(limit=70)}")
        for failure in registry.failures:
            click.echo(f"LỖI / FAILED {failure.name}: {failure.error}", err=True)
    raise SystemExit(exits.FINDINGS if registry.failures else exits.OK)
