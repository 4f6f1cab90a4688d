"""Named, independent random streams: each part of the company draws from its own, so changing one part
(or one scale's chunking) never shifts the numbers of another."""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """A generator for ``name`` under ``seed``; the same pair always yields the same numbers."""
    return np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, zlib.crc32(name.encode())]))
