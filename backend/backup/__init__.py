"""Database backups: `python -m backend.cli backup|restore` and the daily scheduled backup."""
