"""Fault injection: each test breaks a real dependency (PostgreSQL, Redis, Binance, Telegram,
SMTP, a worker, the disk) and checks what the platform does (README "Reliability" > "Faults")."""
