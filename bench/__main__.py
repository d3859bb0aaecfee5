"""`python -m bench [NAME]`: run one benchmark or all of them."""

import asyncio
import json
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from bench import (
    actions,
    db_ops,
    desk_growth,
    intake,
    notify,
    open_tickets,
    scale,
    search,
    sla_lag,
    stats,
    web,
    web_admin,
)

BENCHMARKS: dict[str, Callable[[], Coroutine[Any, Any, dict[str, object]]]] = {
    "intake": intake.main,
    "sla_lag": sla_lag.main,
    "open_tickets": open_tickets.main,
    "actions": actions.main,
    "search": search.main,
    "notify": notify.main,
    "stats": stats.main,
    "db_ops": db_ops.main,
    "desk_growth": desk_growth.main,
    "web": web.main,
    "web_admin": web_admin.main,
    "scale": scale.main,
}


def main() -> None:
    names = sys.argv[1:] or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    for name in names:
        print(f"== {name}", flush=True)
        figures = asyncio.run(BENCHMARKS[name]())
        print(json.dumps(figures, indent=2, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
