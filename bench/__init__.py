"""Benchmarks. The test suite runs only ``bulk_smoke.py``, as a process of its own."""
