"""Master data of the demo company for one scale and seed: products, customers, stores, sites, prices,
promotions, materials and BOM, plus the choices of where each planted signal sits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainsight.demo import _catalog as cat
from chainsight.demo._calendar import Calendar
from chainsight.demo._rng import stream
from chainsight.demo._scale import Scale

FORMATS = ("hypermarket", "supermarket", "convenience", "traditional", "discount")
FORMAT_SIZE = np.array([2.6, 1.0, 0.45, 0.35, 0.8])
FORMAT_ASSORT = np.array([1.6, 1.0, 0.55, 0.5, 0.7])
FORMAT_DOW = np.array(
    [
        [0.88, 0.86, 0.88, 0.92, 1.05, 1.33, 1.28],  # hypermarket: weekend trips
        [0.93, 0.92, 0.93, 0.96, 1.05, 1.12, 1.09],
        [1.02, 1.0, 1.0, 1.01, 1.05, 0.97, 0.95],
        [1.0, 0.99, 1.0, 1.0, 1.02, 1.0, 0.99],
        [0.9, 0.88, 0.9, 0.95, 1.05, 1.2, 1.12],
    ]
)
CUSTOMER_KINDS = ("distributor", "ka", "discount", "platform", "reseller")  # values of Company.cust["kind"]
COVER_WEEKS = {"distributor": 2.5, "ka": 1.3, "discount": 1.5, "platform": 2.0, "reseller": 2.0}
SELL_IN_PRICE = {"distributor": 1.0, "ka": 1.06, "discount": 0.9, "platform": 1.0, "reseller": 0.97}
TRADE_DISCOUNT = {"distributor": 0.03, "ka": 0.02, "discount": 0.0, "platform": 0.05, "reseller": 0.03}


def _nice_price(x: float) -> float:
    """Consumer prices end in .9 / .5 like real shelf prices."""
    if x >= 3:
        return round(np.ceil(x * 2) / 2 - 0.1, 2)
    return round(x, 1)


def _ean13(body12: str) -> str:
    digits = [int(c) for c in body12]
    check = (10 - (sum(digits[0::2]) + 3 * sum(digits[1::2])) % 10) % 10
    return body12 + str(check)


@dataclass
class Company:
    """Everything the simulation needs, as Python lists (master rows) and numpy arrays (per SKU / store)."""

    seed: int
    scale: Scale
    cal: Calendar
    signals: bool
    # geography
    provinces: list[cat.Province] = field(default_factory=list)
    offline_prov: list[int] = field(default_factory=list)  # indices into provinces
    prov_dc: np.ndarray = field(default_factory=lambda: np.zeros(0, int))  # province → DC index
    # products
    products: list[dict[str, Any]] = field(default_factory=list)
    sku_ids: list[str] = field(default_factory=list)
    sku: dict[str, np.ndarray] = field(default_factory=dict)
    # customers, stores, shops, sites
    customers: list[dict[str, Any]] = field(default_factory=list)
    cust: dict[str, np.ndarray] = field(default_factory=dict)
    stores: list[dict[str, Any]] = field(default_factory=list)
    store: dict[str, np.ndarray] = field(default_factory=dict)
    pairs: dict[str, np.ndarray] = field(default_factory=dict)  # store × SKU assortment
    shops: list[dict[str, Any]] = field(default_factory=list)
    sites: list[dict[str, Any]] = field(default_factory=list)
    dc_ids: list[str] = field(default_factory=list)
    plant_ids: list[str] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    # prices and promotions
    prices: list[dict[str, Any]] = field(default_factory=list)
    promotions: list[dict[str, Any]] = field(default_factory=list)
    price_change_day: int = 0
    disc_on: np.ndarray = field(default_factory=lambda: np.zeros(0))  # [online channel, sku, day]
    disc_off: np.ndarray = field(default_factory=lambda: np.zeros(0))  # [offline channel, province, sku, day]
    online_promo: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # [sku, day]
    campaigns: list[Any] = field(default_factory=list)
    # materials
    materials: list[dict[str, Any]] = field(default_factory=list)
    bom: list[dict[str, Any]] = field(default_factory=list)
    # sku index → leaf material → quantity per unit (BOM exploded through intermediates)
    leaf_bom: dict[int, dict[str, float]] = field(default_factory=dict)
    suppliers: list[dict[str, Any]] = field(default_factory=list)
    # planted signals (parameters chosen here, measured later)
    plan: dict[str, Any] = field(default_factory=dict)

    @property
    def n_sku(self) -> int:
        return len(self.sku_ids)


def build_company(scale: Scale, cal: Calendar, seed: int, signals: bool = True) -> Company:
    co = Company(seed=seed, scale=scale, cal=cal, signals=signals)
    co.provinces = list(cat.PROVINCES)
    co.offline_prov = list(range(min(scale.n_provinces, len(cat.PROVINCES))))
    prov_index = {p.region_id: i for i, p in enumerate(co.provinces)}
    co.prov_dc = np.zeros(len(co.provinces), dtype=np.int64)
    for d, (_, _, _, served) in enumerate(cat.DCS):
        for rid in served:
            co.prov_dc[prov_index[rid]] = d
    co.dc_ids = [d[0] for d in cat.DCS]
    co.plant_ids = [p[0] for p in cat.PLANTS]
    _build_products(co)
    _build_customers_and_stores(co, prov_index)
    _build_sites_and_lines(co)
    _build_prices(co)
    _build_promotions(co)
    _build_materials(co)
    _choose_signals(co)
    return co


# ---------------------------------------------------------------------------------------------- products
def _build_products(co: Company) -> None:
    rng = stream(co.seed, "products")
    cal = co.cal
    base: list[list[dict[str, Any]]] = []  # per family, in catalog order
    counters: dict[str, int] = {}
    for f_idx, fam in enumerate(cat.FAMILIES):
        items: list[dict[str, Any]] = []
        for p_idx, (spec, unit, upc, price, shelf, kind, bom_kind) in enumerate(fam.packs):
            for v_idx, flavour in enumerate(fam.flavours):
                counters[fam.code] = counters.get(fam.code, 0) + 1
                items.append(
                    dict(
                        sku=f"{fam.code}{counters[fam.code]:03d}",
                        name=f"{fam.brand}{fam.name}{flavour} {spec}".replace("  ", " "),
                        brand=fam.brand,
                        category=fam.category,
                        unit=unit,
                        units_per_case=upc,
                        shelf_life_days=shelf,
                        list_price=price,
                        family=f_idx,
                        kind=kind,
                        bom_kind=bom_kind,
                        rank=p_idx + v_idx,
                        online_only=False,
                        flagship=(p_idx == 0 and v_idx == 0),
                        spec=spec,
                        pack_upc=upc,
                    )
                )
        base.append(items)
    ecom: list[list[dict[str, Any]]] = []
    for items in base:
        fam_ecom: list[dict[str, Any]] = []
        for it in items:
            fam = cat.FAMILIES[it["family"]]
            counters[fam.code] += 1
            e = dict(it)
            e.update(
                sku=f"{fam.code}{counters[fam.code]:03d}",
                name=f"{it['name']}×{it['units_per_case']} 整箱装(电商专供)",
                unit="箱",
                units_per_case=1,
                list_price=round(it["list_price"] * it["units_per_case"] * 0.95, 2),
                online_only=True,
                flagship=False,
            )
            fam_ecom.append(e)
        ecom.append(fam_ecom)

    def interleave(groups: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        depth = max(len(g) for g in groups)
        for r in range(depth):
            out.extend(g[r] for g in groups if r < len(g))
        return out

    ordered = interleave(base) + interleave(ecom)
    chosen = ordered[: co.scale.n_sku]
    chosen.sort(key=lambda p: p["sku"])
    n = len(chosen)
    pop = rng.lognormal(0.0, 0.7, n)
    for i, p in enumerate(chosen):
        if p["flagship"]:
            pop[i] *= 1.8
        if p["online_only"]:
            pop[i] *= 0.5
    pop /= pop.mean()
    # A few launches during the history and a few discontinued SKUs (never the first of a family).
    launch = np.full(n, -10_000, dtype=np.int64)
    disc = np.full(n, 10_000, dtype=np.int64)
    candidates = [i for i, p in enumerate(chosen) if not p["flagship"] and not p["online_only"]]
    rng.shuffle(candidates)
    n_launch = max(1, round(0.06 * n))
    n_disc = max(1, round(0.03 * n))
    for i in candidates[:n_launch]:
        launch[i] = int(rng.integers(90, cal.n - 150))
    for i in candidates[n_launch : n_launch + n_disc]:
        disc[i] = int(rng.integers(200, cal.n - 60))
    co.products = []
    retail = np.zeros(n)
    floor = np.zeros(n)
    for i, p in enumerate(chosen):
        retail[i] = _nice_price(p["list_price"] * 1.5)
        floor[i] = round(retail[i] * 0.75, 1)
        if launch[i] > 0:
            launch_date = cal.date(int(launch[i]))
        else:
            launch_date = dt.date(2018 + int(rng.integers(0, 6)), int(rng.integers(1, 13)), 1)
        co.products.append(
            dict(
                sku=p["sku"],
                name=p["name"],
                brand=p["brand"],
                category=p["category"],
                unit=p["unit"],
                units_per_case=p["units_per_case"],
                shelf_life_days=p["shelf_life_days"],
                list_price=p["list_price"],
                barcode=_ean13(f"69{31245:05d}{int(p['sku'][2:]) + 1000 * 'BDSI'.index(p['sku'][0]):05d}"),
                launch_date=launch_date,
                status="discontinued" if disc[i] < cal.n else "active",
            )
        )
    co.sku_ids = [p["sku"] for p in chosen]
    season_names = list(cat.SEASONS)
    co.sku = dict(
        family=np.array([p["family"] for p in chosen]),
        category=np.array([p["category"] for p in chosen]),
        shelf=np.array([p["shelf_life_days"] for p in chosen], dtype=np.int64),
        upc=np.array([p["units_per_case"] for p in chosen], dtype=np.int64),
        list_price=np.array([p["list_price"] for p in chosen]),
        retail=retail,
        floor=floor,
        season=np.array([season_names.index(cat.FAMILIES[p["family"]].season) for p in chosen]),
        base_rate=np.array([cat.FAMILIES[p["family"]].base_rate for p in chosen]),
        online_w=np.array([cat.FAMILIES[p["family"]].online for p in chosen]),
        pop=pop,
        online_only=np.array([p["online_only"] for p in chosen]),
        launch=launch,
        disc=disc,
        kind=np.array([p["kind"] for p in chosen]),
        bom_kind=np.array([p["bom_kind"] for p in chosen]),
        price_up=np.array([p["category"] in ("饮料", "乳品") for p in chosen]),
        mult=np.array([p["pack_upc"] if p["online_only"] else 1 for p in chosen], dtype=np.int64),
        case_upc=np.array([p["pack_upc"] for p in chosen], dtype=np.int64),
    )


def lifecycle(co: Company) -> np.ndarray:
    """[sku, day] 0 before launch (then a 6-week ramp) and after discontinuation, else 1."""
    t = np.arange(co.cal.n)[None, :]
    launch = co.sku["launch"][:, None]
    ramp = np.clip((t - launch + 1) / 42.0, 0.0, 1.0)
    return (ramp * (t < co.sku["disc"][:, None])).astype(np.float64)


def sell_in_price(co: Company, kind: np.ndarray | str, sku_idx: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Price per unit charged to a customer of ``kind`` (list price × channel factor, after the price rise)."""
    factor = np.vectorize(SELL_IN_PRICE.get)(kind) if not isinstance(kind, str) else SELL_IN_PRICE[kind]
    up = np.where(co.sku["price_up"][sku_idx] & (day >= co.price_change_day), 1.04, 1.0)
    return np.round(co.sku["list_price"][sku_idx] * factor * up, 2)


