"""How a channel says a delivery attempt failed: try again later, or never."""

from datetime import timedelta


class TransientDeliveryError(Exception):
    """The channel may accept it later (connection refused, 5xx, timeout): retry, not
    before `retry_after` when the channel asked for a pause."""

    def __init__(self, message: str = "", *, retry_after: timedelta | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentDeliveryError(Exception):
    """The channel will never accept it (bad address, 4xx, no endpoint): mark it failed."""
