"""Experiments: many replications of many configurations, and the questions asked of them.

- `runs`: `run_experiment` — every configuration on the same citizens, replication by replication.
- `executors`: where replications run (this process, local processes, Dask).
- `sweeps`: a field varied over values.
- `warmup`: choosing the warm-up and horizon from a run.
- `optimise`, `optimise_question`, `optimise_search`: the cheapest staffing meeting a standard.
"""
