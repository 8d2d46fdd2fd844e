"""A run of the page, off the page's thread: `run_experiment` on local workers, then the run folder as `run` writes it.

The page polls a `Job` for its progress and its first result (the
comparison, as soon as the replications are done), then for the run folder
(tables, figures and brief, written by `write_run` like `run --out`). A job
can be cancelled at any time: the workers are stopped, nothing is written and
the folder is given up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal

from simulator.analysis.capacity import HopelessLoadError
from simulator.experiments.executors import ExecutorError, make_executor
from simulator.experiments.runs import Results, run_experiment
from simulator.files.folders import Claim, DestinationError, claim_folder
from simulator.files.output import FiguresError, WriteError, manifest, write_run
from simulator.model.run import OverloadError
from simulator.report.brief import make_figures_and_brief
from simulator.scenario.loading import ScenarioError
from simulator.scenario.schema import Scenario

State = Literal["running", "writing", "done", "cancelled", "failed"]
LOG = logging.getLogger(__name__)


class CancelledError(Exception):
    """The visitor cancelled the run."""


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


@dataclass
class Job:
    """One run in a thread of its own; the page reads its fields, the thread writes them."""

    order: Order
    state: State = "running"
    done: int = 0
    total: int = 0
    results: Results | None = None
    """The first result: every replication's metrics, the summary and the comparison, before any file is written."""
    error: str = ""
    started: float = field(default_factory=time.monotonic)
    first_result_seconds: float | None = None
    seconds: float | None = None
    _cancel: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Job:
        scenario = self.order.scenario
        self.total = len(scenario.configurations) * scenario.replications
        self._thread = threading.Thread(target=self._work, name=f"servicecycle-job {self.order.folder.name}")
        self._thread.daemon = True
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Stop the run: its workers end, nothing is written."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> State:
        """Wait for the thread to end (or `timeout` seconds); the state then."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.state

    @property
    def finished(self) -> bool:
        return self.state in ("done", "cancelled", "failed")

    def _progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if self._cancel.is_set():
            raise CancelledError

    def _work(self) -> None:
        order = self.order
        claim: Claim | None = None
        try:
            claim = claim_folder(order.folder)
            started = datetime.now()
            with make_executor("local", order.workers, None, self.total) as executor:
                results = run_experiment(order.scenario, executor=executor, progress=self._progress)
            self.results = results
            self.first_result_seconds = time.monotonic() - self.started
            if self._cancel.is_set():
                raise CancelledError
            self.state = "writing"
            meta = self._manifest(started)
            draw = partial(make_figures_and_brief, lang=order.lang, scenario=order.scenario, manifest=meta)
            write_run(claim.folder, results, meta, draw if order.figures else None)
            self.state = "done"
        except CancelledError:
            if claim is not None:
                claim.release()
            self.state = "cancelled"
        except FiguresError as error:  # the tables are written; only the figures and the brief are missing
            self.error = f"the figures and the brief could not be made ({error})"
            self.state = "done"
        except (ScenarioError, DestinationError, OverloadError, HopelessLoadError, ExecutorError, WriteError) as error:
            self._fail(claim, str(error))
        except Exception as error:  # a defect of ours: said on the page, the traceback in the server's log
            LOG.exception("a run of the what-if page failed")
            self._fail(claim, f"internal error ({type(error).__name__}: {error}); please report it")
        finally:
            self.seconds = time.monotonic() - self.started

    def _fail(self, claim: Claim | None, message: str) -> None:
        if claim is not None:
            claim.release()
        self.error = message
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
