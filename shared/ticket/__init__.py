"""The ticket contract that intake and the worker share: the ticket document (`document`:
the one built when a ticket is filed and the projection of the workflow's state)."""
