"""Online and offline channels: price conflicts, cannibalisation or halo, relation, mix, assortment and reach.

Aggregations run as Ibis expressions in the warehouse engine; the statistics run on the small weekly frames.

>>> from chainsight.analysis.channels import cross_channel_effects, price_conflicts
>>> price_conflicts(wh).summary.select("channel_id", "shop", "sku", "margin_leakage")  # doctest: +SKIP
>>> cross_channel_effects(wh).provinces.select("province", "effect", "ci_low", "ci_high", "verdict")  # doctest: +SKIP
"""

from chainsight.analysis.channels._effects import (
    VERDICTS,
    CrossChannelEffects,
    cross_channel_effects,
    promo_weeks,
)
from chainsight.analysis.channels._findings import channel_findings
from chainsight.analysis.channels._geo import Assortment, Reach, assortment_overlap, geographic_reach
from chainsight.analysis.channels._mix import ChannelMix, channel_mix
from chainsight.analysis.channels._price import PriceConflicts, price_conflicts
from chainsight.analysis.channels._relation import Relation, channel_relation
from chainsight.analysis.channels._text import Finding

__all__ = [
    "VERDICTS",
    "Assortment",
    "ChannelMix",
    "CrossChannelEffects",
    "Finding",
    "PriceConflicts",
    "Reach",
    "Relation",
    "assortment_overlap",
    "channel_findings",
    "channel_mix",
    "channel_relation",
    "cross_channel_effects",
    "geographic_reach",
    "price_conflicts",
    "promo_weeks",
]
