"""Scales of the demo company: how many SKUs, provinces, stores and online orders."""

from __future__ import annotations

from dataclasses import dataclass

from chainsight._errors import UserInputError


@dataclass(frozen=True, slots=True)
class Scale:
    """Size knobs; fact rows grow roughly with stores × assortment × days and online lines per day."""

    name: str
    n_sku: int
    n_provinces: int  # offline coverage (online orders ship everywhere)
    distributors_per_province: int
    stores_per_distributor: int
    ka_chains: int
    ka_stores_per_city: int  # per chain and city
    ka_coverage: float  # share of covered provinces each KA chain is present in
    discount_stores: int  # per discount customer
    ka_daily: bool  # KA and discount stores report sell-out daily (else weekly, like distributors)
    assortment: float  # share of SKUs a mid-size store carries
    online_lines_per_day: float  # order lines per day across all shops, before seasonality
    monthly_files: bool  # split big transaction files by month
    chunk_cells: int  # working-set size of one generation chunk (cells of store-SKU × days)


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", 24, 10, 1, 1, 1, 1, 0.0, 1, False, 0.25, 8, False, 2_000_000),
    "small": Scale("small", 110, 14, 2, 5, 3, 1, 0.35, 2, True, 0.12, 240, False, 4_000_000),
    "medium": Scale("medium", 140, 19, 4, 30, 6, 3, 0.6, 6, True, 0.35, 5_500, True, 8_000_000),
    "large": Scale("large", 160, 19, 8, 170, 8, 12, 0.7, 20, True, 0.4, 62_000, True, 8_000_000),
}


def get_scale(name: str) -> Scale:
    """The scale called ``name`` (tiny, small, medium, large) or a :class:`UserInputError`."""
    try:
        return SCALES[name]
    except KeyError:
        known = ", ".join(SCALES)
        raise UserInputError(
            f"未知规模 “{name}”;可选:{known}", f"unknown scale '{name}'; choose one of: {known}"
        ) from None
