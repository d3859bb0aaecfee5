"""What the benchmarks' trivial workflow is sent and answers (passed through the workflow
sandbox, as the ticket workflow's models are)."""

from pydantic import BaseModel


class Bump(BaseModel):
    """Raise the counter by `by`."""

    by: int = 1


class Counted(BaseModel):
    """The counter after an update."""

    count: int
