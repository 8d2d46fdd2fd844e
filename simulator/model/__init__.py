"""The model: one replication of one configuration, simulated with SimPy.

- `calendar`: working time (opening hours, weekdays, holidays) in simulation minutes.
- `configurations`: what a configuration makes of the scenario (desks, steps, levers).
- `office`: the world citizens of one run share, and each service's route through it.
- `journey`: one citizen's service cycle, outing by outing.
- `staff`: desks and back offices, their queues and rosters.
- `run`: `simulate` — build the world, let citizens arrive, end with the last counted journey.
- `records`: what a run records (citizens, contacts, work, hours).
- `streams`: keyed random number streams (common random numbers across configurations).
- `processes`: starting SimPy processes.
"""