def retail_price(co: Company, sku_idx: np.ndarray, day: np.ndarray) -> np.ndarray:
    up = co.sku["price_up"][sku_idx] & (day >= co.price_change_day)
    return np.where(up, co.sku["retail_up"][sku_idx], co.sku["retail"][sku_idx])


# ---------------------------------------------------------------------------------------------- customers
def _build_customers_and_stores(co: Company, prov_index: dict[str, int]) -> None:
    rng = stream(co.seed, "customers")
    sc = co.scale
    customers: list[dict[str, Any]] = []
    stores: list[dict[str, Any]] = []

    def add_customer(**kw: Any) -> int:
        customers.append(kw)
        return len(customers) - 1

    def add_stores(
        c: int, prov: int, formats: list[str], per_city: int | None, count: int | None, label: str
    ) -> None:
        p = co.provinces[prov]
        cities = list(p.cities)
        n = count if count is not None else per_city * len(cities)  # type: ignore[operator]
        for k in range(n):
            city = (
                cities[k % len(cities)]
                if per_city is not None
                else cities[
                    int(
                        rng.choice(
                            len(cities),
                            p=np.array([ct.weight for ct in cities]) / sum(ct.weight for ct in cities),
                        )
                    )
                ]
            )
            fmt = formats[int(rng.integers(0, len(formats)))] if len(formats) > 1 else formats[0]
            road = cat.STORE_WORDS[(len(stores) * 7 + k) % len(cat.STORE_WORDS)]
            city_short = city.name.rstrip("市")
            suffix = {"traditional": "食杂店", "convenience": "便利店", "supermarket": "超市"}.get(fmt, "店")
            name = f"{label}{city_short}{road}{suffix}"
            stores.append(
                dict(
                    store_id=f"S{len(stores) + 1:05d}",
                    customer=c,
                    region_id=city.region_id,
                    prov=prov,
                    format=fmt,
                    name=name,
                )
            )

    name_pool = list(cat.DISTRIBUTOR_NAMES)
    for pi in co.offline_prov:
        p = co.provinces[pi]
        for k in range(sc.distributors_per_province):
            city = p.cities[k % len(p.cities)]
            word = name_pool[(pi * 3 + k) % len(name_pool)]
            c = add_customer(
                customer_id=f"DIS-{p.region_id[:2]}{k + 1:02d}",
                name=f"{city.name.rstrip('市')}{word}食品商贸有限公司",
                channel_id="distributor",
                region_id=city.region_id,
                type="distributor",
                min_remaining_life_pct=None,
                kind="distributor",
                prov=pi,
            )
            add_stores(
                c,
                pi,
                ["traditional", "traditional", "convenience", "convenience", "supermarket"],
                None,
                sc.stores_per_distributor,
                "",
            )
    for j, (code, chain, min_rl) in enumerate(cat.KA_CHAINS[: sc.ka_chains]):
        for n_pi, pi in enumerate(co.offline_prov):
            present = (n_pi % max(2, sc.ka_chains) == j) or rng.random() < sc.ka_coverage
            if not present:
                continue
            p = co.provinces[pi]
            c = add_customer(
                customer_id=f"KA-{code}-{p.region_id[:2]}",
                name=f"{chain}({p.short})",
                channel_id="ka",
                region_id=p.region_id,
                type="ka_retailer",
                min_remaining_life_pct=min_rl,
                kind="ka",
                prov=pi,
            )
            add_stores(
                c, pi, ["hypermarket", "supermarket", "supermarket"], sc.ka_stores_per_city, None, chain
            )
    for j, (code, chain) in enumerate(cat.DISCOUNT_CHAINS):
        target = ("310000", "440000")[j]
        pi = prov_index[target] if prov_index[target] in co.offline_prov else co.offline_prov[j]
        p = co.provinces[pi]
        c = add_customer(
            customer_id=f"DS-{code}-{p.region_id[:2]}",
            name=f"{chain}({p.short})",
            channel_id="discount",
            region_id=p.region_id,
            type="discount_outlet",
            min_remaining_life_pct=None,
            kind="discount",
            prov=pi,
        )
        add_stores(c, pi, ["discount"], None, sc.discount_stores, chain)
    for cid, name, channel, city_id, ctype in cat.ONLINE_CUSTOMERS:
        pi = prov_index[city_id[:2] + "0000"]
        add_customer(
            customer_id=cid,
            name=name,
            channel_id=channel,
            region_id=city_id,
            type=ctype,
            min_remaining_life_pct=None,
            kind="platform" if ctype == "platform_self_operated" else "reseller",
            prov=pi,
        )
    co.customers = customers
    co.stores = stores
    kinds = np.array([c["kind"] for c in customers])
    prov = np.array([c["prov"] for c in customers], dtype=np.int64)
    co.cust = dict(
        kind=kinds,
        prov=prov,
        dc=co.prov_dc[prov],
        cover=np.array([COVER_WEEKS[k] for k in kinds]),
        offline_ch=np.array(
            [
                ("distributor", "ka", "discount").index(c["channel_id"])
                if c["channel_id"] in ("distributor", "ka", "discount")
                else -1
                for c in customers
            ]
        ),
    )
    # delivery weekdays: distributors once a week, KA and platforms twice
    deliveries: list[tuple[int, ...]] = []
    for i, cust in enumerate(customers):
        if cust["kind"] == "distributor":
            deliveries.append((i * 3 % 5,))
        elif cust["kind"] in ("ka", "platform"):
            deliveries.append((0, 3))
        elif cust["kind"] == "discount":
            deliveries.append((2,))
        else:
            deliveries.append((1,))
    co.cust["deliveries"] = np.array([d + (-1,) * (2 - len(d)) for d in deliveries], dtype=np.int64)

    fmt = np.array([FORMATS.index(s["format"]) for s in stores], dtype=np.int64)
    sprov = np.array([s["prov"] for s in stores], dtype=np.int64)
    scust = np.array([s["customer"] for s in stores], dtype=np.int64)
    spend = np.array([co.provinces[p].spend for p in sprov])
    size = FORMAT_SIZE[fmt] * spend * rng.lognormal(0.0, 0.25, len(stores))
    weekly = (kinds[scust] == "distributor") | (not co.scale.ka_daily)
    co.store = dict(
        fmt=fmt, prov=sprov, cust=scust, size=size, weekly=weekly, channel=co.cust["offline_ch"][scust]
    )
    # assortment: each store carries a popularity-weighted subset of the SKUs sold offline
    offline_skus = np.flatnonzero(~co.sku["online_only"])
    chilled = co.sku["shelf"] <= 45
    pair_store, pair_sku, pair_base = [], [], []
    sku_rate = co.sku["base_rate"] * co.sku["pop"]
    for s_idx in range(len(stores)):
        share = min(1.0, co.scale.assortment * FORMAT_ASSORT[fmt[s_idx]])
        cand = offline_skus if FORMATS[fmt[s_idx]] != "traditional" else offline_skus[~chilled[offline_skus]]
        k = max(3, round(share * len(cand)))
        w = co.sku["pop"][cand] + 0.05
        pick = np.sort(rng.choice(cand, size=min(k, len(cand)), replace=False, p=w / w.sum()))
        pair_store.append(np.full(len(pick), s_idx))
        pair_sku.append(pick)
        pair_base.append(size[s_idx] * sku_rate[pick] * rng.lognormal(0.0, 0.3, len(pick)))
    co.pairs = dict(
        store=np.concatenate(pair_store), sku=np.concatenate(pair_sku), base=np.concatenate(pair_base)
    )
    # online shops
    co.shops = []
    cust_index = {c["customer_id"]: i for i, c in enumerate(customers)}
    for channel, shop, operator, share in cat.SHOPS:
        co.shops.append(
            dict(
                channel=channel,
                shop=shop,
                operator=operator,
                customer=-1 if operator == "self" else cust_index[operator],
                share=share * cat.ONLINE_BASE_SHARE[channel],
            )
        )


