"""Scheduled tasks for admins: every run of a cron job (and each manual run) recorded in
`task_runs` (recorder.py, called by the job wrapper in backend/jobs.py), the catalogue of the
scheduled jobs (catalog.py) and `/api/v1/admin/tasks*` (router.py)."""
