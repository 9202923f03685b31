"""A generated province for a vendor's simulator: the hub's generator, through the test face.

A plugin's simulator (hub_smas.sim, hub_vnedu's) serves a generated province's learners in
its vendor's shape; a plugin imports only `hub.api` and `hub.testing`, so the generator's
settings and its stream are re-exported here, unchanged (hub.gen documents them).
"""

from __future__ import annotations

from hub.gen import Generated, GenSettings, generate

__all__ = ["GenSettings", "Generated", "generate"]
