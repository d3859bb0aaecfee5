"""`make run`'s supervisor and start-up without dependencies: a killed process comes back
while the others keep serving, one that keeps exiting stops the stack with its last log
lines, and a worker started before MongoDB answers waits for it instead of exiting."""

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx

from devstack.servers import (
    ProcessSpec,
    RunningProcess,
    free_port,
    http_probe,
    mongo_server,
    port_is_free,
)
from devstack.stack import services, settings_environment, worker_probe
from devstack.supervisor import Supervisor
from shared.settings import embedded_mongodb_url
from tests.conftest import REPO_ROOT, Servers


def web_server(name: str, port: int) -> ProcessSpec:
    return ProcessSpec(
        name=name,
        argv=[sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        port=port,
        probe=http_probe(f"http://127.0.0.1:{port}/"),
    )


async def always_ready() -> bool:
    return True


async def wait_for_line(said: list[str], text: str, seconds: float = 30) -> str:
    for _ in range(int(seconds / 0.1)):
        for line in said:
            if text in line:
                return line
        await asyncio.sleep(0.1)
    raise AssertionError(f"never said {text!r}: {said}")


async def test_a_killed_process_is_started_again_while_the_others_keep_serving(
    tmp_path: Path,
) -> None:
    first, second = free_port(), free_port()
    said: list[str] = []
    supervisor = Supervisor(tmp_path / "var", tmp_path, say=said.append, first_pause=0.2)
    await supervisor.start([web_server("first", first), web_server("second", second)])
    stop = asyncio.Event()
    watching = asyncio.create_task(supervisor.supervise(stop))
    try:
        pid_file = tmp_path / "var" / "run" / "first.pid"
        killed = int(pid_file.read_text())
        os.kill(killed, signal.SIGKILL)
        async with httpx.AsyncClient(timeout=5) as http:
            # the other one never stopped answering
            assert (await http.get(f"http://127.0.0.1:{second}/")).status_code == 200
            await wait_for_line(said, "first killed by SIGKILL; starting it again")
            await wait_for_line(said, "first is serving again")
            assert (await http.get(f"http://127.0.0.1:{first}/")).status_code == 200
        assert int(pid_file.read_text()) != killed
        log = (tmp_path / "var" / "log" / "first.log").read_text()
        assert "make run: first killed by SIGKILL" in log
        assert not watching.done()
    finally:
        stop.set()
        assert await watching is None
        await supervisor.stop()
    assert port_is_free(first)
    assert port_is_free(second)
    assert not (tmp_path / "var" / "run" / "first.pid").exists()


async def test_a_process_that_keeps_exiting_stops_the_stack_with_its_last_log_lines(
    tmp_path: Path,
) -> None:
    steady = free_port()
    crashing = ProcessSpec(
        name="crashing",
        argv=[
            sys.executable,
            "-c",
            "import sys, time; print('cannot open the settings', flush=True); "
            "time.sleep(0.2); sys.exit(3)",
        ],
        port=None,
        probe=always_ready,
    )
    said: list[str] = []
    supervisor = Supervisor(tmp_path / "var", tmp_path, say=said.append, first_pause=0.05)
    await supervisor.start([web_server("steady", steady), crashing])
    try:
        gave_up = await asyncio.wait_for(supervisor.supervise(asyncio.Event()), 60)
        assert gave_up is not None
        assert gave_up.spec.name == "crashing"
        restarts = [line for line in said if line.startswith("crashing exit code 3; starting")]
        assert len(restarts) == 4, said
        final = said[-1]
        assert "crashing exited 5 times within 60s" in final
        assert "cannot open the settings" in final
        # the steady one served until the end
        async with httpx.AsyncClient(timeout=5) as http:
            assert (await http.get(f"http://127.0.0.1:{steady}/")).status_code == 200
    finally:
        await supervisor.stop()
    assert port_is_free(steady)


async def test_a_worker_started_before_mongodb_answers_becomes_ready_once_it_is_up(
    servers: Servers, tmp_path: Path
) -> None:
    mongo_port = free_port()
    settings = servers.settings(mongodb_url=embedded_mongodb_url(mongo_port))
    env = settings_environment(
        {
            "mongodb_url": settings.mongodb_url,
            "mongodb_db": settings.mongodb_db,
            "temporal_address": settings.temporal_address,
            "temporal_task_queue": settings.temporal_task_queue,
            "meili_url": settings.meili_url,
            "meili_master_key": settings.meili_master_key.get_secret_value(),
            "environment": "test",
        }
    )
    worker_spec = next(spec for spec in services(settings, env) if spec.name == "worker")
    worker = RunningProcess(worker_spec, tmp_path / "worker.log", REPO_ROOT)
    mongo: RunningProcess | None = None
    try:
        for _ in range(300):  # a first attempt waits out its server selection
            if "MongoDB does not answer yet" in worker.log_tail(50) or worker.exited():
                break
            await asyncio.sleep(0.1)
        assert not worker.exited(), worker.log_tail()
        assert "MongoDB does not answer yet" in worker.log_tail(50)
        assert not await worker_probe(settings)()  # not polling: not ready
        mongo = RunningProcess(
            mongo_server(port=mongo_port, storage=tmp_path / "mongo"),
            tmp_path / "mongo.log",
            REPO_ROOT,
        )
        await mongo.wait_ready()
        await worker.wait_ready()  # polls the task queue once MongoDB answers
        assert not worker.exited()
    finally:
        worker.stop()
        if mongo is not None:
            mongo.kill()
    assert worker.popen.returncode == 0, worker.log_tail()
