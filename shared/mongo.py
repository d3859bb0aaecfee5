"""MongoDB access through PyMongo's async API; every driver call stays behind shared/ and
the services' repository modules."""

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.write_concern import WriteConcern

from shared.settings import Settings

Document = dict[str, Any]
Database = AsyncDatabase[Document]
Collection = AsyncCollection[Document]

# Anything a caller is told is saved is written journaled: an unjournaled write can be
# lost when the server is killed right after acknowledging it.
JOURNALED = WriteConcern(w="majority", j=True)
# For bookkeeping whose loss a later step repairs (e.g. "this ticket's workflow started":
# the sweeper's idempotent start fixes a lost mark). Skips waiting for the journal.
ACKNOWLEDGED = WriteConcern(w=1)


def create_mongo_client(settings: Settings) -> AsyncMongoClient[Document]:
    """A client for the configured server; it connects lazily."""
    return AsyncMongoClient(
        settings.mongodb_url,
        tz_aware=True,
        serverSelectionTimeoutMS=int(settings.readiness_timeout_seconds * 1000) * 5,
        connectTimeoutMS=5_000,
        appname="helpdesk",
    )


def get_database(client: AsyncMongoClient[Document], settings: Settings) -> Database:
    """The product's database, with journaled writes by default."""
    return client.get_database(settings.mongodb_db, write_concern=JOURNALED)


async def ping(database: Database) -> None:
    """Raise unless the server answers."""
    await database.command("ping")
