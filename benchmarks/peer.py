"""The peer: the same queues in Ciw, recording what Ciw records (one data record per customer and station)."""

from __future__ import annotations

from collections import defaultdict
from time import perf_counter, process_time
from typing import Any

import ciw

from benchmarks.child import peak_kib


def measure(params: dict[str, Any]) -> dict[str, Any]:
    """Time building the network, simulating until `customers` have left, and fetching the records."""
    rate, servers, stations = params["rate"], params["servers"], params["stations"]
    service_rate = 1.0 / params["service_mean"]
    ciw.seed(params["seed"])
    start, cpu = perf_counter(), process_time()
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate)] + [None] * (stations - 1),
        service_distributions=[ciw.dists.Exponential(service_rate) for _ in range(stations)],
        number_of_servers=[servers] * stations,
        routing=[[1.0 if j == i + 1 else 0.0 for j in range(stations)] for i in range(stations)],
    )
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_customers(params["customers"], method="Complete")
    records = simulation.get_all_records()
    seconds, cpu = perf_counter() - start, process_time() - cpu
    peak = peak_kib()  # before the waits below are tallied: those are the benchmark's check, not Ciw's run
    waits: dict[int, list[float]] = defaultdict(list)
    totals: dict[int, float] = defaultdict(float)
    for record in records:
        waits[record.node].append(record.waiting_time)
        totals[record.id_number] += record.waiting_time
    finished = {record.id_number for record in records if record.node == stations}
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_kib": peak,
        "customers": len(finished),
        "mean_wait": sum(totals[i] for i in finished) / len(finished),
        "station_waits": [sum(waits[node]) / len(waits[node]) for node in range(1, stations + 1)],
        "version": ciw.__version__,
    }
