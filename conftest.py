"""Repo-level pytest configuration.

Stack tests (marker `stack`) need the Docker engine and images that scripts/setup
provides; `pytest -m "not stack"` runs the unit tests alone in seconds.
"""
