"""Work that runs without a person at the keyboard: schedules, the job queue, the service.

`operations` holds the jobs as plain functions (a sync, a retry of the rejected, a signing
advance, a report) over one piece of work (`pieces.Piece`: a source, a school, a year); the
scheduler, the in-process runner of `hub serve` on SQLite and the cluster's workers on
PostgreSQL all call them, as `hub sync` does. Nothing in `hub.jobs` parses a command line.
"""
