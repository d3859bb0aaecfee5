"""How a channel says a delivery attempt failed: try again later, or never."""


class TransientDeliveryError(Exception):
    """The channel may accept it later (connection refused, 5xx, timeout): retry."""


class PermanentDeliveryError(Exception):
    """The channel will never accept it (bad address, 4xx, no endpoint): mark it failed."""
