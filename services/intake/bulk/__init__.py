"""Bulk actions on many tickets (issue: work on many tickets at once)."""
