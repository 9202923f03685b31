"""The `hub` command: one group, one module per command under hub/cli/.

Commands are imported only when they run (click's lazy-group pattern), because importing
every one of them pulls in zeep, SQLAlchemy, uvicorn and lxml's schema and made `hub --help`
take seconds. To add a command, add its "module:attribute" to `COMMANDS`.

Exit codes shared by every command: 0 success; 1 the work ran and found errors (a document
with an error finding, a signature that does not hold); 2 usage or I/O error (click's own
usage errors exit 2 too). Other families have their own codes in `hub.cli.exits`.
"""

from __future__ import annotations

import importlib

import click

from hub import __version__

COMMANDS: dict[str, str] = {
    "audit": "hub.cli.audit:audit_group",
    "batches": "hub.cli.batches:batches_group",
    "db": "hub.cli.db:db_group",
    "demo": "hub.cli.demo:demo_command",
    "gen": "hub.cli.gen:gen_command",
    "jobs": "hub.cli.jobs:jobs_group",
    "pki": "hub.cli.pki:pki_group",
    "plugins": "hub.cli.plugins:plugins_command",
    "replace": "hub.cli.corrections:replace_command",
    "report": "hub.cli.report:report_command",
    "retry": "hub.cli.retry:retry_command",
    "sandbox": "hub.cli.sandbox:sandbox_group",
    "serve": "hub.cli.serve:serve_command",
    "sign": "hub.cli.sign:sign_command",
    "signers": "hub.cli.signers:signers_group",
    "signing-sim": "hub.cli.signing_sim:signing_sim",
    "status": "hub.cli.status:status_command",
    "sync": "hub.cli.sync:sync_command",
    "validate": "hub.cli.validate:validate_command",
    "verify": "hub.cli.verify:verify_command",
    "withdraw": "hub.cli.corrections:withdraw_command",
    "worker": "hub.cli.worker:worker_command",
}
"""Every command of `hub`: its name and where it lives."""

# One-line summaries for `hub --help`, so that listing the commands imports none of them.
SUMMARIES: dict[str, str] = {
    "audit": "Nhật ký kiểm toán / the audit log of what was signed and sent.",
    "batches": "Các lô (trường × năm học × lượt chạy) / batches and their learners.",
    "db": "Cơ sở dữ liệu của hub / the hub's database.",
    "demo": "Chạy thử toàn bộ quy trình / run the whole job on a generated province.",
    "gen": "Sinh dữ liệu học bạ của một tỉnh giả lập / generate a synthetic province.",
    "jobs": "Hàng đợi công việc / the cluster's job queue (PostgreSQL).",
    "pki": "Hạ tầng khóa thử nghiệm / test PKI.",
    "plugins": "Liệt kê các plugin đã cài / list the installed plugins.",
    "replace": "Thay học bạ đã cấp bằng bản sửa / replace an issued transcript.",
    "report": "Báo cáo lỗi và từ chối theo trường / problems and rejections per school.",
    "retry": "Gửi lại học sinh chưa có học bạ / retry a batch, a school or the rejected.",
    "sandbox": "Môi trường thử nghiệm của Bộ / the ministry sandbox.",
    "serve": "Chạy lịch và dịch vụ của hub / run the schedules, /healthz and /metrics.",
    "sign": "Ký học bạ cho một vai trò / sign documents for one role.",
    "signers": "Người ký học bạ theo phân công / who signs what (teaching assignments).",
    "signing-sim": "Mô phỏng dịch vụ ký từ xa / the remote signing service simulator.",
    "status": "Tình trạng học bạ theo trường / where each school's learners stand.",
    "sync": "Đồng bộ học bạ lên Bộ / sync transcripts from the sources to the ministry.",
    "validate": "Kiểm tra học bạ số / check documents: XML, schema and rules.",
    "verify": "Kiểm tra chữ ký học bạ / verify every signature of documents.",
    "withdraw": "Thu hồi một học bạ đã cấp / withdraw an issued transcript.",
    "worker": "Chạy công việc của hàng đợi / run the queued jobs on this machine (PostgreSQL).",
}


class LazyGroup(click.Group):
    """A click group that imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return plugin_command(cmd_name)
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, SUMMARIES.get(name, "")) for name in sorted(COMMANDS)])
        with formatter.section("Plugin commands"):
            formatter.write_dl(
                [("hub plugins", "các lệnh của plugin đã cài / the installed plugins' commands")]
            )


def plugin_command(name: str) -> click.Command | None:
    """The command `name` a plugin registered (`register_commands`), or None.

    Only a name that is not the hub's own loads the plugins, so `hub --help` and the hub's
    commands never pay for importing them; a plugin cannot shadow a command of the hub.
    """
    if name in COMMANDS:
        return None
    from hub.plugins import load_plugins

    return load_plugins().commands.get(name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hub")
def main() -> None:
    """hub: học bạ số integration hub / tích hợp học bạ số."""
    from hub.privacy import mask_logs

    mask_logs()  # no log line of any command shows a full personal ID
