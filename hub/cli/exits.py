"""Exit codes, one per error family, so that schedulers and scripts can react to them."""

OK = 0
FINDINGS = 1  # the work ran; some document or signature has an error
USAGE = 2  # bad command line, unreadable file or folder, bad configuration
STORE = 3  # the store cannot be opened, is at another schema version, or lost a race
RETRY_LATER = 4  # the ministry was unreachable or still processing: nothing lost, run again
MINISTRY = 5  # the ministry refused the credentials or answered outside the contract
SIGNING = 6  # a signing key cannot be opened, or its holder refused
SOURCE = 7  # a source could not be read to its end (its plugin failed)
INTERNAL = 8  # a worker process died, or a batch does not add up: a bug to report
AUDIT_BROKEN = 9  # the audit log's hash chain is broken: an entry was altered, removed or added
INTERRUPTED = 130  # stopped by Ctrl-C (SIGINT): everything committed stands; run again
TERMINATED = 143  # stopped by SIGTERM (systemd, kill): everything committed stands; run again
