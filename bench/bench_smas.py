"""SMAS: requests/s against the simulator's own ceiling, and pivot + map learners per CPU-second.

    .venv/bin/python bench/bench_smas.py [--classes-per-grade 10] [--learners 38] [--sweep]

A 1,500-learner lower-secondary school (4 grades × 10 classes × 38, 13 subjects: about 1,800
requests, 1,560 of them markbooks) is served by the simulator (`hub smas-sim serve`) in its
own process on loopback. In the same run:

1. the ceiling: the simulator's requests/s to the lightest client there is (http.client,
   keep-alive, the requests signed beforehand, as many threads as the adapter's bound),
   over the adapter's own list of requests;
2. the adapter: `fetch_school_year` (signing, pages, the parallel pool, JSON) → requests/s,
   and its share of the ceiling (goal ≥ 0.8); `--sweep` tries bounds 1–16 (the default,
   hub_smas.config.DEFAULT_PARALLEL, comes from this);
3. pivot + map: the fetched answers pivoted (hub_smas.pivot) and every record mapped
   (the plugin's mapping files) → learners per CPU-second (goal ≥ 5,000).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from hub_smas.client import ClientMetrics, SmasClient, signature
from hub_smas.config import DEFAULT_PARALLEL, Options
from hub_smas.fetch import SchoolYearAnswers, fetch_school_year
from hub_smas.keys import SchoolKey
from hub_smas.pivot import SchoolYear, choose_principal, pivot_school_year
from hub_smas.sample import write_keys
from hub_smas.sim.world import World, build_world, sim_settings
from hub_smas.source import SmasSource, load_vocabulary
from hub_smas.transport import HttpTransport

from hub.mapping import load_mappings
from hub.plugins import load_plugins

REQUESTS_GOAL = 0.8
LEARNERS_GOAL = 5_000


def _with_latency(
    world: World, folder: Path, key: SchoolKey, bounds: list[int], latency: float
) -> None:
    plan = folder / "faults.json"
    plan.write_text(json.dumps({"slow_rate": 1.0, "slow_seconds": latency}))
    process, base = _serve(world, folder, plan)
    try:
        for parallel in bounds:
            _, metrics, elapsed, _ = _fetch(base, key, "2024", parallel)
            print(f"parallel {parallel:2d}: {metrics.requests / elapsed:6.0f} req/s, the school "
                  f"in {elapsed:.1f} s")  # fmt: skip
    finally:
        process.terminate()
        process.wait(timeout=10)


def _serve(
    world: World, folder: Path, faults: Path | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    world.save(folder / "world.json")
    with socket_port() as port:
        pass
    hub = Path(sys.executable).parent / "hub"
    env = {**os.environ, "HUB_LOAD_PLUGINS": "smas"}
    process = subprocess.Popen(
        [str(hub), "smas-sim", "serve", str(folder), "--port", str(port)]
        + (["--faults", str(faults)] if faults else []),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(base + "/", timeout=1)
            return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("the simulator did not start")


class socket_port:  # noqa: N801 - a context manager read as a phrase
    """A free loopback port (closed again before the simulator binds it)."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return int(self.sock.getsockname()[1])

    def __exit__(self, *_: object) -> None:
        self.sock.close()


def _fetch(
    base: str, key: SchoolKey, first_year: str, parallel: int, record: bool = False
) -> tuple[SchoolYearAnswers, ClientMetrics, float, list[str]]:
    """One fetch of the school; with `record`, the request targets too (the ceiling's list).

    Recording costs the adapter time of its own, so the timed runs do not record: the list
    is the same every run (the answers are)."""
    options = Options.parse({"base_url": base, "keys_file_env": "X", "years": ["2024-2025"],
                             "parallel": parallel})  # fmt: skip
    targets: list[str] = []
    metrics = ClientMetrics()
    http = HttpTransport(base)
    with ThreadPoolExecutor(parallel) as pool:
        client = SmasClient(options, key, http, metrics)
        if record:
            original = client.get

            def recording(path: str, params=()):  # type: ignore[no-untyped-def]
                targets.append(SmasClient.target(path, params))
                return original(path, params)

            client.get = recording  # type: ignore[method-assign]
        started = time.perf_counter()
        answers = fetch_school_year(client, pool, key.school, first_year)
        elapsed = time.perf_counter() - started
    http.close()
    return answers, metrics, elapsed, targets


