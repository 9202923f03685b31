"""The hub's exception tree, grouped by what the caller should do next.

    HubError                       anything the hub raises on purpose
    ├── UsageError                 the command line or the config is wrong: fix and re-run
    ├── DataFileError              a mapping or code-list file is wrong (names file and line)
    ├── DocumentError              a document cannot be read at all (carries its Finding)
    └── ...                        later families: retryable (network, rate limit) and fatal

Every message says the thing, the problem and the fix, in Vietnamese first and English beside.
"""

from __future__ import annotations

from hub.findings import Finding


class HubError(Exception):
    """Base of every error the hub raises on purpose."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(f"{message_vi} / {message_en}")
        self.message_vi = message_vi
        self.message_en = message_en


class UsageError(HubError):
    """The command line or the configuration is wrong."""


class DataFileError(HubError):
    """A declarative data file (mapping, code list) does not match its schema."""

    def __init__(self, path: str, line: int | None, message_vi: str, message_en: str) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message_vi}", f"{where}: {message_en}")
        self.path = path
        self.line = line


class DocumentError(HubError):
    """A transcript document cannot be read (HB001) or does not fit the schema (HB002)."""

    def __init__(self, findings: list[Finding]) -> None:
        first = findings[0]
        super().__init__(first.message_vi, first.message_en)
        self.findings = findings


class StopRequested(BaseException):
    """The process was asked to stop (SIGTERM, Ctrl-C): what was committed stands; run again.

    A BaseException, like KeyboardInterrupt, so that no `except Exception` on the way turns a
    stop into a learner's failure.
    """
