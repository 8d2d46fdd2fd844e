"""The visitors of one server, by browser session: a folder each, removed when the session ends.

A session has ended when it has been away (no browser connected to it) for
longer than Streamlit keeps a session for its browser to come back
(`AWAY_SECONDS`, which `serve` sets); its runs are cancelled and its folder
removed once they have stopped. Folders no server looks after any more (a
server stopped or killed) are swept by age: every `SWEEP_SECONDS`, from the
start, a `visitor-*` folder under the root that no live session of this
server holds and that nothing has touched for `MAX_AGE_SECONDS` is removed.
The folders of live sessions are touched at every sweep, so that another
server sharing the root never takes them for stale. When the server stops,
every session ends with it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.web.visitors import PREFIX, new_visitor

if TYPE_CHECKING:  # the server starts without the model: the page imports it
    from simulator.web.jobs import Job

AWAY_SECONDS = 120
"""How long a session may be away before it has ended (Streamlit's `server.disconnectedSessionTTL`)."""
SWEEP_SECONDS = 60
MAX_AGE_SECONDS = 6 * 3600
"""A visitor's folder untouched this long belongs to no live server: swept (longer than any meeting)."""
LOG = logging.getLogger(__name__)


@dataclass
class Visit:
    """One visitor (a browser session): their folder and their runs."""

    folder: Path
    jobs: list[Job] = field(default_factory=list)
    seen: float = field(default_factory=time.monotonic)
    """When the session was last known to be connected (time.monotonic)."""


class Visitors:
    """The visits of one server under `root`, by session id; `alive(session)` says whether a browser is connected."""

    def __init__(
        self,
        root: Path,
        alive: Callable[[str], bool],
        away: float = AWAY_SECONDS,
        max_age: float = MAX_AGE_SECONDS,
    ) -> None:
        self.root = root
        self.away = away
        self.max_age = max_age
        self._alive = alive
        self._visits: dict[str, Visit] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def arrive(self, session: str) -> Visit:
        """The visit of a session: a new folder on its first arrival, the same one after."""
        with self._lock:
            if session not in self._visits:
                self._visits[session] = Visit(new_visitor(self.root))
            return self._visits[session]

    def sweep(self) -> list[Path]:
        """Remove the folders of ended sessions (their runs cancelled first) and stale ones; the folders removed."""
        now = time.monotonic()
        removed = []
        with self._lock:
            for session, visit in list(self._visits.items()):
                if self._alive(session):
                    visit.seen = now
                    with contextlib.suppress(OSError):
                        os.utime(visit.folder)
                    continue
                if now - visit.seen <= self.away:
                    continue
                for job in visit.jobs:
                    job.cancel()
                if all(job.finished for job in visit.jobs):  # else at a later sweep, once they have stopped
                    shutil.rmtree(visit.folder, ignore_errors=True)
                    removed.append(visit.folder)
                    del self._visits[session]
            held = {visit.folder for visit in self._visits.values()}
        return removed + self._stale(held)

    def _stale(self, held: set[Path]) -> list[Path]:
        """Remove the visitors' folders under the root that no session here holds and nothing touched for long."""
        removed = []
        with contextlib.suppress(OSError), os.scandir(self.root) as entries:
            for entry in entries:
                path = Path(entry.path)
                if not entry.name.startswith(PREFIX) or path in held or not entry.is_dir(follow_symlinks=False):
                    continue
                with contextlib.suppress(OSError):
                    if time.time() - entry.stat(follow_symlinks=False).st_mtime > self.max_age:
                        shutil.rmtree(path)
                        removed.append(path)
        return removed

    def start(self, every: float = SWEEP_SECONDS) -> Visitors:
        """Sweep now and then every `every` seconds, on a thread of its own, until `stop`."""

        def keep_sweeping() -> None:
            while True:
                try:
                    for folder in self.sweep():
                        LOG.info("removed the visitor's folder %s", folder)
                except Exception:  # a sweep must never take the server down; the next one tries again
                    LOG.exception("sweeping the visitors' folders failed")
                if self._stop.wait(every):
                    return

        threading.Thread(target=keep_sweeping, name="servicecycle-visitors", daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop sweeping."""
        self._stop.set()

    def close(self) -> None:
        """The server stops: every session ends with it (runs cancelled, folders removed), and sweeping stops."""
        self.stop()
        with self._lock:
            visits, self._visits = list(self._visits.values()), {}
        for visit in visits:
            for job in visit.jobs:
                job.cancel()
            shutil.rmtree(visit.folder, ignore_errors=True)