def _ceiling(base: str, key: SchoolKey, targets: list[str], threads: int) -> float:
    """Requests/s of the lightest client: http.client, keep-alive, pre-signed requests."""
    host, port = base.removeprefix("http://").split(":")
    stamp = str(int(time.time()))
    signed = [
        (t, {"X-Api-Key": key.api_key, "X-Timestamp": stamp,
             "X-Signature": signature(key.secret, "GET", t, stamp)})
        for t in targets
    ]  # fmt: skip
    chunks = [signed[i::threads] for i in range(threads)]
    barrier = threading.Barrier(threads + 1)

    def run(chunk: list[tuple[str, dict[str, str]]]) -> None:
        conn = http.client.HTTPConnection(host, int(port))
        barrier.wait()
        for target, headers in chunk:
            conn.request("GET", target, headers=headers)
            conn.getresponse().read()
        conn.close()

    workers = [threading.Thread(target=run, args=(c,)) for c in chunks]
    for w in workers:
        w.start()
    barrier.wait()
    started = time.perf_counter()
    for w in workers:
        w.join()
    return len(signed) / (time.perf_counter() - started)


def _pivot_and_map(answers: SchoolYearAnswers, source: SmasSource) -> tuple[int, float, float]:
    """Learners, and the CPU-seconds of the pivot and of the mapping (best of three)."""
    registry = load_plugins()
    mappings = load_mappings(registry.mapping_dirs, registry.transforms)
    vocabulary = load_vocabulary()
    school = source._school(answers.school, "2024-2025")
    year = SchoolYear(answers.school_code, "2024", "2024-2025", school,
                      choose_principal(answers.leaders))  # fmt: skip
    best: tuple[int, float, float] | None = None
    for _ in range(3):
        started = time.process_time()
        records, _problems = pivot_school_year(answers, year, vocabulary)
        pivoted = time.process_time()
        mapped = sum(1 for r in records if mappings.record(r.mapping).map(r).transcript is not None)
        done = time.process_time()
        assert mapped == len(records), (mapped, len(records))
        run = (len(records), pivoted - started, done - pivoted)
        if best is None or sum(run[1:]) < sum(best[1:]):
            best = run
    assert best is not None
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes-per-grade", type=int, default=10)
    parser.add_argument("--learners", type=int, default=38, help="learners per class")
    parser.add_argument("--sweep", action="store_true", help="try parallel bounds 1-16")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--latency", type=float, default=0.0, help="also measure with this many seconds per answer"
    )
    args = parser.parse_args()
    settings = sim_settings(levels=("03",), classes_per_grade=args.classes_per_grade,
                            learners_per_class=args.learners)  # fmt: skip
    world = build_world(settings, moved_rate=0.0, old_year=False)
    code = next(iter(world.schools))
    creds = world.schools[code]["credentials"]
    key = SchoolKey(code, creds["api_key"], creds["secret"])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_keys(world, folder)
        process, base = _serve(world, folder)
        try:
            bounds = [1, 2, 4, 8, 16] if args.sweep else [DEFAULT_PARALLEL]
            classes = world.schools[code]["years"]["2024"]["class_data"].values()
            print(f"school {code}: {sum(len(d['pupils']) for d in classes)} learners; best of "
                  f"{args.rounds} rounds each, adapter and ceiling taken in turn")  # fmt: skip
            for parallel in bounds:
                # warm up (connections, caches), and the list of requests the ceiling sends
                *_, targets = _fetch(base, key, "2024", parallel, record=True)
                rates, ceilings = [], []
                for _ in range(args.rounds):
                    answers, metrics, elapsed, _ = _fetch(base, key, "2024", parallel)
                    rates.append(metrics.requests / elapsed)
                    ceilings.append(_ceiling(base, key, targets, parallel))
                rate, ceiling = max(rates), max(ceilings)
                print(f"parallel {parallel:2d}: adapter {rate:6.0f} req/s, simulator ceiling "
                      f"{ceiling:6.0f} req/s → {rate / ceiling:.2f} of it "
                      f"(goal ≥ {REQUESTS_GOAL}); {metrics.requests} requests")  # fmt: skip
            if args.latency:
                print(f"with {args.latency * 1000:.0f} ms added to every answer (a vendor "
                      f"across a network):")  # fmt: skip
                _with_latency(world, folder, key, bounds, args.latency)
        finally:
            process.terminate()
            process.wait(timeout=10)
    source = SmasSource(Options.parse({"base_url": base, "keys_file_env": "X",
                                       "years": ["2024-2025"]}))  # fmt: skip
    learners, pivot, mapping = _pivot_and_map(answers, source)
    cpu = pivot + mapping
    print(f"pivot + map: {learners} learners in {cpu:.2f} CPU-s → {learners / cpu:,.0f} "
          f"learners per CPU-second (goal ≥ {LEARNERS_GOAL:,}); the pivot alone "
          f"{learners / pivot:,.0f}/CPU-s, the mapping (hub.mapping) alone "
          f"{learners / mapping:,.0f}/CPU-s")  # fmt: skip


if __name__ == "__main__":
    main()
