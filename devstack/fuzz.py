"""`make fuzz`: Schemathesis against the three services' OpenAPI documents, as an admin, as
a customer and anonymously, on a private stack with the demo data; no answer may be a
server error. Each run is bounded by FUZZ_SECONDS and FUZZ_EXAMPLES per operation; the
case counts go to bench/results/fuzz.json.

Schemathesis runs from its own virtual environment (tools/fuzz/.venv, made by `make
fuzz`), so its dependencies never meet the desk's.
"""

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

from bench.common import REPO_ROOT, private_stack, write_result
from devstack.seed import DEMO_PASSWORD, seed_demo_data
from shared.mongo import create_mongo_client, get_database
from shared.settings import Environment

SCHEMATHESIS = REPO_ROOT / "tools" / "fuzz" / ".venv" / "bin" / "st"
FUZZ_SECONDS = int(os.environ.get("FUZZ_SECONDS", "60"))
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
CALLERS = {"admin": "admin@example.com", "customer": "alice@example.com", "anonymous": None}
# Limits a fuzzer would spend in seconds; nothing else of the stack is loosened.
STACK_ENV = {
    "RATE_LIMIT_PER_SECOND": "100000",
    "RATE_LIMIT_BURST": "100000",
    "SEARCH_RATE_PER_SECOND": "100000",
    "SEARCH_RATE_BURST": "100000",
    "LOGIN_ATTEMPTS_PER_MINUTE": "100000",
    "LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE": "100000",
}


async def token_of(intake_url: str, email: str) -> str:
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            f"{intake_url}/v1/auth/token", data={"username": email, "password": DEMO_PASSWORD}
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token


def run_schemathesis(base_url: str, token: str | None, report: Path) -> dict[str, Any]:
    """One bounded run; its figures from Schemathesis's NDJSON event report."""
    argv = [
        str(SCHEMATHESIS),
        "run",
        f"{base_url}/openapi.json",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        str(FUZZ_EXAMPLES),
        "--max-time",
        str(FUZZ_SECONDS),
        "--phases",
        "examples,coverage,fuzzing",
        "--request-timeout",
        "30",
        "--workers",
        "1",
        "--seed",
        "1",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
        "--no-color",
    ]
    if token:
        argv += ["--header", f"Authorization: Bearer {token}"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=FUZZ_SECONDS * 3 + 120)
    return {"exit_code": done.returncode, **summary(report), "output_tail": done.stdout[-1500:]}


def summary(report: Path) -> dict[str, Any]:
    """Operations, test cases and failures counted from the NDJSON events."""
    operations: set[str] = set()
    cases = 0
    failures: list[str] = []
    for line in report.read_text().splitlines() if report.exists() else []:
        event = json.loads(line)
        for kind, body in event.items():
            if kind == "ScenarioFinished" and isinstance(body, dict):
                recorder = body.get("recorder") or {}
                label = recorder.get("label")
                if label:
                    operations.add(label)
                cases += len(recorder.get("cases") or {})
                for check_results in (recorder.get("checks") or {}).values():
                    for check in check_results:
                        if str(check.get("status")).lower() == "failure":
                            failures.append(f"{label}: {check.get('name')}")
    return {"operations": len(operations), "cases": cases, "failures": sorted(set(failures))}


async def main() -> dict[str, object]:
    if not SCHEMATHESIS.exists():
        sys.exit("Schemathesis is not installed: run `make fuzz`.")
    runs: list[dict[str, Any]] = []
    async with private_stack(extra_env=STACK_ENV) as stack:
        settings = stack.settings
        mongo = create_mongo_client(settings)
        db = get_database(mongo, settings)
        await seed_demo_data(
            db, settings.model_copy(update={"environment": Environment.DEVELOPMENT})
        )
        await mongo.close()
        tokens = {
            caller: (await token_of(settings.intake_url, email)) if email else None
            for caller, email in CALLERS.items()
        }
        services = {
            "intake": settings.intake_url,
            "knowledge": settings.knowledge_url,
            "notify": settings.notify_url,
        }
        with tempfile.TemporaryDirectory(prefix="helpdesk-fuzz-") as tmp:
            for service, url in services.items():
                for caller, token in tokens.items():
                    report = Path(tmp) / f"{service}-{caller}.ndjson"
                    result = await asyncio.to_thread(run_schemathesis, url, token, report)
                    runs.append({"service": service, "caller": caller, **result})
                    print(
                        f"{service} as {caller}: {result['cases']} cases over "
                        f"{result['operations']} operations, {len(result['failures'])} failures",
                        flush=True,
                    )
    figures: dict[str, object] = {
        "description": __doc__.strip() if __doc__ else "",
        "max_examples_per_operation": FUZZ_EXAMPLES,
        "seconds_per_run": FUZZ_SECONDS,
        "runs": [
            {key: value for key, value in run.items() if key != "output_tail"} for run in runs
        ],
        "server_errors": sum(len(run["failures"]) for run in runs),
        # Schemathesis exits non-zero on a failed check or an error of its own
        "failed_runs": sum(1 for run in runs if run["failures"] or run["exit_code"] != 0),
    }
    write_result("fuzz", figures)
    for run in runs:
        if run["failures"] or run["exit_code"] != 0:
            print(f"\n{run['service']} as {run['caller']}:\n{run['output_tail']}", file=sys.stderr)
    return figures


if __name__ == "__main__":
    outcome = asyncio.run(main())
    sys.exit(1 if outcome["failed_runs"] else 0)