# ---------------------------------------------------------------------------------------------- sites & lines
def _build_sites_and_lines(co: Company) -> None:
    sites: list[dict[str, Any]] = []
    for sid, name, city in cat.PLANTS:
        sites.append(dict(site_id=sid, name=name, type="plant", region_id=city, customer_id=None))
    for sid, name, city, _ in cat.DCS:
        sites.append(dict(site_id=sid, name=name, type="dc", region_id=city, customer_id=None))
    for c in co.customers:
        if c["kind"] == "distributor" and c["channel_id"] == "distributor":
            sites.append(
                dict(
                    site_id=f"DW-{c['customer_id'][4:]}",
                    name=f"{c['name'].replace('有限公司', '')}仓库",
                    type="distributor_wh",
                    region_id=c["region_id"],
                    customer_id=c["customer_id"],
                )
            )
    co.sites = sites
    co.lines = [
        dict(line_id=lid, site_id=site, name=name, kinds=kinds, capacity_per_day=0.0)
        for lid, site, name, kinds in cat.LINES
    ]
    # every SKU is made on one line of its kind (alternating where a kind has several lines)
    seen: dict[str, int] = {}
    line_of = np.zeros(co.n_sku, dtype=np.int64)
    for i, kind in enumerate(co.sku["kind"]):
        options = [j for j, ln in enumerate(co.lines) if kind in ln["kinds"]]
        line_of[i] = options[seen.get(kind, 0) % len(options)]
        seen[kind] = seen.get(kind, 0) + 1
    co.sku["line"] = line_of
    co.sku["plant"] = np.array([co.plant_ids.index(co.lines[j]["site_id"]) for j in line_of], dtype=np.int64)


