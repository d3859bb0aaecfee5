"""In-process fan-out of new inbox items to the live streams (SSE) open in this process."""

import asyncio
from collections import defaultdict
from types import TracebackType
from typing import Any

# A slow stream loses nothing: it reloads from MongoDB when its queue overflows.
QUEUE_SIZE = 100

Queue = asyncio.Queue[dict[str, Any] | None]


class Subscription:
    """New items for one user as they come (None: some were missed, reload). It receives
    from the moment it is created, so a stream can subscribe, then replay from MongoDB,
    and miss nothing in between; close it (or use `with`) when the stream ends."""

    def __init__(self, streams: defaultdict[str, set[Queue]], user_id: str) -> None:
        self._streams = streams
        self._user_id = user_id
        self._queue: Queue = asyncio.Queue(QUEUE_SIZE)
        streams[user_id].add(self._queue)

    def __aiter__(self) -> "Subscription":
        return self

    async def __anext__(self) -> dict[str, Any] | None:
        # Queue.get is safe to cancel (a keep-alive timeout): no item is lost.
        return await self._queue.get()

    def close(self) -> None:
        """Stop receiving (idempotent)."""
        queues = self._streams.get(self._user_id)
        if queues is None:
            return
        queues.discard(self._queue)
        if not queues:
            del self._streams[self._user_id]

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class InboxHub:
    def __init__(self) -> None:
        self._streams: defaultdict[str, set[Queue]] = defaultdict(set)

    def publish(self, user_id: str, item: dict[str, Any]) -> None:
        """Hand a new inbox item to every stream `user_id` has open here."""
        for queue in list(self._streams.get(user_id, ())):
            try:
                queue.put_nowait(item)
            except asyncio.QueueFull:
                # Drop everything queued, not only the oldest: the stream reloads from
                # MongoDB since the last item it sent, which then covers every dropped one.
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(None)  # tells the stream it missed items

    def subscribe(self, user_id: str) -> Subscription:
        """A subscription to `user_id`'s new items, receiving from now on."""
        return Subscription(self._streams, user_id)

    def stream_count(self, user_id: str) -> int:
        """How many streams `user_id` has open here."""
        return len(self._streams.get(user_id, ()))
