"""Reminders, escalations and notifications, delivered through a transactional outbox."""
