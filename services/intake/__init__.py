"""Intake: the HTTP API for customers, agents and admins (port 8000)."""
