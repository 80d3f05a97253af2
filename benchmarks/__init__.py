"""Benchmarks run by `make bench`; results are medians and ratios from one run."""