# ---------------------------------------------------------------------------------------------- prices
def _build_prices(co: Company) -> None:
    cal = co.cal
    # prices rise on the first July 1 after the history starts
    change = dt.date(cal.start.year + (0 if cal.start.month < 7 else 1), 7, 1)
    co.price_change_day = cal.index(change)
    first = dt.date(cal.start.year - 1, 1, 1)
    retail_up = np.array([_nice_price(r * 1.04) for r in co.sku["retail"]])
    co.sku["retail_up"] = np.where(co.sku["price_up"], retail_up, co.sku["retail"])
    floor_up = np.round(co.sku["retail_up"] * 0.75, 1)
    co.sku["floor_up"] = np.where(co.sku["price_up"], floor_up, co.sku["floor"])
    rows: list[dict[str, Any]] = []
    for ch, _, kind, _, _ in cat.CHANNELS:
        for i, sku in enumerate(co.sku_ids):
            if kind == "offline" and co.sku["online_only"][i]:
                continue
            if kind == "online":
                f = cat.ONLINE_PRICE_FACTOR[ch]
                p0, p1 = round(co.sku["retail"][i] * f, 2), round(co.sku["retail_up"][i] * f, 2)
            else:
                f = SELL_IN_PRICE[ch]
                p0 = round(co.sku["list_price"][i] * f, 2)
                p1 = round(co.sku["list_price"][i] * f * 1.04, 2) if co.sku["price_up"][i] else p0
            if co.sku["price_up"][i]:
                rows.append(
                    dict(
                        channel_id=ch,
                        sku=sku,
                        valid_from=first,
                        valid_to=change - dt.timedelta(days=1),
                        price=p0,
                        floor_price=float(co.sku["floor"][i]),
                    )
                )
                rows.append(
                    dict(
                        channel_id=ch,
                        sku=sku,
                        valid_from=change,
                        valid_to=None,
                        price=p1,
                        floor_price=float(co.sku["floor_up"][i]),
                    )
                )
            else:
                rows.append(
                    dict(
                        channel_id=ch,
                        sku=sku,
                        valid_from=first,
                        valid_to=None,
                        price=p0,
                        floor_price=float(co.sku["floor"][i]),
                    )
                )
    co.prices = rows


