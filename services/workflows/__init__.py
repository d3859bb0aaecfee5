"""The Temporal worker: one TicketWorkflow per ticket, on the `tickets` task queue."""
