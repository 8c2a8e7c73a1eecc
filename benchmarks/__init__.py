"""Benchmarks of the terminal: scan-to-line latency, sale commit, cold start and memory.

Run with ``scripts/bench`` (or ``python -m benchmarks``). The machine is shared and noisy, so every figure is
printed beside a baseline measured in the same run, and the ratio between them is what to compare across runs.
``scripts/bench-compare BASE_DIR`` (``benchmarks.compare``, running ``compare_probe.py`` in each tree) compares the
sync and sale-commit benchmarks of two checkouts by instruction counts and alternated runs.
"""
