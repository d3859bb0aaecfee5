"""FastAPI dependencies every service shares: what `shared.app.base_state` put on app.state.
(`async def`: FastAPI runs a plain function dependency in its thread pool.)"""

from typing import Annotated

from fastapi import Depends, Request

from shared.mongo import Database
from shared.settings import Settings


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


SettingsDep = Annotated[Settings, Depends(get_settings)]
DbDep = Annotated[Database, Depends(get_db)]
