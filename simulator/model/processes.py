"""Processes that nothing waits for: citizens' journeys and back-office work.

`simpy.Process` is itself an event, so that others can wait for it; it costs
an event to start and another to end. Nothing in the model waits for a whole
journey, so `start` drives the generator directly: it runs at once, in the
caller, until its first yield, and is resumed by the callbacks of the events
it yields, exactly as a `simpy.Process` would be.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy


class _Begin:
    """Stands for the event that resumes a process for the first time."""

    _value = None


_BEGIN = _Begin()


def start(generator: Generator[simpy.Event, Any, Any]) -> None:
    """Run `generator` as a SimPy process, starting now; an error inside it stops the run."""
    send = generator.send

    def resume(event: simpy.Event | _Begin) -> None:
        try:
            target = send(event._value)
            while target.callbacks is None:  # already processed: carry on at once, as simpy.Process does
                target = send(target._value)
        except StopIteration:
            return
        target.callbacks.append(resume)

    resume(_BEGIN)
