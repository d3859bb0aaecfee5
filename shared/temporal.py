"""Temporal client factory: every process talks to Temporal with the pydantic converter."""

from datetime import timedelta

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from shared.settings import Settings


async def connect_temporal(settings: Settings, *, lazy: bool = False) -> Client:
    """Connect to the configured frontend; `lazy` defers it to the first call, so an HTTP
    service can start (and report itself not ready) while Temporal is down."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        lazy=lazy,
    )


async def check_temporal(client: Client, seconds: float) -> None:
    """Raise unless the Temporal frontend answers that it is serving."""
    serving = await client.service_client.check_health(timeout=timedelta(seconds=seconds))
    if not serving:
        raise RuntimeError("the workflow service is not serving")
