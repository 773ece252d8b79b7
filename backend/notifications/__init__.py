"""Notifications: in-app rows, an outbox of deliveries (telegram, email, webhook) and senders."""
