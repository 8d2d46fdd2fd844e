"""Random number streams: one SeedSequence per (seed, replication), named children.

Citizens' luck is keyed, not sequential: the uniform number for (stream name,
draw index, citizen) is the same whatever else happened before, so the same
citizen meets the same luck under every configuration (common random numbers).
Uniforms are drawn in bulk, a block of citizens at a time, and turned into
durations by a distribution's quantile function once per block.

>>> streams = Streams(seed=7, replication=0)
>>> patience = streams.keyed("patience")
>>> patience(citizen=42, index=1) == Streams(7, 0).keyed("patience")(42, 1)
True
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

BLOCK_BITS = 10
BLOCK = 1 << BLOCK_BITS
"""Citizens per block of bulk-drawn uniforms."""
KEPT_BLOCKS = 64
"""Blocks a stream keeps at once: memory stays bounded however many citizens a run has."""

Transform = Callable[[NDArray[np.float64]], NDArray[np.float64]]


def _key(name: str) -> int:
    """A stable number for a stream name (Python's own hash changes between runs)."""
    return zlib.crc32(name.encode())


class Streams:
    """All random numbers of one replication, as independent named streams."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = seed
        self.replication = replication

    def generator(self, name: str, *key: int) -> np.random.Generator:
        """An independent generator for the stream `name` (and sub-keys)."""
        sequence = np.random.SeedSequence(self.seed, spawn_key=(self.replication, _key(name), *key))
        return np.random.Generator(np.random.PCG64(sequence))

    def uniforms(self, name: str, index: int, block: int) -> NDArray[np.float64]:
        """The uniforms of draw `index` of stream `name` for one block of citizens."""
        return self.generator(name, index, block).random(BLOCK)

    def keyed(self, name: str, transform: Transform | None = None) -> KeyedStream:
        """Per-citizen draws of stream `name`, optionally through a quantile function."""
        return KeyedStream(self, name, transform)


class KeyedStream:
    """`stream(citizen, index)`: the index-th draw of a citizen, cached by block."""

    __slots__ = ("_blocks", "_name", "_streams", "_transform")

    def __init__(self, streams: Streams, name: str, transform: Transform | None) -> None:
        self._streams = streams
        self._name = name
        self._transform = transform
        self._blocks: dict[tuple[int, int], list[float]] = {}
        """Kept blocks of drawn values, as lists: one value is read faster from a list than from an array."""

    def __call__(self, citizen: int, index: int = 0) -> float:
        values = self._blocks.get((index, citizen >> BLOCK_BITS))
        if values is None:
            values = self._draw(index, citizen >> BLOCK_BITS)
        return values[citizen & (BLOCK - 1)]

    def many(self, citizens: NDArray[np.int64], index: int = 0) -> NDArray[np.float64]:
        """The index-th draw of each of `citizens`, as an array (the same numbers as one at a time)."""
        citizens = np.asarray(citizens, dtype=np.int64)
        drawn = np.empty(len(citizens), dtype=np.float64)
        order = np.argsort(citizens >> BLOCK_BITS, kind="stable")
        for here in np.split(order, np.flatnonzero(np.diff(citizens[order] >> BLOCK_BITS)) + 1):
            if len(here):  # one block's citizens
                block = int(citizens[here[0]] >> BLOCK_BITS)
                values = self._blocks.get((index, block))
                if values is None:
                    values = self._draw(index, block)
                drawn[here] = np.asarray(values)[citizens[here] & (BLOCK - 1)]
        return drawn

    def _draw(self, index: int, block: int) -> list[float]:
        """Draw a block of citizens' values, forgetting the oldest block when too many are kept."""
        uniforms = self._streams.uniforms(self._name, index, block)
        values: list[float] = (uniforms if self._transform is None else self._transform(uniforms)).tolist()
        if len(self._blocks) >= KEPT_BLOCKS:  # drawn again, identically, if needed
            del self._blocks[next(iter(self._blocks))]
        self._blocks[(index, block)] = values
        return values
