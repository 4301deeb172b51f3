"""Benchmarks of the compendium. Run: python -m bench [NAME ...]  (make bench)."""
