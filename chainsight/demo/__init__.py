"""The demo company 鲜源食品 (XianYuan Foods): a realistic, deterministic Chinese food & beverage maker as
ERP-style export files, with planted business problems described in ``truth.json``.

>>> from chainsight.demo import generate
>>> manifest = generate("/tmp/chainsight-demo", scale="tiny", seed=0)  # doctest: +SKIP
>>> [e.file for e in manifest.files][:3]  # doctest: +SKIP
['regions.csv', 'channels.csv', 'customers.csv']
"""

from chainsight.demo._calendar import DEFAULT_END
from chainsight.demo._generate import FACT_ENTITIES, Manifest, ManifestEntry, generate
from chainsight.demo._run import existing_manifest, run
from chainsight.demo._scale import SCALES, Scale, get_scale

SIGNALS = (
    "expiring_lot",
    "stuffed_distributor",
    "late_supplier",
    "poor_yield_line",
    "price_violation",
    "cannibalization",
    "halo",
)
"""Keys of ``truth.json["signals"]``: the business problems planted in the demo company."""

__all__ = [
    "DEFAULT_END",
    "FACT_ENTITIES",
    "SCALES",
    "SIGNALS",
    "Manifest",
    "ManifestEntry",
    "Scale",
    "existing_manifest",
    "generate",
    "get_scale",
    "run",
]
