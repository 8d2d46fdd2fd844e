"""The floor: a minimal raw SimPy script of the same queues.

Customers arrive in a Poisson stream and visit the stations of a tandem of
M/M/c stations in turn (a single station is an M/M/1 or M/M/c queue). The
script only queues and records one number per customer, the wait. The
per-station sums exist to check the script against Erlang C; they are
running totals, not records.
"""

from __future__ import annotations

import random
from time import perf_counter, process_time
from typing import Any

import simpy

from benchmarks.child import peak_kib


def simulate(
    rate: float, servers: int, stations: int, service_mean: float, customers: int, seed: int
) -> tuple[list[float], list[float]]:
    """Each customer's total wait, and the sum of the waits at each station."""
    rng = random.Random(seed)  # noqa: S311 - a simulation, not cryptography
    env = simpy.Environment()
    desks = [simpy.Resource(env, capacity=servers) for _ in range(stations)]
    waits: list[float] = []
    station_sums = [0.0] * stations

    def customer() -> simpy.events.ProcessGenerator:
        total = 0.0
        for k, desk in enumerate(desks):
            queued = env.now
            with desk.request() as turn:
                yield turn
                wait = env.now - queued
                station_sums[k] += wait
                total += wait
                yield env.timeout(rng.expovariate(1.0 / service_mean))
        waits.append(total)

    def source() -> simpy.events.ProcessGenerator:
        for _ in range(customers):
            yield env.timeout(rng.expovariate(rate))
            env.process(customer())

    env.process(source())
    env.run()
    return waits, station_sums


def measure(params: dict[str, Any]) -> dict[str, Any]:
    """Time one run (building the environment included) and say what it gave."""
    start, cpu = perf_counter(), process_time()
    waits, station_sums = simulate(
        params["rate"],
        params["servers"],
        params["stations"],
        params["service_mean"],
        params["customers"],
        params["seed"],
    )
    seconds, cpu = perf_counter() - start, process_time() - cpu
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_kib": peak_kib(),
        "customers": len(waits),
        "mean_wait": sum(waits) / len(waits),
        "station_waits": [total / len(waits) for total in station_sums],
    }
