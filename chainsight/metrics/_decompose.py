"""Exact decompositions of a metric's change into contributions per member of a dimension.

All arithmetic is on :class:`fractions.Fraction` (floats convert exactly), so the
contributions sum to the change with no rounding at all; callers round for display.
The inputs are aggregates per member (a few hundred SKUs at most), not fact rows.

Additive (sums, stocks at one snapshot)::

    contribution_m = cur_m - prior_m

Revenue (price / volume / mix), with revenue R, quantity q, price p = R / q::

    volume_m = (Q1 / Q0 - 1) * R0_m                     # everything grows with total volume
    mix_m    = (q1_m - Q1 * q0_m / Q0) * p0_m           # shift of volume between members
    price_m  = (R1_m - R0_m) - volume_m - mix_m         # = q1_m * (p1_m - p0_m) for a member in both periods

Ratio R = N / D (rate / mix), with weight w = D_m / D and rate r = N_m / D_m, bars the
mean of both periods::

    rate_m = w̄_m * (r1_m - r0_m)
    mix_m  = (r̄_m - R̄) * (w1_m - w0_m)

A member present in one period only has no rate of its own in the other: all of its
effect is mix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

Number = Fraction | float | int | None


def exact(value: Number) -> Fraction:
    """A float as the exact fraction it stores; None (no rows) counts as zero."""
    return Fraction(0) if value is None else Fraction(value)


@dataclass(frozen=True, slots=True)
class Effects:
    """Per-member contributions (summing to ``total``) and named effects per member."""

    contributions: list[Fraction]
    effects: dict[str, list[Fraction]]
    total: Fraction


def additive(cur: Sequence[Number], prior: Sequence[Number]) -> Effects:
    """Each member contributes its own change; they sum to the change of the total."""
    contributions = [exact(c) - exact(p) for c, p in zip(cur, prior, strict=True)]
    total = sum((exact(c) for c in cur), Fraction(0)) - sum((exact(p) for p in prior), Fraction(0))
    return Effects(contributions, {}, total)


def price_volume_mix(
    revenue1: Sequence[Number], qty1: Sequence[Number], revenue0: Sequence[Number], qty0: Sequence[Number]
) -> Effects:
    """Split the change of revenue into price, volume and mix effects per member."""
    r1, q1 = [exact(v) for v in revenue1], [exact(v) for v in qty1]
    r0, q0 = [exact(v) for v in revenue0], [exact(v) for v in qty0]
    big_q1, big_q0 = sum(q1, Fraction(0)), sum(q0, Fraction(0))
    price, volume, mix, contributions = [], [], [], []
    for a1, b1, a0, b0 in zip(r1, q1, r0, q0, strict=True):
        contribution = a1 - a0
        if big_q0 == 0:
            vol, mx = contribution, Fraction(0)
        else:
            vol = (big_q1 / big_q0 - 1) * a0
            if b0 != 0:
                p0 = a0 / b0
            elif b1 != 0:
                p0 = a1 / b1  # a new member: no price change of its own, its volume is mix
            else:
                p0 = Fraction(0)
            mx = (b1 - big_q1 * b0 / big_q0) * p0
        contributions.append(contribution)
        volume.append(vol)
        mix.append(mx)
        price.append(contribution - vol - mx)
    total = sum(r1, Fraction(0)) - sum(r0, Fraction(0))
    return Effects(contributions, {"price": price, "volume": volume, "mix": mix}, total)


def rate_mix(
    num1: Sequence[Number], den1: Sequence[Number], num0: Sequence[Number], den0: Sequence[Number]
) -> Effects | None:
    """Split the change of a ratio of sums into rate and mix effects; None when a period has no denominator."""
    n1, d1 = [exact(v) for v in num1], [exact(v) for v in den1]
    n0, d0 = [exact(v) for v in num0], [exact(v) for v in den0]
    big_d1, big_d0 = sum(d1, Fraction(0)), sum(d0, Fraction(0))
    if big_d1 == 0 or big_d0 == 0:
        return None
    big_r1, big_r0 = sum(n1, Fraction(0)) / big_d1, sum(n0, Fraction(0)) / big_d0
    mean_r = (big_r1 + big_r0) / 2
    rate, mix, contributions = [], [], []
    for a1, b1, a0, b0 in zip(n1, d1, n0, d0, strict=True):
        w1, w0 = b1 / big_d1, b0 / big_d0
        # each member's share of the total change; the -R̄·Δw terms sum to zero over members
        contribution = (a1 / big_d1 - a0 / big_d0) - mean_r * (w1 - w0)
        if b1 != 0 and b0 != 0:
            rt = (w1 + w0) / 2 * (a1 / b1 - a0 / b0)
        elif b1 == 0 and b0 == 0:
            rt = contribution  # numerator without denominator: nothing to mix
        else:
            rt = Fraction(0)
        contributions.append(contribution)
        rate.append(rt)
        mix.append(contribution - rt)
    return Effects(contributions, {"rate": rate, "mix": mix}, big_r1 - big_r0)


def non_additive(cur: Sequence[Number], prior: Sequence[Number], total_change: Number) -> Effects:
    """Member changes of a metric that does not add up (distinct counts, expressions).

    They do not sum to the change; the remainder is reported as ``residual`` (overlap
    between members, or the non-linear part of an expression).
    """
    contributions = [exact(c) - exact(p) for c, p in zip(cur, prior, strict=True)]
    residual = exact(total_change) - sum(contributions, Fraction(0))
    return Effects(contributions, {"residual": [residual]}, exact(total_change))
