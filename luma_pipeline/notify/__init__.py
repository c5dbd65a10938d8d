"""Notifications: one message per pipeline run to the organiser's NOTIFY_URLS (apprise)."""
