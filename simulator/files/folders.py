"""Run folders on a shared disk: claimed at the start, filled in hiding, swapped in whole.

A run claims its folder before it simulates: a new folder is made with an
atomic `mkdir` (two runs in the same second get `-2`, `-3`...), and any
claimed folder holds a `.servicecycle-claim` file naming the process, made
with `O_EXCL`, so that a second run with the same `--out` is refused at once.
Files are written into a hidden `.NAME.partial-PID` folder beside it, renamed
into place at the end: a run folder is complete or absent. A later run
removes the partial folders and claims of processes that are gone (on this
machine: a process id is only checked here).
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

CLAIM = ".servicecycle-claim"
_PARTIAL = re.compile(r"^\.(?P<name>.+)\.partial-(?P<pid>[0-9]+)$")
_FRESH_SECONDS = 60
"""A claim file without a process id is someone's claim being written for this long."""
Made = TypeVar("Made")


class DestinationError(Exception):
    """The folder a run should write to cannot take it."""


def alive(pid: int) -> bool:
    """True while a process with this id runs on this machine (ours or another user's)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _claimant(folder: Path) -> int | None:
    """The process that claims `folder`: its id, 0 for a claim being made, None for no claim."""
    try:
        text = (folder / CLAIM).read_text(encoding="ascii").strip()
        age = time.time() - (folder / CLAIM).stat().st_mtime
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return -1
    if text.isdigit():
        return int(text)
    return 0 if age < _FRESH_SECONDS else -1


def _owner_alive(folder: Path) -> bool:
    claimant = _claimant(folder)
    return claimant == 0 or (claimant is not None and claimant > 0 and alive(claimant))


def remove_stale(parent: Path) -> None:
    """Remove what runs that are gone left in `parent`: partial folders, and folders holding only a claim."""
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return
    for entry in entries:
        with contextlib.suppress(OSError):
            partial = _PARTIAL.match(entry.name)
            if partial and entry.is_dir(follow_symlinks=False) and not alive(int(partial["pid"])):
                shutil.rmtree(entry.path, ignore_errors=True)
            elif (
                entry.is_dir(follow_symlinks=False)
                and os.listdir(entry.path) == [CLAIM]
                and not _owner_alive(Path(entry.path))
            ):
                os.unlink(Path(entry.path) / CLAIM)
                os.rmdir(entry.path)


def check_destination(folder: Path) -> None:
    """Refuse a destination that is a file, or a folder holding anything but a claim of a process that is gone."""
    if not folder.exists() and not folder.is_symlink():
        return
    if not folder.is_dir():
        raise DestinationError(f"{folder}: already exists and is not an empty folder; choose another --out")
    names = os.listdir(folder)
    if names == [CLAIM]:
        claimant = _claimant(folder)
        if claimant == os.getpid():
            return
        if _owner_alive(folder):
            raise DestinationError(f"{folder}: another run (process {claimant}) is writing there; choose another --out")
        return
    if names:
        raise DestinationError(f"{folder}: already exists and is not an empty folder; choose another --out")


@dataclass
class Claim:
    """A run folder claimed by this process, and the folders made for it (removed again if the run fails)."""

    folder: Path
    made: list[Path] = field(default_factory=list)

    def release(self) -> None:
        """Give the folder up: remove the claim, and the folders made for it if they are still empty."""
        claim = self.folder / CLAIM
        if _claimant(self.folder) == os.getpid():
            with contextlib.suppress(OSError):
                claim.unlink()
        for made in reversed(self.made):
            with contextlib.suppress(OSError):
                made.rmdir()


def _mkdirs(folder: Path) -> list[Path]:
    """Make `folder`'s missing parents; the ones made, outermost first."""
    missing = []
    for parent in [folder.parent, *folder.parent.parents]:
        if parent.exists() or parent.is_symlink():
            break
        missing.append(parent)
    made = []
    for parent in reversed(missing):
        try:
            parent.mkdir()
        except FileExistsError:
            continue
        made.append(parent)
    return made


