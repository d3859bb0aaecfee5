"""Processes of the local stack: start, wait until they answer, stop.

Each `ProcessSpec` names a program, the port it must own and a probe that says when it is
ready. `make run` and the test suite start the same specs, on the default ports or on free
ones.
"""

import asyncio
import ctypes
import functools
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import aiosmtplib
import httpx
from pymongo import AsyncMongoClient
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

from devstack.meili_binary import verified_meili_binary
from shared.settings import embedded_mongodb_url

VENV_BIN = Path(sys.executable).parent
Probe = Callable[[], Awaitable[bool]]


class StackError(RuntimeError):
    """Something of the local stack could not start; the message says what to do."""


@dataclass
class ProcessSpec:
    name: str
    argv: list[str]
    port: int | None  # the port it must own; None for a process that listens on none
    probe: Probe
    env: Mapping[str, str] = field(default_factory=dict)
    startup_timeout: float = 60.0
    # What the process gets when its launcher dies without stopping it.
    parent_death_signal: signal.Signals = signal.SIGTERM


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on `port` now (a lingering TIME_WAIT does not count,
    as servers bind with SO_REUSEADDR too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A port nothing listens on now, for tests. It is drawn below the ephemeral range, so
    the kernel cannot hand it to an outgoing connection before our server binds it."""
    low, _ = _ephemeral_range()
    for _ in range(200):
        port = random.randint(20_000, max(20_001, low - 1))  # noqa: S311 - not a secret
        if port_is_free(port):
            return port
    raise StackError("no free port found for a test server")


def check_ports_free(specs: list[ProcessSpec]) -> None:
    """Fail fast, naming every port already taken and who needed it."""
    taken = [
        f"{spec.port} ({spec.name})"
        for spec in specs
        if spec.port is not None and not port_is_free(spec.port)
    ]
    if taken:
        raise StackError(
            "Port(s) already in use: "
            + ", ".join(taken)
            + ". Stop whatever listens there (another `make run`?) or point the matching "
            "setting (MONGODB_URL, TEMPORAL_ADDRESS, MEILI_URL, SMTP_PORT, INTAKE_URL, ...) "
            "at a free port."
        )


def _die_with_parent(death_signal: signal.Signals) -> None:
    """In the child: ask Linux to signal it when the launcher dies, even by SIGKILL, so no
    server outlives the `make run` or test session that started it."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, death_signal)


PR_SET_PDEATHSIG = 1


class RunningProcess:
    """A started process with its log file."""

    def __init__(self, spec: ProcessSpec, log_path: Path, cwd: Path) -> None:
        self.spec = spec
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("ab")
        # A session of its own: Ctrl-C in the terminal reaches only the launcher, which then
        # stops the processes in order.
        self.popen = subprocess.Popen(
            spec.argv,
            cwd=cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **spec.env},
            start_new_session=True,
            preexec_fn=functools.partial(_die_with_parent, spec.parent_death_signal),
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def exited(self) -> bool:
        return self.popen.poll() is not None

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    async def wait_ready(self) -> None:
        deadline = time.monotonic() + self.spec.startup_timeout
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            if self.exited():
                raise StackError(
                    f"{self.spec.name} exited with code {self.popen.returncode} while starting."
                    f" Last lines of {self.log_path}:\n{self.log_tail()}"
                )
            try:
                if await self.spec.probe():
                    return
            except Exception as exc:  # not answering yet is the normal case while it boots
                last_error = f"{type(exc).__name__}: {exc}"
            await asyncio.sleep(0.2)
        raise StackError(
            f"{self.spec.name} did not become ready within {self.spec.startup_timeout:g}s "
            f"({last_error}). Last lines of {self.log_path}:\n{self.log_tail()}"
        )

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
        if not self.exited():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._log.close()

    def kill(self) -> None:
        """SIGKILL at once, as a crash would (for tests)."""
        if not self.exited():
            self.popen.kill()
            self.popen.wait()
        self._log.close()


async def start_all(specs: list[ProcessSpec], log_dir: Path, cwd: Path) -> list[RunningProcess]:
    """Start every spec at once and wait until all are ready; stop them all on failure."""
    running = [RunningProcess(spec, log_dir / f"{spec.name}.log", cwd) for spec in specs]
    try:
        await asyncio.gather(*(process.wait_ready() for process in running))
    except BaseException:
        stop_all(running)
        raise
    return running


def stop_all(processes: list[RunningProcess]) -> None:
    """Stop in reverse order of start: services before the servers they use."""
    for process in reversed(processes):
        process.stop()


# --- probes ---------------------------------------------------------------------------


def mongo_probe(url: str) -> Probe:
    async def probe() -> bool:
        client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
            url, serverSelectionTimeoutMS=500
        )
        try:
            await client.admin.command("ping")
        finally:
            await client.close()
        return True

    return probe


