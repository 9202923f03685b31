"""A loopback SMAS (open API v1) for tests, benchmarks and demos: `hub smas-sim init/serve`.

world.py    a generated province in SMAS's shape (hub.testing's generator)
faults.py   the fault plan: 500s, slow answers, malformed bodies, a class that always fails
app.py      the ASGI app: HMAC verification, the clock window, pages, every endpoint
running.py  `running(world)`: the app in a thread on a free port (tests, the bench)
cli.py      the `hub smas-sim` command
"""
