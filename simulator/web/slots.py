"""At most so many runs at once on this machine; the others wait their turn, first come first served.

Every visitor's run asks the server's `Slots` for a slot before it starts
its worker processes, and gives it back when its folder is written. A run
that waits knows its place in the queue, and can be cancelled while it waits.

>>> slots = Slots(1)
>>> with slots.slot("first"):
...     slots.running
1
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

POLL_SECONDS = 0.2
"""How often a waiting run looks whether it was cancelled."""


class CancelledError(Exception):
    """The run was cancelled (while it waited for a slot, or ran)."""


class Slots:
    """A counting semaphore that serves its waiters in order and tells each its place."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"slots: expected at least 1, got {size}")
        self.size = size
        self.running = 0
        self._queue: deque[object] = deque()
        self._changed = threading.Condition()

    def position(self, ticket: object) -> int:
        """The ticket's place in the queue (1: next), or 0 when it is not waiting (told apart by identity)."""
        with self._changed:
            return next((place for place, waiting in enumerate(self._queue, 1) if waiting is ticket), 0)

    @property
    def waiting(self) -> int:
        with self._changed:
            return len(self._queue)

    @contextmanager
    def slot(self, ticket: object, cancelled: Callable[[], bool] = lambda: False) -> Iterator[None]:
        """Wait for a slot in turn (`CancelledError` as soon as `cancelled()` says so); hold it for the block."""
        with self._changed:
            self._queue.append(ticket)
            try:
                while self._queue[0] is not ticket or self.running >= self.size:
                    if cancelled():
                        raise CancelledError
                    self._changed.wait(POLL_SECONDS)
                self.running += 1
            finally:
                del self._queue[self.position(ticket) - 1]  # the lock is re-entrant
                self._changed.notify_all()
        try:
            yield
        finally:
            with self._changed:
                self.running -= 1
                self._changed.notify_all()
