"""Benchmark tools: the synthetic LL2 event generator."""
