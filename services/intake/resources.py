"""What intake's routes share, built once in its lifespan (services/intake/main.py) and
read through `resources_of`, typed, instead of loose attributes of `app.state`. The
settings and the database are every service's (shared.app, shared.deps)."""

from dataclasses import dataclass

from starlette.applications import Starlette
from temporalio.client import Client

from services.intake.auth.service import ApiKeys, StaffAccounts
from services.intake.orders import OrderLookup
from services.intake.stats.cache import PackCache
from services.intake.tickets.feed import TicketFeed
from services.intake.tickets.lifecycle import StartedMarks
from shared.ratelimit import RateLimit


@dataclass(frozen=True)
class IntakeResources:
    temporal: Client
    rate_limiter: RateLimit  # every caller's requests
    login_limiter: RateLimit  # wrong passwords per account
    login_address_limiter: RateLimit  # wrong passwords per client address
    orders: OrderLookup
    stats_packs: PackCache
    staff_accounts: StaffAccounts
    api_keys: ApiKeys
    ticket_feed: TicketFeed
    started_marks: StartedMarks


def resources_of(app: Starlette) -> IntakeResources:
    found = getattr(app.state, "intake", None)
    if not isinstance(found, IntakeResources):
        raise RuntimeError("intake's resources are built in its lifespan, which has not run")
    return found
