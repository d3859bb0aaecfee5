"""The ticket workflow, in parts: `workflow` (the run, the updates with their validators,
the signals), `steps` (what updates and timers share), `recorder` (history, projection,
notifications, activity calls), `timers` (when each timer falls due, pure), `rules` of
services/workflows/rules.py (what an update may do), `policies` (timeouts, retries, patch
ids) and `versions` (every patch, what it changed, when it can go)."""
