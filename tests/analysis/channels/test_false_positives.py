"""Over several seeds: the planted provinces are found and provinces without an effect come out neutral at about
the nominal rate (slow: one demo per seed). Measured 2026-11: 24/24 planted found, 2 false positives in 62
neutral province-fits (3.2%) over seeds 0–11, none on the clean seed (see docs/channels-methods.md)."""

from __future__ import annotations

import pytest
from channels_demo import build_demo

from chainsight.analysis.channels import cross_channel_effects
from chainsight.warehouse import Warehouse

pytestmark = pytest.mark.slow


def test_false_positive_rate_over_seeds(tmp_path_factory: pytest.TempPathFactory) -> None:
    tested = false_pos = 0
    for seed, signals in [(1, True), (2, True), (3, True), (0, False)]:
        path, truth = build_demo(tmp_path_factory.mktemp(f"fp{seed}{signals}"), seed, signals)
        planted = {truth[k]["province"] for k in ("cannibalization", "halo") if k in truth}
        wh = Warehouse.open(path, read_only=True)
        try:
            rows = cross_channel_effects(wh).provinces.to_dicts()
        finally:
            wh.close()
        for r in rows:
            if r["province"] in planted:
                assert r["verdict"] in ("cannibalizing", "lifting"), r
            elif r["verdict"] != "insufficient_data":
                tested += 1
                false_pos += r["verdict"] != "neutral"
    assert tested >= 20
    assert false_pos / tested <= 0.15
