"""The scenario: what a user writes, read and checked before anything runs.

- `schema`: the Scenario and every field of a scenario file, validated (pydantic).
- `distributions`: the time distributions a field may name, as quantile functions.
- `loading`: reading a YAML or TOML file, its data files, and errors that name file and field.
- `observed`: counts and samples read from CSV files beside the scenario.
- `workload`: how much simulation a scenario asks for, checked before a run.
"""
