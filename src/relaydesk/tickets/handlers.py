"""Subscribers to ticket events. Each only enqueues work; tasks re-read their data."""