def floor_price(co: Company, sku_idx: np.ndarray, day: np.ndarray) -> np.ndarray:
    up = co.sku["price_up"][sku_idx] & (day >= co.price_change_day)
    return np.where(up, co.sku["floor_up"][sku_idx], co.sku["floor"][sku_idx])


# ---------------------------------------------------------------------------------------------- promotions
def _build_promotions(co: Company) -> None:
    rng = stream(co.seed, "promotions")
    cal = co.cal
    n_s, n = co.n_sku, cal.n
    disc_on = np.zeros((len(cat.ONLINE_CHANNELS), n_s, n), dtype=np.float32)
    disc_off = np.zeros((len(cat.OFFLINE_CHANNELS), len(co.provinces), n_s, n), dtype=np.float32)
    rows: list[dict[str, Any]] = []
    co.campaigns = cal.campaigns()
    mechanics = ("直降", "满减", "券后价", "限时秒杀")
    active = np.flatnonzero(co.sku["disc"] >= n)
    for camp in co.campaigns:
        big = camp.key.endswith(("618", "1111"))
        share = 0.6 if big else 0.45
        chosen = np.sort(rng.choice(active, size=max(1, round(share * len(active))), replace=False))
        mask = cal.window(camp.start, camp.end)
        for ci, ch in enumerate(cat.ONLINE_CHANNELS):
            levels = np.array([0.15, 0.2, 0.25]) if big else np.array([0.1, 0.15, 0.2])
            d = rng.choice(levels, size=len(chosen))
            mech = mechanics[int(rng.integers(0, len(mechanics)))]
            for s, pct in zip(chosen, d, strict=True):
                rows.append(
                    dict(
                        promo_id=f"ON{camp.key}",
                        channel_id=ch,
                        sku=co.sku_ids[s],
                        start_date=camp.start,
                        end_date=camp.end,
                        discount_rate=float(pct),
                        province=None,
                        mechanic=f"{camp.name}{mech}",
                    )
                )
                disc_on[ci, s, mask] = pct
    # offline: KA price promotions (some limited to one province), distributor buy-N-get-1, CNY gift boxes
    offline_skus = np.flatnonzero(~co.sku["online_only"] & (co.sku["disc"] >= n))
    gift = np.flatnonzero(
        np.isin(co.sku["season"], [list(cat.SEASONS).index(s) for s in cat.SEASONS if "gift" in s])
        & ~co.sku["online_only"]
    )
    q_starts = [m for m in range(0, cal.n_months, 3)] + [cal.n_months]
    seq = 0
    for qi in range(len(q_starts) - 1):
        a = cal.index(cal.month_starts[q_starts[qi]])
        b = cal.index(cal.month_starts[q_starts[qi + 1]]) if q_starts[qi + 1] < cal.n_months else cal.n
        plans: tuple[tuple[str, float, int, tuple[float, ...], str], ...] = (
            ("ka", 0.12, 14, (0.1, 0.15, 0.2), "堆头特价"),
            ("distributor", 0.06, 21, (0.083,), "买12赠1"),
        )
        for ch, share, length, pct_levels, mech in plans:
            k = max(1, round(share * len(offline_skus)))
            for s in np.sort(rng.choice(offline_skus, size=min(k, len(offline_skus)), replace=False)):
                start = int(rng.integers(a, max(a + 1, b - length)))
                end = min(start + length - 1, n + 60)
                pct = float(rng.choice(pct_levels))
                prov = int(rng.choice(co.offline_prov)) if (ch == "ka" and rng.random() < 0.3) else -1
                seq += 1
                rows.append(
                    dict(
                        promo_id=f"{ch.upper()}{cal.date(start):%Y%m}{seq:03d}",
                        channel_id=ch,
                        sku=co.sku_ids[s],
                        start_date=cal.date(start),
                        end_date=cal.date(end),
                        discount_rate=pct,
                        province=co.provinces[prov].name if prov >= 0 else None,
                        mechanic=mech,
                    )
                )
                oi = cat.OFFLINE_CHANNELS.index(ch)
                lo, hi = max(start, 0), min(end, n - 1)
                if prov >= 0:
                    disc_off[oi, prov, s, lo : hi + 1] = pct
                else:
                    disc_off[oi, :, s, lo : hi + 1] = pct
    for y in cal.years():
        if y not in cat.CNY:
            continue
        cny = dt.date.fromisoformat(cat.CNY[y])
        d0, d1 = cny - dt.timedelta(days=20), cny - dt.timedelta(days=1)
        if d1 < cal.start or d0 > cal.end:
            continue
        mask = cal.window(d0, d1)
        for s in gift:
            rows.append(
                dict(
                    promo_id=f"KA{y}CNY",
                    channel_id="ka",
                    sku=co.sku_ids[s],
                    start_date=d0,
                    end_date=d1,
                    discount_rate=0.12,
                    province=None,
                    mechanic="年货礼盒特价",
                )
            )
            disc_off[cat.OFFLINE_CHANNELS.index("ka"), :, s, mask] = 0.12
    co.promotions = rows
    co.disc_on = disc_on
    co.disc_off = disc_off
    co.online_promo = np.asarray((disc_on > 0).any(axis=0))


