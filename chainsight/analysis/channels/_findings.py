"""Every channel finding at once: what the web app's channel page lists."""

from __future__ import annotations

from chainsight.analysis.channels._effects import cross_channel_effects
from chainsight.analysis.channels._geo import assortment_overlap, geographic_reach
from chainsight.analysis.channels._mix import channel_mix
from chainsight.analysis.channels._price import price_conflicts
from chainsight.analysis.channels._relation import channel_relation
from chainsight.analysis.channels._text import Finding
from chainsight.warehouse import Warehouse


def channel_findings(wh: Warehouse) -> list[Finding]:
    """Every channel finding (price conflicts first, then cannibalisation/halo, relation, mix, assortment,
    reach), in zh and en with the numbers behind them."""
    out: list[Finding] = []
    out += price_conflicts(wh).findings
    out += cross_channel_effects(wh).findings
    out += channel_relation(wh).findings
    out += channel_mix(wh).findings
    out += assortment_overlap(wh).findings
    out += geographic_reach(wh).findings
    return out
