"""The ticket workflow, in parts: `workflow` (the run, one-line updates with their
validators over one `_apply`, the signals), `changes` (what each update does), `opening`
(a new ticket's first steps), `steps` (what updates and timers share, and the timers that
fell due), `recorder` (history, projection, notifications, typed activity calls), `timers`
(when each timer falls due, pure), `policies` (timeouts, retries, patch ids) and `versions`
(every patch, what it changed, when it can go). What an update may do is
services/workflows/rules.py."""
