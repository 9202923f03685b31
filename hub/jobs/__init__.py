"""Work that runs without a person at the keyboard: schedules, the job queue, the service.

`operations` holds the jobs as plain functions (a sync, a retry of the rejected, a signing
advance, a report) over one piece of work (`pieces.Piece`: a source, a school, a year); the
scheduler, the in-process runner of `hub serve` on SQLite and the cluster's workers on
PostgreSQL all call them, as `hub sync` does. Nothing in `hub.jobs` parses a command line.

`scheduler` fires the [[schedules]] of config.toml into a `dispatch.Dispatcher` (`inprocess`
on one machine), `history` keeps each firing and its jobs' outcomes in the store, `overview`
is what `hub status` shows of them; hub.service runs them all as `hub serve`.
"""
