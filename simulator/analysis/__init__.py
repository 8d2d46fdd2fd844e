"""Analysis: from recorded tables to numbers.

- `metrics`: a replication's metrics, per service and for everyone, and per desk.
- `satisfaction`: the IKM survey (PermenPANRB 14/2017) answered by simulated citizens.
- `statistics`: means, bounded confidence intervals, paired differences.
- `capacity`: offered load and capacity of each desk before a run.
- `selection`: ranking and selection of candidates (for the optimiser).
- `tickets`: a replication's contacts as the queue-ticket log an office's system would have printed.
"""
