"""Benchmarks: import speed and response times over synthetic events (``ingest.synthetic``)."""
