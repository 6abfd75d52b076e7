"""Deterministic generator of synthetic LL2 2.3.0 detailed events; ``bench.generate_events`` is its CLI."""

from .events import generate_events

__all__ = ["generate_events"]
