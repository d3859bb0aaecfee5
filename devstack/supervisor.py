"""`make run`'s supervisor: a process of the stack that exits is started again.

One crash does not take the desk down: the process is started again after a pause that
doubles with each exit within the last minute, the others keep serving, and the launcher
prints what happened (and writes it into that process's log). A process that keeps
crashing (`max_exits` within `window` seconds) stops the stack with its last log lines,
as no pause would mend it. Every process's id is in `<var>/run/<name>.pid`.
"""

import asyncio
import contextlib
import signal
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from devstack.servers import ProcessSpec, RunningProcess, StackError, start_all, stop_all


def exit_reason(returncode: int | None) -> str:
    if returncode is not None and returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return f"exit code {returncode}"


class Supervisor:
    def __init__(
        self,
        var: Path,
        cwd: Path,
        *,
        say: Callable[[str], None] = lambda line: print(line, flush=True),
        max_exits: int = 5,
        window: float = 60.0,
        first_pause: float = 1.0,
        max_pause: float = 30.0,
        poll: float = 0.25,
    ) -> None:
        self.log_dir = var / "log"
        self.pid_dir = var / "run"
        self.cwd = cwd
        self.say = say
        self.max_exits = max_exits
        self.window = window
        self.first_pause = first_pause
        self.max_pause = max_pause
        self.poll = poll
        # In start order; a restarted process takes its predecessor's place.
        self.processes: list[RunningProcess] = []
        self._exits: dict[str, deque[float]] = {}
        self._restarts: dict[str, asyncio.Task[None]] = {}

    async def start(self, specs: list[ProcessSpec]) -> None:
        """Start `specs` together and wait until every one is ready."""
        started = await start_all(specs, self.log_dir, self.cwd)
        self.processes += started
        for process in started:
            self._write_pid(process)

    async def supervise(self, stop: asyncio.Event) -> RunningProcess | None:
        """Restart what exits until `stop` is set (None) or a process exits too often
        (that process, its log tail told)."""
        while not stop.is_set():
            for index, process in enumerate(self.processes):
                name = process.spec.name
                if name in self._restarts or not process.exited():
                    continue
                exits = self._exits.setdefault(name, deque())
                now = time.monotonic()
                exits.append(now)
                while exits and exits[0] < now - self.window:
                    exits.popleft()
                reason = exit_reason(process.popen.returncode)
                if len(exits) >= self.max_exits:
                    self.say(
                        f"{name} exited {len(exits)} times within {self.window:g}s ({reason}); "
                        f"stopping the help desk. Last lines of {process.log_path}:\n"
                        f"{process.log_tail()}"
                    )
                    return process
                pause = min(self.first_pause * 2 ** (len(exits) - 1), self.max_pause)
                note = f"{name} {reason}; starting it again in {pause:g}s"
                self.say(note)
                self._note_in_log(process, note)
                self._restarts[name] = asyncio.create_task(self._restart(index, pause, stop))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll)
        return None

    async def _restart(self, index: int, pause: float, stop: asyncio.Event) -> None:
        old = self.processes[index]
        name = old.spec.name
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)
            if stop.is_set():
                return
            old.stop()  # closes its log file
            began = time.monotonic()
            process = RunningProcess(old.spec, old.log_path, self.cwd)
            self.processes[index] = process
            self._write_pid(process)
            try:
                await process.wait_ready()
            except StackError as exc:
                # Exited while starting: the next round counts it. Alive but not ready:
                # it may still come up, and stays supervised.
                if not process.exited():
                    self.say(f"{name} was started again but is not ready yet: {exc}")
                return
            self.say(
                f"{name} is serving again (pid {process.pid}, "
                f"ready {time.monotonic() - began:.1f}s after its start)"
            )
        finally:
            del self._restarts[name]

    async def stop(self) -> None:
        """Stop everything, services before the servers they use."""
        for task in list(self._restarts.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        stop_all(self.processes)
        for process in self.processes:
            (self.pid_dir / f"{process.spec.name}.pid").unlink(missing_ok=True)

    def _write_pid(self, process: RunningProcess) -> None:
        self.pid_dir.mkdir(parents=True, exist_ok=True)
        (self.pid_dir / f"{process.spec.name}.pid").write_text(f"{process.pid}\n")

    @staticmethod
    def _note_in_log(process: RunningProcess, note: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        with process.log_path.open("a") as log:
            log.write(f"--- {stamp} make run: {note}\n")
