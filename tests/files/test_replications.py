"""An event log takes a replication whole: its pieces are gathered until its hours come."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pytest

from simulator.files.replications import ReplicationLog


class Written(ReplicationLog):
    """Notes what it is asked to write, and whether it was ended."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[dict[str, pd.DataFrame]] = []
        self.ended = 0

    def write(self, tables: Mapping[str, pd.DataFrame]) -> None:
        self.written.append(dict(tables))

    def end(self) -> None:
        self.ended += 1


def piece(replication: int, citizens: list[int], steps: list[str], names: list[str] | None = None) -> pd.DataFrame:
    """Rows of one replication, steps as categories as the recorder makes them (`names` so far, in order met)."""
    return pd.DataFrame({"configuration": pd.Categorical(["siloed"] * len(citizens)), "replication": replication,
                         "citizen": citizens, "step": pd.Categorical(steps, categories=names)})  # fmt: skip


def test_a_replications_pieces_are_written_together_when_its_hours_come() -> None:
    log = Written()
    log({"contacts": piece(0, [1, 2], ["nib", "nib"]), "work": piece(0, [1], ["nib"])})
    log({"contacts": piece(0, [3], ["npwp"], ["nib", "npwp"])})
    log({"citizens": piece(0, [1, 2], ["", ""])})
    log({"citizens": piece(0, [3], [""])})
    assert not log.written, "nothing before the replication has ended"
    log({"hours": pd.DataFrame({"hour": [8]})})
    log({"contacts": piece(1, [1], ["npwp"]), "citizens": piece(1, [1], [""]), "hours": pd.DataFrame()})
    first, second = log.written
    assert set(first) == {"citizens", "contacts", "work"}
    assert first["contacts"]["citizen"].tolist() == [1, 2, 3] and first["citizens"]["citizen"].tolist() == [1, 2, 3]
    assert first["contacts"]["step"].astype(str).tolist() == ["nib", "nib", "npwp"], "later names extend earlier"
    assert second["contacts"]["replication"].tolist() == [1] and "work" not in second


def test_a_replication_that_never_ended_is_dropped_and_the_log_ended_once() -> None:
    """A run stopped midway: the folder is removed anyway, and the close must not fail for want of citizens."""
    log = Written()
    log({"contacts": piece(0, [1], ["nib"])})
    log.close()
    log.close()
    assert not log.written and log.ended == 1
    with pytest.raises(ValueError, match="closed"):
        log({"contacts": piece(0, [1], ["nib"])})
