"""Create the first admin of a production desk (no demo user exists outside development):

    python -m services.intake.create_admin admin@company.example "Jane Admin"

The password is read from the terminal (or from standard input when it is not a terminal).
"""

import argparse
import asyncio
import getpass
import sys

from pydantic import ValidationError

from services.intake.admin.agents.models import AgentCreate
from services.intake.admin.agents.service import create_agent
from services.intake.users.service import ensure_indexes
from shared.clock import utcnow
from shared.mongo import create_mongo_client, get_database
from shared.refusals import Refusal
from shared.settings import Settings


async def create(email: str, name: str, password: str) -> str:
    """Store the admin account; its id."""
    settings = Settings()
    client = create_mongo_client(settings)
    try:
        db = get_database(client, settings)
        await ensure_indexes(db=db)
        data = AgentCreate(email=email, name=name, role="admin", password=password)
        document = await create_agent(db=db, data=data, now=utcnow())
        return str(document["_id"])
    finally:
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("email")
    parser.add_argument("name")
    args = parser.parse_args()
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            sys.exit("The passwords differ.")
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        admin_id = asyncio.run(create(args.email, args.name, password))
    except ValidationError as exc:
        sys.exit(f"Not created: {exc.errors()[0]['loc'][-1]}: {exc.errors()[0]['msg']}")
    except Refusal as exc:
        sys.exit(f"Not created: {exc.message}")
    print(f"Admin {args.email} created (id {admin_id}).")


if __name__ == "__main__":
    main()
