"""The daily report job: each user's PnL and alerts of the day, and a system report for admins."""