# ---------------------------------------------------------------------------------------------- materials
def _build_materials(co: Company) -> None:
    co.materials = [
        dict(material_id=m, name=nm, type=t, unit=u, shelf_life_days=sl, standard_cost=c)
        for m, nm, t, u, sl, c in cat.MATERIALS
    ]
    inter_used: set[str] = set()
    rows: list[dict[str, Any]] = []
    leaf: dict[int, dict[str, float]] = {}
    for i, sku in enumerate(co.sku_ids):
        fam = cat.FAMILIES[co.sku["family"][i]]
        mult = int(co.sku["mult"][i])
        case_upc = int(co.sku["case_upc"][i])
        acc: dict[str, float] = {}
        template = cat.SKU_BOM[co.sku["bom_kind"][i]]
        for comp, qty, scrap in template:
            if comp == "@":
                comp = fam.intermediate or ""
                inter_used.add(comp)
            q = mult / case_upc if qty == -1 else qty * mult
            q = round(q, 6)
            rows.append(dict(parent_id=sku, component_id=comp, qty_per=q, scrap_rate=scrap))
            if comp.startswith("M-I"):
                for sub, sq, ss in cat.INTERMEDIATE_BOM[comp]:
                    acc[sub] = acc.get(sub, 0.0) + q * (1 + scrap) * sq * (1 + ss)
            else:
                acc[comp] = acc.get(comp, 0.0) + q * (1 + scrap)
        leaf[i] = acc
    for inter in sorted(inter_used):
        for sub, sq, ss in cat.INTERMEDIATE_BOM[inter]:
            rows.append(dict(parent_id=inter, component_id=sub, qty_per=sq, scrap_rate=ss))
    co.bom = rows
    co.leaf_bom = leaf
    co.suppliers = [dict(supplier_id=s, name=n, region_id=r) for s, n, r in cat.SUPPLIERS]


