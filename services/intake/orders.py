"""Related orders (A2): read through one adapter, so a real order system can replace the
`orders` collection without touching the ticket code."""

from typing import Any, Protocol

from shared import collections
from shared.mongo import Database


class OrderLookup(Protocol):
    async def find_order(self, order_id: str) -> dict[str, Any] | None:
        """The order with this id as {id, customer_id, status, total, currency, items, …}."""
        ...


class MongoOrders:
    """Orders kept in the help desk's own `orders` collection (demo data, imports)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def find_order(self, order_id: str) -> dict[str, Any] | None:
        document = await self._db[collections.ORDERS].find_one({"_id": order_id})
        if document is None:
            return None
        return {"id": document.pop("_id"), **document}
