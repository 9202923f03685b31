"""Exit codes, one per error family, so that schedulers and scripts can react to them.

The numbers live with the exception tree they follow from (hub.errors.ExitCode: every error
family carries its code); these names are the command line's.
"""

from hub.errors import ExitCode

OK = ExitCode.OK
FINDINGS = ExitCode.FINDINGS
USAGE = ExitCode.USAGE
STORE = ExitCode.STORE
RETRY_LATER = ExitCode.RETRY_LATER
MINISTRY = ExitCode.MINISTRY
SIGNING = ExitCode.SIGNING
SOURCE = ExitCode.SOURCE
INTERNAL = ExitCode.INTERNAL
AUDIT_BROKEN = ExitCode.AUDIT_BROKEN
INTERRUPTED = ExitCode.INTERRUPTED
TERMINATED = ExitCode.TERMINATED
