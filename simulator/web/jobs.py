"""A run of the page, off the page's thread: `run_experiment` on local workers, then the run folder as `run` writes it.

A job first waits for one of the server's slots (`Slots`: at most so many
runs at once on the machine), then runs. The page polls it for its place in
the queue, its progress and its first result (the comparison, as soon as the
replications are done: the record tables are kept as they come and written
only after, and the figures wait until the page has shown the numbers), then
for the run folder (tables, figures and brief, written by `writing_run` like
`run --out`). A job can be cancelled at any time: the workers are stopped,
nothing is written and the folder is given up.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from simulator.analysis.capacity import HopelessLoadError
from simulator.experiments.executors import ExecutorError, make_executor
from simulator.experiments.runs import Results, run_experiment
from simulator.files.folders import Claim, DestinationError, claim_folder
from simulator.files.output import FiguresError, WriteError, manifest, writing_run
from simulator.model.run import OverloadError
from simulator.report.brief import make_figures_and_brief
from simulator.scenario.loading import ScenarioError
from simulator.scenario.schema import Scenario
from simulator.web.slots import CancelledError, Slots

State = Literal["queued", "running", "writing", "done", "cancelled", "failed"]
Failure = Literal["", "refused", "internal", "figures"]
"""Why a run failed: the scenario or the folder refused it, a defect of ours, or only its figures failed."""
LOG = logging.getLogger(__name__)
SHOWN_SECONDS = 5.0
"""How long the figures wait for the page to show the first result (they would take the cores from it)."""
NICENESS = 10
"""How much lower than the server's a run's priority is (its thread and the worker processes it forks)."""


def yield_to_the_page() -> None:
    """Lower this thread's priority, and so its workers': the server and the browser drawing the page go first.

    Linux keeps a priority per thread and a forked process starts with its parent thread's; elsewhere, nothing.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            thread = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + NICENESS))


@dataclass(frozen=True)
class Order:
    """What to run: a scenario (the controls applied), from which file, changed how, into which folder."""

    scenario: Scenario
    source: Path
    """The scenario file the page started from (its sha256 goes into the manifest)."""
    settings: Mapping[str, Any]
    folder: Path
    lang: str = "en"
    workers: int | None = None
    """Local worker processes (default: all cores)."""
    figures: bool = True
    """Draw the figures and the brief (as `run` does without `--no-plots`)."""


@dataclass(eq=False)
class Job:
    """One run in a thread of its own; the page reads its fields, the thread writes them (each job is itself only)."""

    order: Order
    slots: Slots | None = None
    """The server's slots, shared by every visitor (None: start at once)."""
    state: State = "queued"
    done: int = 0
    total: int = 0
    results: Results | None = None
    """The first result: every replication's metrics, the summary and the comparison, before any file is written."""
    failure: Failure = ""
    error: str = ""
    """What went wrong, in the words of the part that refused (the loader's, the folder's), or the defect."""
    started: float = field(default_factory=time.monotonic)
    running_from: float | None = None
    """When the run got its slot and its replications began (time.monotonic)."""
    first_result_seconds: float | None = None
    seconds: float | None = None
    _cancel: threading.Event = field(default_factory=threading.Event)
    _shown: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Job:
        scenario = self.order.scenario
        self.total = len(scenario.configurations) * scenario.replications
        self._thread = threading.Thread(target=self._work, name=f"servicecycle-job {self.order.folder.name}")
        self._thread.daemon = True
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Stop the run, or take it out of the queue: its workers end, nothing is written."""
        self._cancel.set()

    def shown(self) -> None:
        """The page has shown the first result: the figures may take the cores now."""
        self._shown.set()

    @property
    def first_result_shown(self) -> bool:
        """Whether the page has shown the first result (`shown`)."""
        return self._shown.is_set()

    def wait(self, timeout: float | None = None) -> State:
        """Wait for the thread to end (or `timeout` seconds); the state then."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.state

    def seconds_left(self) -> float | None:
        """The seconds to the first result at the pace of the replications done so far; None before the first."""
        if self.state != "running" or not self.done or self.running_from is None:
            return None
        return (time.monotonic() - self.running_from) * (self.total - self.done) / self.done

    @property
    def finished(self) -> bool:
        return self.state in ("done", "cancelled", "failed")

    @property
    def position(self) -> int:
        """The run's place in the queue for a slot (1: next), or 0 when it is not waiting."""
        return self.slots.position(self) if self.slots is not None and self.state == "queued" else 0

    def _progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if self._cancel.is_set():
            raise CancelledError

    def _work(self) -> None:
        order = self.order
        claim: Claim | None = None
        yield_to_the_page()
        try:
            slots = self.slots or Slots(1)
            with slots.slot(self, self._cancel.is_set):
                self.running_from = time.monotonic()
                self.state = "running"
                claim = claim_folder(order.folder)
                started = datetime.now()
                kept: list[Mapping[str, pd.DataFrame]] = []  # written after the first result, not before it
                with make_executor("local", order.workers, None, self.total) as executor:
                    results = run_experiment(order.scenario, executor=executor, progress=self._progress,
                                             records=kept.append)  # fmt: skip
                self.results = results
                self.first_result_seconds = time.monotonic() - self.started
                self._shown.wait(SHOWN_SECONDS)
                if self._cancel.is_set():
                    raise CancelledError
                self.state = "writing"
                self._write(claim.folder, results, kept, self._manifest(started))
                self.state = "done"
        except CancelledError:
            if claim is not None:
                claim.release()
            self.state = "cancelled"
        except FiguresError as error:  # the tables are written; only the figures and the brief are missing
            self.failure, self.error = "figures", str(error)
            self.state = "done"
        except (ScenarioError, DestinationError, OverloadError, HopelessLoadError, ExecutorError, WriteError) as error:
            self._fail(claim, "refused", str(error))
        except Exception as error:  # a defect of ours: said on the page, the traceback in the server's log
            LOG.exception("a run of the what-if page failed")
            self._fail(claim, "internal", f"{type(error).__name__}: {error}")
        finally:
            self.seconds = time.monotonic() - self.started

    def _write(
        self, folder: Path, results: Results, kept: list[Mapping[str, pd.DataFrame]], meta: dict[str, Any]
    ) -> None:
        """The run folder as `run` writes it: the record tables replication by replication, then the rest."""
        order = self.order
        draw = partial(make_figures_and_brief, lang=order.lang, scenario=order.scenario, manifest=meta)
        with writing_run(folder, order.scenario) as writer:
            while kept:
                writer(kept.pop(0))
            writer.finish(results, meta, draw if order.figures else None)

    def _fail(self, claim: Claim | None, failure: Failure, message: str) -> None:
        if claim is not None:
            claim.release()
        self.failure, self.error = failure, message
        self.state = "failed"

    def _manifest(self, started: datetime) -> dict[str, Any]:
        order = self.order
        names = list(order.scenario.configurations)
        argv = ["serve", str(order.source), *(f"--set {path}={value}" for path, value in order.settings.items())]
        return manifest(
            order.source,
            order.scenario,
            argv,
            started,
            datetime.now(),
            replications=order.scenario.replications,
            configurations=names,
            baseline=names[0],
            languages=[order.lang] if order.figures else [],
            whatif=dict(order.settings),
        )
