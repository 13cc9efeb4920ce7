"""Benchmarks: timed targets live here, not in the tests. `python -m bench` runs them all."""
