"""`start` drives a generator of SimPy events exactly as `simpy.Process` would, without its own events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import simpy

from simulator.model.processes import start

Trace = list[tuple[str, float, Any]]


def story(env: simpy.Environment, trace: Trace, name: str) -> simpy.events.ProcessGenerator:
    """Waits, a value passed back, an event already processed, a shared event, and a condition."""
    trace.append((name, env.now, "begin"))
    value = yield env.timeout(2, value="two")
    trace.append((name, env.now, value))
    done = env.timeout(0, value="at once")
    yield env.timeout(1)
    value = yield done  # processed a minute ago: goes on without waiting
    trace.append((name, env.now, value))
    signal = env.event()
    env.timeout(3).callbacks.append(lambda _: signal.succeed("signalled"))
    value = yield signal
    trace.append((name, env.now, value))
    yield env.timeout(1) | env.timeout(5)
    trace.append((name, env.now, "end"))


def run(launch: Callable[[simpy.Environment, Trace], None]) -> Trace:
    env = simpy.Environment()
    trace: Trace = []
    launch(env, trace)
    env.run()
    return trace


def test_start_gives_the_same_story_as_simpy_process() -> None:
    def with_process(env: simpy.Environment, trace: Trace) -> None:
        for name in ("a", "b"):
            env.process(story(env, trace, name))

    def with_start(env: simpy.Environment, trace: Trace) -> None:
        for name in ("a", "b"):
            start(story(env, trace, name))

    expected = run(with_process)
    assert expected[-1] == ("b", 7.0, "end")
    assert run(with_start) == expected


def test_start_runs_at_once_until_the_first_yield() -> None:
    env = simpy.Environment()
    trace: Trace = []
    start(story(env, trace, "a"))
    assert trace == [("a", 0.0, "begin")]


def test_an_error_inside_stops_the_run_where_it_happened() -> None:
    env = simpy.Environment()

    def failing() -> simpy.events.ProcessGenerator:
        yield env.timeout(3)
        raise ValueError("broken at 3")

    start(failing())
    with pytest.raises(ValueError, match="broken at 3"):
        env.run()
    assert env.now == 3
