"""What every server-sent event stream of the desk shares."""

import signal


def server_stopping() -> bool:
    """Whether uvicorn was told to stop. It waits for every open response before it stops,
    and an event stream never ends by itself, so the streams watch for this. Uvicorn's
    SIGTERM handler is its server's bound method: read here, never changed; under another
    server this is False and each stream's own time limit bounds the wait."""
    handler = signal.getsignal(signal.SIGTERM)
    return getattr(getattr(handler, "__self__", None), "should_exit", False) is True
