"""The performance suite of servicecycle: `python -m benchmarks.run` (see benchmarks/README.md).

Nothing is imported here, so a measured process imports only what its tool needs.
"""
