"""The vnEdu simulator: a loopback vnEdu partner API (sources.md, v2) seeded from a province.

    hub vnedu-sim init --out DIR [--schools 3 --learners-per-school 30 --seed 0 ...]
    HUB_VNEDU_SECRET=… hub vnedu-sim serve --state DIR --port 8090 [--faults PLAN.toml]

    from hub_vnedu.sim import init_state, InitSettings, running_simulator, FaultPlan
    init_state(state_dir, InitSettings(schools=3, learners_per_school=20))
    with running_simulator(state_dir, client_secret="s") as sim:
        sim.base_url, sim.trust_dir

Modules: `names` (every word it writes where a school types words: the adapter's mapping
files are checked against it), `items` (a transcript as the spec's learner item), `state`
(the state folder), `faults` (the fault plan), `app` (the endpoints and controls), `server`.
"""

from hub_vnedu.sim.faults import DocumentFault, Fault, FaultPlan
from hub_vnedu.sim.server import SECRET_ENV, RunningSimulator, running_simulator, start_simulator
from hub_vnedu.sim.state import InitSettings, SimState, init_state

__all__ = [
    "SECRET_ENV",
    "DocumentFault",
    "Fault",
    "FaultPlan",
    "InitSettings",
    "RunningSimulator",
    "SimState",
    "init_state",
    "running_simulator",
    "start_simulator",
]
