"""The append-only audit log of security and admin events (who, what, target, when, from where,
and the request id of the request that caused it)."""
