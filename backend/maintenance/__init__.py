"""Housekeeping jobs that belong to no one domain: the nightly cleanup (cleanup.py, tasks.py)."""