def _stamp(folder: Path) -> bool:
    """Write this process's claim into `folder`; False if another claim is there already."""
    try:
        descriptor = os.open(folder / CLAIM, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(str(os.getpid()))
    return True


def _refuse_os(folder: Path, error: OSError) -> DestinationError:
    return DestinationError(f"{folder}: cannot write there: {error.strerror or error}; choose another --out")


def claim_folder(folder: Path) -> Claim:
    """Claim `folder` (an `--out`): new, or empty, or left by a run that is gone; refused otherwise."""
    if "\0" in str(folder):
        raise DestinationError(f"{str(folder)[:60]!r}: a folder name cannot hold a NUL character")
    folder = Path(os.path.realpath(folder))  # a link to a folder: write into the folder it points to
    made: list[Path] = []
    try:
        made = _mkdirs(folder)
        remove_stale(folder.parent)
        try:
            folder.mkdir()
            made.append(folder)
        except FileExistsError:
            check_destination(folder)
        if not os.access(folder, os.W_OK | os.X_OK) or not os.access(folder.parent, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied")
        if not _stamp(folder):
            if _owner_alive(folder):
                raise DestinationError(f"{folder}: another run is writing there; choose another --out")
            (folder / CLAIM).unlink(missing_ok=True)
            if not _stamp(folder):
                raise DestinationError(f"{folder}: another run is writing there; choose another --out")
    except OSError as error:
        Claim(folder, made).release()
        raise _refuse_os(folder, error) from None
    except DestinationError:
        Claim(folder, made).release()
        raise
    return Claim(folder, made)


def _base(scenario_file: Path, root: Path, now: datetime, kind: str) -> Path:
    stamp = now.strftime("%Y%m%d-%H%M%S")
    return root / scenario_file.stem / (f"{kind}-{stamp}" if kind else stamp)


def new_run_folder(scenario_file: Path, root: Path, now: datetime, kind: str = "") -> Path:
    """`root/<scenario stem>/[<kind>-]<YYYYmmdd-HHMMSS>`, with a suffix if that exists already."""
    base = _base(scenario_file, root, now, kind)
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    return folder


def claim_new_run_folder(scenario_file: Path, root: Path, now: datetime, kind: str = "") -> Claim:
    """Claim a new folder `root/<stem>/[<kind>-]<time>`, or `-2`, `-3`... if another run took that name."""
    base = _base(scenario_file, root, now, kind)
    try:
        made = _mkdirs(base)
        remove_stale(base.parent)
    except OSError as error:
        raise _refuse_os(base.parent, error) from None
    for n in itertools.count(1):
        folder = base if n == 1 else base.with_name(f"{base.name}-{n}")
        try:
            folder.mkdir()  # atomic: of two runs, one makes it and the other moves on
        except FileExistsError:
            continue
        except OSError as error:
            Claim(folder, made).release()
            raise _refuse_os(folder, error) from None
        if _stamp(folder):
            return Claim(folder, [*made, folder])
    raise AssertionError("unreachable")


@contextmanager
def atomic_folder(folder: Path) -> Iterator[Path]:
    """A hidden folder beside `folder` to write into; renamed to `folder` only if all went well."""
    check_destination(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = folder.parent / f".{folder.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        yield partial
        if _claimant(folder) == os.getpid():
            (folder / CLAIM).unlink()
        partial.replace(folder)  # over an empty folder: one atomic step
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # this process's own symbols, libc's among them
        renameat2 = libc.renameat2
    except (OSError, AttributeError, TypeError):
        return False
    at_cwd, exchange = -100, 2
    done = renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), exchange)
    return bool(done == 0)


LINKED = (".csv", ".parquet", ".gz")
"""Files a remake never writes: hard-linked into its copy of the folder, not copied."""


def remake(folder: Path, build: Callable[[Path], Made]) -> Made:
    """Run `build` on a copy of `folder` and swap the copy in when it is done: all new files or all old.

    The copy shares the large tables with the folder (hard links); everything
    else is copied, so that `build` may overwrite it.
    """
    remove_stale(folder.parent)
    copy = folder.parent / f".{folder.name}.partial-{os.getpid()}"
    shutil.rmtree(copy, ignore_errors=True)

    def share(source: str, target: str) -> None:
        if source.endswith(LINKED):
            try:
                os.link(source, target)
                return
            except OSError:
                pass
        shutil.copy2(source, target)

    try:
        shutil.copytree(folder, copy, copy_function=share, symlinks=True)
        made = build(copy)
        if not _exchange(copy, folder):
            old = folder.parent / f".{folder.name}-old.partial-{os.getpid()}"
            folder.rename(old)
            copy.rename(folder)
            copy = old
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    return made
