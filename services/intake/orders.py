"""Related orders (A2): read through one adapter, so a real order system can replace the
`orders` collection without touching the ticket code."""

from typing import Any, Protocol

from pymongo import ASCENDING

from shared import collections
from shared.mongo import Database, ensure_index
from shared.refusals import Invalid


class OrderLookup(Protocol):
    async def find_order(self, order_id: str) -> dict[str, Any] | None:
        """The order with this id as {id, customer_id, status, total, currency, items, …}."""
        ...

    async def orders_of(self, customer_id: str, *, limit: int) -> list[dict[str, Any]]:
        """The customer's latest orders, newest first (to pick one when filing)."""
        ...


async def check_order_of(orders: OrderLookup, *, order_id: str, customer_id: str) -> None:
    """422 `unknown_order` unless `order_id` is an order of `customer_id` (someone else's
    order is answered as unknown, so its existence is not told)."""
    order = await orders.find_order(order_id)
    if order is None or order.get("customer_id") != customer_id:
        raise Invalid(
            "unknown_order",
            "No order with this id among the customer's orders.",
            {"order_id": order_id},
        )


async def ensure_indexes(*, db: Database) -> None:
    """The index the customer's order list reads by (idempotent)."""
    await ensure_index(db[collections.ORDERS], [("customer_id", ASCENDING)], name="customer_id")


class MongoOrders:
    """Orders kept in the help desk's own `orders` collection (demo data, imports)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def find_order(self, order_id: str) -> dict[str, Any] | None:
        document = await self._db[collections.ORDERS].find_one({"_id": order_id})
        if document is None:
            return None
        return {"id": document.pop("_id"), **document}

    async def orders_of(self, customer_id: str, *, limit: int) -> list[dict[str, Any]]:
        cursor = self._db[collections.ORDERS].find({"customer_id": customer_id})
        # A customer has a handful of orders: sorted here rather than by a compound index.
        orders = [{"id": document.pop("_id"), **document} async for document in cursor]
        orders.sort(key=lambda order: str(order.get("placed_at", "")), reverse=True)
        return orders[:limit]
