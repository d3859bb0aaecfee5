"""Notify: delivers every ticket event by e-mail, webhook and in-app inbox (port 8002)."""