def temporal_probe(address: str, namespace: str) -> Probe:
    async def probe() -> bool:
        client = await Client.connect(address, namespace=namespace)
        serving: bool = await client.service_client.check_health()
        if serving:
            # the dev server registers its namespace a moment after the frontend answers
            await client.workflow_service.describe_namespace(
                DescribeNamespaceRequest(namespace=namespace)
            )
        return serving

    return probe


def http_probe(url: str) -> Probe:
    async def probe() -> bool:
        async with httpx.AsyncClient(timeout=1.0) as client:
            response = await client.get(url)
        return response.status_code == 200

    return probe


def smtp_probe(port: int) -> Probe:
    async def probe() -> bool:
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=1.0)
        async with smtp:
            await smtp.noop()
        return True

    return probe


# --- the embedded servers ---------------------------------------------------------------


def mongo_server(*, port: int, storage: Path) -> ProcessSpec:
    url = embedded_mongodb_url(port)
    return ProcessSpec(
        name="mongodb",
        argv=[
            str(VENV_BIN / "secantusd-py"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            str(storage),
            "--log-level",
            "WARNING",
            # No oplog: nothing reads it (no change streams, no transactions), and writing
            # it cost a fifth of every write.
            "--standalone",
            # WiredTiger's cache grows to this and stays (1 GiB by default); the operating
            # system's page cache keeps the rest of the files at hand.
            "--cache-size",
            "256M",
        ],
        port=port,
        probe=mongo_probe(url),
        # Its graceful shutdown can hang once its clients are gone; every write a caller was
        # told is saved is journaled, so a kill loses nothing.
        parent_death_signal=signal.SIGKILL,
    )


def temporal_server(
    *, port: int, ui_port: int | None, db_file: Path, namespace: str = "default"
) -> ProcessSpec:
    argv = [
        str(VENV_BIN / "temporal"),
        "server",
        "start-dev",
        "--db-filename",
        str(db_file),
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--namespace",
        namespace,
        "--log-level",
        "warn",
    ]
    argv += ["--ui-port", str(ui_port)] if ui_port else ["--headless"]
    return ProcessSpec(
        name="temporal",
        argv=argv,
        port=port,
        probe=temporal_probe(f"127.0.0.1:{port}", namespace),
    )


def meili_server(*, port: int, data_dir: Path, master_key: str) -> ProcessSpec:
    binary = verified_meili_binary()
    return ProcessSpec(
        name="meilisearch",
        argv=[
            str(binary),
            "--no-analytics",
            "--env",
            "development",
            "--http-addr",
            f"127.0.0.1:{port}",
            "--db-path",
            str(data_dir / "data.ms"),
            "--dump-dir",
            str(data_dir / "dumps"),
            "--snapshot-dir",
            str(data_dir / "snapshots"),
            "--log-level",
            "WARN",
            # Indexing may take two thirds of the machine's memory by default, and what it
            # took stays resident: 1.1 GiB after indexing the demo FAQ, 250 MiB with this
            # bound and the allocator returning freed memory at once (a help desk's FAQ
            # and solutions index in seconds within it).
            "--max-indexing-memory",
            "256MiB",
        ],
        port=port,
        probe=http_probe(f"http://127.0.0.1:{port}/health"),
        env={
            "MEILI_MASTER_KEY": master_key,  # kept off the command line, which `ps` shows
            "MIMALLOC_PURGE_DELAY": "0",
            "MIMALLOC_ARENA_EAGER_COMMIT": "0",
        },
    )


def smtp_sink(*, port: int, maildir: Path) -> ProcessSpec:
    return ProcessSpec(
        name="smtp",
        argv=[
            sys.executable,
            "-m",
            "devstack.smtp_sink",
            "--port",
            str(port),
            "--maildir",
            str(maildir),
        ],
        port=port,
        probe=smtp_probe(port),
    )
