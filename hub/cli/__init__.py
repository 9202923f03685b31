"""The `hub` command: one group, one module per command under hub/cli/.

Exit codes shared by every command: 0 success; 1 the work ran and found errors (a document
with an error finding, a signature that does not hold); 2 usage or I/O error (click's own
usage errors exit 2 too). Later families add their own codes in `hub.cli.exits`.
"""

from __future__ import annotations

import click

from hub import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hub")
def main() -> None:
    """hub: học bạ số integration hub / tích hợp học bạ số."""
