"""The HTTP face of `hub serve`: its routes, each with its authorisation rule, and /metrics.

The seal agent and, later, the console talk to these routes; Prometheus scrapes /metrics.
Nothing here runs a job itself: routes read the store or hand work to hub.jobs.
"""
