"""Exit codes, one per error family, so that schedulers and scripts can react to them."""

OK = 0
FINDINGS = 1  # the work ran; some document or signature has an error
USAGE = 2  # bad command line, unreadable file or folder, bad configuration
