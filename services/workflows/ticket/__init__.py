"""The ticket workflow's parts that are plain functions of its state (the workflow class is
services/workflows/ticket_workflow.py)."""
