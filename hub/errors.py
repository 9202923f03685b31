"""The hub's exception tree, grouped by what the operator does next: each family's exit code.

Every family carries its `exit_code`, so the command line turns any error into its message and
code in one place (hub.cli.sync.run_guarded), and a retry policy follows from the family, never
from the words of a message (hub.ministry.errors).

    HubError                        anything the hub raises on purpose               8 internal
    ├── UsageError                  hub.errors: the command, config.toml or the      2 usage
    │   │                           environment is wrong: fix it and run again
    │   ├── CursorError             hub.sources: a stored read cursor is not           2
    │   │                           understood (`hub sync --full` reads from the start)
    │   ├── TrustStoreError         hub.signing.trust: the trust folder is unreadable  2
    │   └── ProviderConfigError     hub.signing.providers: a signing key cannot be     6 signing
    │                               opened (file, password, PIN, token): fix, run again
    ├── DataFileError               hub.errors: a mapping or code-list file is wrong   2 usage
    │                               (names file and line)
    ├── DocumentError               hub.errors: a document cannot be read at all       1 findings
    │                               (carries its HB001/HB002 finding)
    ├── StoreError                  hub.store.engine: absent, unreachable, not a hub   3 store
    │   │                           database, another schema revision: `hub db upgrade`
    │   ├── StaleStateError         hub.store.engine: another process moved a record   3
    │   │                           first; nothing changed: run again
    │   └── LeaseHeld               hub.store.leases: another sync holds the store:    3
    │                               wait for it, or stop it
    ├── MinistryError               hub.ministry.errors: the connection service        5 ministry
    │   ├── Retryable               rate limit, maintenance, 5xx, network: the client  4 later
    │   │                           retries them itself, with back-off
    │   ├── GaveUp                  retries outlasted: nothing lost, run again later   4
    │   ├── StillProcessing         the answer is not ready: `hub sync` later settles  4
    │   └── Fatal                   credentials refused, request refused, an answer    5
    │                               outside the contract: a person must look
    ├── SigningRefused              hub.signing.providers: the key holder said no or   6 signing
    │                               did not answer: ask them, run again
    ├── SigningError                hub.signing.sign: a document cannot be signed      6
    ├── SignerNotFound              hub.signing.providers: no key of the person the    6
    │                               document names (a people provider)
    ├── TokenError                  hub.signing.providers.pkcs11: the token failed     6
    ├── RemoteSigningError          hub.signing.providers.remote: the service failed   6
    ├── SourceFailed                hub.pipeline.extract: a plugin failed reading a    7 source
    │                               source (the message names it)
    └── CanonicalJsonError          hub.canonical: a transcript cannot be written as   8
                                    canonical JSON (a bug)

    StopRequested (BaseException)   hub.errors: SIGTERM or Ctrl-C; everything          143 / 130
                                    committed stands: run again

Codes 0 (done, all well), 1 (done, some learners rejected or with problems) and 9 (`hub audit
verify`: the chain is broken) are outcomes, not errors. docs/operations.md has the table.

Every message says the thing, the problem and the fix, in Vietnamese first and English beside.
"""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar

from hub.findings import Finding


class ExitCode(IntEnum):
    """The exit codes of every command, one per family (docs/operations.md, "Exit codes")."""

    OK = 0
    FINDINGS = 1  # the work ran; some learner, document or signature has an error
    USAGE = 2  # bad command line, config file or environment, unreadable file or folder
    STORE = 3  # the store cannot be used, is at another revision, is held, or lost a race
    RETRY_LATER = 4  # the ministry was unreachable or still processing: nothing lost
    MINISTRY = 5  # the ministry refused the credentials or answered outside the contract
    SIGNING = 6  # a signing key cannot be opened, or its holder refused
    SOURCE = 7  # a source could not be read to its end (its plugin failed)
    INTERNAL = 8  # a worker process died, or a batch does not add up: a bug to report
    AUDIT_BROKEN = 9  # the audit log's hash chain is broken
    INTERRUPTED = 130  # stopped by Ctrl-C (SIGINT): everything committed stands
    TERMINATED = 143  # stopped by SIGTERM: everything committed stands


class HubError(Exception):
    """Base of every error the hub raises on purpose."""

    exit_code: ClassVar[ExitCode] = ExitCode.INTERNAL

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(f"{message_vi} / {message_en}")
        self.message_vi = message_vi
        self.message_en = message_en


class UsageError(HubError):
    """The command line or the configuration is wrong."""

    exit_code = ExitCode.USAGE


class DataFileError(HubError):
    """A declarative data file (mapping, code list) does not match its schema."""

    exit_code = ExitCode.USAGE

    def __init__(self, path: str, line: int | None, message_vi: str, message_en: str) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message_vi}", f"{where}: {message_en}")
        self.path = path
        self.line = line


class DocumentError(HubError):
    """A transcript document cannot be read (HB001) or does not fit the schema (HB002)."""

    exit_code = ExitCode.FINDINGS

    def __init__(self, findings: list[Finding]) -> None:
        first = findings[0]
        super().__init__(first.message_vi, first.message_en)
        self.findings = findings


class StopRequested(BaseException):
    """The process was asked to stop (SIGTERM, Ctrl-C): what was committed stands; run again.

    A BaseException, like KeyboardInterrupt, so that no `except Exception` on the way turns a
    stop into a learner's failure.
    """
