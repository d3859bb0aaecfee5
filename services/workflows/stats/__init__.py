"""The statistics refresh the ticket worker runs: the activity, the workflow a schedule
starts every minute, and the schedule (the library it uses is shared/stats/)."""
