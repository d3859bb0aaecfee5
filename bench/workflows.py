"""Baseline workflows of the benchmarks: as little as a workflow can be, so a baseline
measures what Temporal itself costs on this machine. Run by an in-process worker of the
benchmark on a task queue of its own."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from bench.workflow_models import Bump, Counted


@workflow.defn(name="BenchEmptyWorkflow")
class EmptyWorkflow:
    """Completes as soon as it starts: one workflow task."""

    @workflow.run
    async def run(self) -> None:
        return None


@workflow.defn(name="BenchTrivialWorkflow")
class TrivialWorkflow:
    """Holds a counter until told to stop; its update changes state and answers, nothing
    more (no activity, no timer)."""

    def __init__(self) -> None:
        self._count = 0
        self._done = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self._done)
        return self._count

    @workflow.update(name="bump")
    async def bump(self, request: Bump) -> Counted:
        self._count += request.by
        return Counted(count=self._count)

    @workflow.signal(name="stop")
    def stop(self) -> None:
        self._done = True
