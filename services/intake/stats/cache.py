"""Decoded day packs, kept in intake's memory: decoding a pack (its tickets' facts as Python
objects) is most of a report's time, and a day's pack changes only when the refresh packs
it again, under a new version. Least recently used packs go first."""

import logging
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Literal

from shared import collections
from shared.mongo import Database, Document
from shared.stats.packs import day_of, day_start, decode

Part = Literal["created", "resolved"]
PARTS: tuple[Part, ...] = ("created", "resolved")
WARM_PERIOD = timedelta(days=31)  # the default report's period, with a day to spare
log = logging.getLogger("helpdesk.intake.stats")


class PackCache:
    def __init__(self, max_entries: int) -> None:
        self._max_entries = max_entries
        self._packs: OrderedDict[tuple[str, Part], tuple[str, list[Document]]] = OrderedDict()
        self._entries = 0

    async def facts(
        self, *, db: Database, start: datetime, end: datetime, part: Part
    ) -> list[Document]:
        """The packed facts (`created` or `resolved`) of the UTC days overlapping
        [start, end), as the refresh last packed them. Shared objects: read only."""
        days = db[collections.STATS_DAYS]
        window = {"start": {"$gte": day_start(day_of(start)), "$lt": end}}
        versions = {
            day["_id"]: day.get("version", "")
            async for day in days.find(window, projection={"version": 1})
        }
        by_day: dict[str, list[Document]] = {}
        for day, version in versions.items():
            if (entries := self._cached(day, part, version)) is not None:
                by_day[day] = entries
        missing = [day for day in versions if day not in by_day]
        if missing:
            # Decoded once: used for this report even if the cache cannot keep them all.
            async for stored in days.find(
                {"_id": {"$in": missing}}, projection={part: 1, "version": 1}
            ):
                by_day[stored["_id"]] = entries = decode(stored.get(part))
                self._keep(stored["_id"], part, stored.get("version", ""), entries)
        return [entry for day in sorted(by_day) for entry in by_day[day]]

    async def warm(self, *, db: Database, now: datetime) -> None:
        """Decode the last 31 days' packs ahead of the first report (best effort)."""
        try:
            for part in PARTS:
                await self.facts(db=db, start=now - WARM_PERIOD, end=now, part=part)
        except Exception as exc:  # a report decodes them itself then
            log.warning("statistics cache not warmed: %s", exc)

    def _cached(self, day: str, part: Part, version: str) -> list[Document] | None:
        kept = self._packs.get((day, part))
        if kept is None or kept[0] != version:
            return None
        self._packs.move_to_end((day, part))
        return kept[1]

    def _keep(self, day: str, part: Part, version: str, entries: list[Document]) -> None:
        if (old := self._packs.pop((day, part), None)) is not None:
            self._entries -= len(old[1])
        self._packs[(day, part)] = (version, entries)
        self._entries += len(entries)
        while self._entries > self._max_entries and len(self._packs) > 1:
            _, (_, evicted) = self._packs.popitem(last=False)
            self._entries -= len(evicted)
