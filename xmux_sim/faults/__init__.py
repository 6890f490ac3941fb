"""Faults: objects with inject() and heal(), recorded on the run's timeline."""
