"""Benchmarks: `make bench` runs all, `make bench NAME=<name>` one; results in bench/results/."""
