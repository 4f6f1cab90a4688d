"""Benchmarks. Each compares Chainsight with a baseline measured in the same run."""
