"""`web_admin`: the manager's dashboard and a bulk action, each beside its baseline in the
same run (see bench/web_admin_dashboard.py and bench/web_admin_bulk.py for what each
measures and how)."""

from bench import web_admin_bulk, web_admin_dashboard
from bench.common import write_result


async def main() -> dict[str, object]:
    figures: dict[str, object] = {
        "dashboard": await web_admin_dashboard.dashboard_figures(),
        "bulk": {"description": (web_admin_bulk.__doc__ or "").strip()}
        | await web_admin_bulk.bulk_figures(),
    }
    write_result("web_admin", figures)
    return figures
