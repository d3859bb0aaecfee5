"""Saved views of the ticket list (personal or shared) and each staff member's own list
columns and view order."""
