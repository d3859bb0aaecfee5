"""Request shapes the services have in common."""

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, model_validator


class PatchBody(BaseModel):
    """A partial update: fields left out stay as they are; null is refused unless the field
    is listed in `nullable` (there it clears the value)."""

    model_config = ConfigDict(extra="forbid")

    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        nulls = sorted(
            name
            for name in self.model_fields_set
            if getattr(self, name) is None and name not in self.nullable
        )
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null; leave a field out to keep it")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields the caller sent, as JSON-ready values."""
        return self.model_dump(mode="json", exclude_unset=True)