# ---------------------------------------------------------------------------------------------- signals
def _choose_signals(co: Company) -> None:
    rng = stream(co.seed, "signals")
    cal = co.cal
    plan: dict[str, Any] = {}
    # cross-channel effects: two different well-covered provinces
    volume = np.bincount(
        co.store["prov"][co.pairs["store"]], weights=co.pairs["base"], minlength=len(co.provinces)
    )
    ranked = [int(p) for p in np.argsort(-volume, kind="stable") if p in co.offline_prov]
    cand = ranked[: max(4, len(ranked) // 3)]
    a, b = rng.choice(cand, size=2, replace=False)
    plan["cannibal_prov"], plan["halo_prov"] = int(a), int(b)
    plan["control_provs"] = [p for p in cand if p not in (a, b)]
    plan["cannibal_effect"], plan["halo_effect"] = -0.35, 0.3
    # stuffed distributor: an offline distributor outside those two provinces
    dists = [
        i
        for i, c in enumerate(co.customers)
        if c["kind"] == "distributor" and c["channel_id"] == "distributor" and c["prov"] not in (a, b)
    ]
    plan["stuffed_customer"] = int(rng.choice(dists))
    start_month = int(rng.integers(cal.n_months - 11, cal.n_months - 7))
    plan["stuffed_months"] = list(range(start_month, start_month + 5))
    plan["stuffed_push"] = 3.2
    # price violation on the authorised Pinduoduo reseller shop
    shop = next(i for i, s in enumerate(co.shops) if s["channel"] == "pinduoduo" and s["operator"] != "self")
    plan["violation_shop"] = shop
    offline_ok = np.flatnonzero(~co.sku["online_only"] & (co.sku["launch"] < 0) & (co.sku["disc"] >= cal.n))
    top = offline_ok[np.argsort(-co.sku["pop"][offline_ok] * co.sku["online_w"][offline_ok])][:5]
    plan["violation_sku"] = int(rng.choice(top))
    first_week = int(rng.integers(cal.n_weeks - 40, cal.n_weeks - 14))
    plan["violation_weeks"] = list(range(first_week, first_week + 4)) + list(
        range(first_week + 7, first_week + 10)
    )
    plan["violation_price_factor"] = (0.78, 0.88)
    # late supplier and poor-yield line
    plan["late_supplier"] = str(rng.choice(cat.LATE_SUPPLIER_CANDIDATES))
    used_lines = sorted(set(int(x) for x in co.sku["line"]))
    chips = [j for j in used_lines if co.lines[j]["line_id"] == "L-CD-02"]
    plan["poor_line"] = chips[0] if chips else int(rng.choice(used_lines))
    plan["poor_yield"] = 0.86
    co.plan = plan
