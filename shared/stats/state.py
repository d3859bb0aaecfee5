"""How far the statistics refresh has read, in `stats_state`: the refresh keeps it
(services/workflows/stats/refresh.py), the reports show its watermark as "data as of"."""

from shared import collections
from shared.mongo import Database

STATE_ID = "ticket_stats"


async def watermark_iso(db: Database) -> str | None:
    """The moment up to which events are counted (ISO), or None before the first refresh."""
    state = await db[collections.STATS_STATE].find_one({"_id": STATE_ID})
    watermark = (state or {}).get("watermark")
    return watermark.isoformat() if watermark else None
