"""Static reference data of the demo company 鲜源食品 (XianYuan Foods): geography, names, products, materials.

Everything here is plain data; :mod:`chainsight.demo._master` turns it into master-data tables for a scale.
Region ids are real GB/T 2260 administrative codes; company, shop and customer names are fictional.
"""

from __future__ import annotations

from dataclasses import dataclass

COMPANY_ZH = "鲜源食品"
COMPANY_EN = "XianYuan Foods"


@dataclass(frozen=True, slots=True)
class City:
    region_id: str
    name: str
    name_en: str
    weight: float  # share of the province's consumers


@dataclass(frozen=True, slots=True)
class Province:
    region_id: str
    name: str
    name_en: str
    short: str  # 浙江, used in customer names
    online_weight: float  # share of online buyers
    spend: float  # relative consumption per store
    cities: tuple[City, ...]


def _p(
    rid: str, name: str, en: str, short: str, ow: float, spend: float, *cities: tuple[str, str, str, float]
) -> Province:
    return Province(rid, name, en, short, ow, spend, tuple(City(*c) for c in cities))


PROVINCES: tuple[Province, ...] = (
    _p(
        "330000",
        "浙江省",
        "Zhejiang",
        "浙江",
        8.5,
        1.15,
        ("330100", "杭州市", "Hangzhou", 0.5),
        ("330200", "宁波市", "Ningbo", 0.3),
        ("330300", "温州市", "Wenzhou", 0.2),
    ),
    _p(
        "320000",
        "江苏省",
        "Jiangsu",
        "江苏",
        9.0,
        1.1,
        ("320100", "南京市", "Nanjing", 0.35),
        ("320500", "苏州市", "Suzhou", 0.4),
        ("320200", "无锡市", "Wuxi", 0.25),
    ),
    _p("310000", "上海市", "Shanghai", "上海", 6.5, 1.3, ("310100", "上海市", "Shanghai", 1.0)),
    _p(
        "440000",
        "广东省",
        "Guangdong",
        "广东",
        13.0,
        1.2,
        ("440100", "广州市", "Guangzhou", 0.4),
        ("440300", "深圳市", "Shenzhen", 0.4),
        ("441900", "东莞市", "Dongguan", 0.2),
    ),
    _p(
        "370000",
        "山东省",
        "Shandong",
        "山东",
        6.0,
        0.95,
        ("370100", "济南市", "Jinan", 0.45),
        ("370200", "青岛市", "Qingdao", 0.55),
    ),
    _p(
        "410000",
        "河南省",
        "Henan",
        "河南",
        5.0,
        0.85,
        ("410100", "郑州市", "Zhengzhou", 0.7),
        ("410300", "洛阳市", "Luoyang", 0.3),
    ),
    _p(
        "420000",
        "湖北省",
        "Hubei",
        "湖北",
        4.5,
        0.95,
        ("420100", "武汉市", "Wuhan", 0.75),
        ("420500", "宜昌市", "Yichang", 0.25),
    ),
    _p(
        "510000",
        "四川省",
        "Sichuan",
        "四川",
        5.5,
        0.95,
        ("510100", "成都市", "Chengdu", 0.75),
        ("510700", "绵阳市", "Mianyang", 0.25),
    ),
    _p("110000", "北京市", "Beijing", "北京", 5.5, 1.3, ("110100", "北京市", "Beijing", 1.0)),
    _p(
        "350000",
        "福建省",
        "Fujian",
        "福建",
        4.0,
        1.05,
        ("350100", "福州市", "Fuzhou", 0.45),
        ("350200", "厦门市", "Xiamen", 0.55),
    ),
    _p("430000", "湖南省", "Hunan", "湖南", 3.5, 0.9, ("430100", "长沙市", "Changsha", 1.0)),
    _p("340000", "安徽省", "Anhui", "安徽", 3.0, 0.85, ("340100", "合肥市", "Hefei", 1.0)),
    _p(
        "130000",
        "河北省",
        "Hebei",
        "河北",
        3.5,
        0.8,
        ("130100", "石家庄市", "Shijiazhuang", 0.55),
        ("130200", "唐山市", "Tangshan", 0.45),
    ),
    _p(
        "210000",
        "辽宁省",
        "Liaoning",
        "辽宁",
        3.0,
        0.85,
        ("210100", "沈阳市", "Shenyang", 0.5),
        ("210200", "大连市", "Dalian", 0.5),
    ),
    _p("610000", "陕西省", "Shaanxi", "陕西", 2.5, 0.85, ("610100", "西安市", "Xi'an", 1.0)),
    _p("500000", "重庆市", "Chongqing", "重庆", 2.8, 0.9, ("500100", "重庆市", "Chongqing", 1.0)),
    _p("120000", "天津市", "Tianjin", "天津", 2.0, 1.0, ("120100", "天津市", "Tianjin", 1.0)),
    _p("450000", "广西壮族自治区", "Guangxi", "广西", 2.2, 0.8, ("450100", "南宁市", "Nanning", 1.0)),
    _p("530000", "云南省", "Yunnan", "云南", 2.0, 0.8, ("530100", "昆明市", "Kunming", 1.0)),
)
"""All provinces; online orders ship to every one. Offline coverage takes the first ``n`` of this order."""

PROVINCE_BY_ID = {p.region_id: p for p in PROVINCES}
CITY_BY_ID = {c.region_id: c for p in PROVINCES for c in p.cities}

# ------------------------------------------------------------------------------------------ network
# (site_id, name, city region_id)
PLANTS: tuple[tuple[str, str, str], ...] = (
    ("PL-HZ", "杭州工厂", "330100"),
    ("PL-TJ", "天津工厂", "120100"),
    ("PL-CD", "成都工厂", "510100"),
)

# (site_id, name, city region_id, provinces served)
DCS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("DC-SH", "华东上海配送中心", "310100", ("310000", "320000", "340000")),
    ("DC-HZ", "浙闽杭州配送中心", "330100", ("330000", "350000")),
    ("DC-GZ", "华南广州配送中心", "440100", ("440000", "450000")),
    ("DC-BJ", "华北北京配送中心", "110100", ("110000", "120000", "130000", "210000")),
    ("DC-WH", "华中武汉配送中心", "420100", ("420000", "430000", "410000")),
    ("DC-CD", "西南成都配送中心", "510100", ("510000", "500000", "530000")),
    ("DC-XA", "西北西安配送中心", "610100", ("610000",)),
    ("DC-JN", "山东济南配送中心", "370100", ("370000",)),
)

# Transit days plant → DC (rows follow PLANTS, columns follow DCS).
TRANSIT_DAYS: tuple[tuple[int, ...], ...] = (
    (1, 1, 3, 3, 2, 4, 4, 3),
    (3, 3, 4, 1, 3, 4, 3, 2),
    (4, 4, 3, 4, 2, 1, 2, 4),
)

# (line_id, site_id, name, kinds of products it makes)
LINES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("L-HZ-01", "PL-HZ", "杭州PET饮料一线", ("pet",)),
    ("L-HZ-02", "PL-HZ", "杭州PET饮料二线", ("pet", "water")),
    ("L-HZ-03", "PL-HZ", "杭州利乐灌装线", ("tetra_bev",)),
    ("L-TJ-01", "PL-TJ", "天津低温乳品线", ("cup_dairy", "fresh_milk")),
    ("L-TJ-02", "PL-TJ", "天津利乐乳品线", ("tetra_dairy",)),
    ("L-TJ-03", "PL-TJ", "天津饼干坚果线", ("biscuit", "nuts", "seaweed")),
    ("L-CD-01", "PL-CD", "成都易拉罐线", ("can",)),
    ("L-CD-02", "PL-CD", "成都薯片线", ("chips",)),
    ("L-CD-03", "PL-CD", "成都方便食品线", ("noodle", "meal")),
)

# ------------------------------------------------------------------------------------------ channels
# (channel_id, name, kind, platform, min_remaining_life_pct)
CHANNELS: tuple[tuple[str, str, str, str | None, float], ...] = (
    ("tmall", "天猫", "online", "tmall", 0.5),
    ("jd", "京东", "online", "jd", 0.5),
    ("douyin", "抖音", "online", "douyin", 0.5),
    ("pinduoduo", "拼多多", "online", "pinduoduo", 0.5),
    ("distributor", "经销", "offline", None, 0.5),
    ("ka", "KA卖场", "offline", None, 0.67),
    ("discount", "折扣渠道", "offline", None, 0.2),
)
ONLINE_CHANNELS = ("tmall", "jd", "douyin", "pinduoduo")
OFFLINE_CHANNELS = ("distributor", "ka", "discount")

# Online shops: (channel, shop name, operator, share of the channel's orders). operator "self" ships from
# our DCs; otherwise it names an online customer (platform self-operated or authorised reseller) that
# buys from us (sell-in) and sells on (its orders are its sell-out).
SHOPS: tuple[tuple[str, str, str, float], ...] = (
    ("tmall", "鲜源食品官方旗舰店", "self", 0.72),
    ("tmall", "天猫超市", "ON-TMCS", 0.28),
    ("jd", "鲜源食品京东自营旗舰店", "ON-JDZY", 0.65),
    ("jd", "鲜源食品京东旗舰店", "self", 0.35),
    ("douyin", "鲜源食品官方旗舰店", "self", 0.6),
    ("douyin", "星选食品专营店", "ON-DYXX", 0.4),
    ("pinduoduo", "鲜源食品官方旗舰店", "self", 0.55),
    ("pinduoduo", "优选食品专营店", "ON-PDYX", 0.45),
)

# Online customers: (customer_id, name, channel, city region_id, type)
ONLINE_CUSTOMERS: tuple[tuple[str, str, str, str, str], ...] = (
    ("ON-TMCS", "天猫超市(浙江天猫供应链管理有限公司)", "tmall", "330100", "platform_self_operated"),
    ("ON-JDZY", "京东自营(北京京邦达贸易有限公司)", "jd", "110100", "platform_self_operated"),
    ("ON-DYXX", "广州星选电子商务有限公司", "douyin", "440100", "distributor"),
    ("ON-PDYX", "杭州优选电子商务有限公司", "pinduoduo", "330100", "distributor"),
)

ORDER_ID_PREFIX = {"tmall": "3", "jd": "2", "douyin": "69", "pinduoduo": "8"}
BUYER_PREFIX = {"tmall": "tb", "jd": "jd", "douyin": "dy", "pinduoduo": "pdd"}
ONLINE_BASE_SHARE = {"tmall": 0.36, "jd": 0.28, "douyin": 0.2, "pinduoduo": 0.16}
REFUND_RATE = {"tmall": 0.025, "jd": 0.02, "douyin": 0.055, "pinduoduo": 0.035}
ONLINE_PRICE_FACTOR = {"tmall": 1.0, "jd": 1.0, "douyin": 0.98, "pinduoduo": 0.95}

# ------------------------------------------------------------------------------------------ customers
DISTRIBUTOR_NAMES = (
    "恒丰",
    "鑫源",
    "嘉禾",
    "盛达",
    "永信",
    "金穗",
    "德隆",
    "汇通",
    "佳和",
    "瑞丰",
    "顺达",
    "通利",
    "宏远",
    "丰泽",
    "华信",
    "康达",
    "润通",
    "万通",
    "锦程",
    "天和",
)
# (code, name, min_remaining_life override or None)
KA_CHAINS: tuple[tuple[str, str, float | None], ...] = (
    ("JL", "佳乐超市", None),
    ("WF", "万福购物广场", 0.75),
    ("XR", "欣荣超市", None),
    ("XX", "鑫鲜生活", None),
    ("FY", "丰源卖场", None),
    ("HM", "惠民优选", None),
    ("JQ", "金桥超市", None),
    ("HJ", "汇佳生活超市", None),
)
DISCOUNT_CHAINS: tuple[tuple[str, str], ...] = (("HJ", "好价折扣特卖"), ("QS", "趣省折扣仓"))

STORE_WORDS = (
    "中山路",
    "解放路",
    "人民路",
    "建设路",
    "和平路",
    "新华路",
    "长江路",
    "文化路",
    "朝阳路",
    "光明路",
    "胜利路",
    "东风路",
    "青年路",
    "学府路",
    "湖滨路",
    "滨江路",
    "南京路",
    "五一路",
    "花园路",
    "迎宾路",
)

# ------------------------------------------------------------------------------------------ products
# A product family: (category, brand, name, flavours, packs, season profile, base daily units per store,
# online share multiplier). A pack: (spec, unit, units_per_case, list_price, shelf_life_days, line kind,
# BOM kind, syrup/base intermediate or None).
Pack = tuple[str, str, int, float, int, str, str]


@dataclass(frozen=True, slots=True)
class Family:
    code: str
    category: str
    brand: str
    name: str
    flavours: tuple[str, ...]
    packs: tuple[Pack, ...]
    season: str
    base_rate: float
    intermediate: str | None
    online: float = 1.0


FAMILIES: tuple[Family, ...] = (
    Family(
        "BV",
        "饮料",
        "鲜源",
        "柠檬茶",
        ("原味", "低糖"),
        (
            ("500ml", "瓶", 15, 2.6, 270, "pet", "pet500"),
            ("1L", "瓶", 12, 4.2, 270, "pet", "pet1l"),
            ("250ml", "盒", 24, 1.6, 365, "tetra_bev", "tetra250"),
        ),
        "summer",
        6.0,
        "M-I001",
    ),
    Family(
        "BV",
        "饮料",
        "鲜源",
        "冰红茶",
        ("原味", "蜜桃味"),
        (("500ml", "瓶", 15, 2.4, 270, "pet", "pet500"), ("1L", "瓶", 12, 3.9, 270, "pet", "pet1l")),
        "summer",
        6.5,
        "M-I002",
    ),
    Family(
        "BV",
        "饮料",
        "鲜源",
        "绿茶",
        ("茉莉味", "蜂蜜味", "青梅味"),
        (("500ml", "瓶", 15, 2.4, 270, "pet", "pet500"),),
        "summer",
        4.0,
        "M-I003",
    ),
    Family(
        "BV",
        "饮料",
        "鲜源",
        "果汁饮料",
        ("橙", "芒果", "葡萄"),
        (("450ml", "瓶", 15, 3.0, 365, "pet", "pet500"), ("1.25L", "瓶", 12, 5.6, 365, "pet", "pet1l")),
        "summer",
        3.5,
        "M-I004",
    ),
    Family(
        "BV",
        "饮料",
        "茶语",
        "无糖乌龙茶",
        ("原味", "桂花"),
        (("500ml", "瓶", 15, 3.3, 365, "pet", "pet500_tea"),),
        "summer",
        3.0,
        None,
        1.3,
    ),
    Family(
        "BV",
        "饮料",
        "清泉",
        "饮用天然水",
        ("",),
        (
            ("550ml", "瓶", 24, 0.9, 540, "water", "water"),
            ("1.5L", "瓶", 12, 2.0, 540, "water", "water_big"),
            ("5L", "桶", 4, 5.5, 540, "water", "water_big"),
        ),
        "water",
        10.0,
        None,
        0.6,
    ),
    Family(
        "BV",
        "饮料",
        "鲜源",
        "苏打水",
        ("原味", "柠檬味", "白桃味"),
        (("400ml", "瓶", 24, 2.5, 365, "pet", "pet500_soda"),),
        "summer",
        2.5,
        None,
        1.4,
    ),
    Family(
        "BV",
        "饮料",
        "维能",
        "能量饮料",
        ("原味", "无糖"),
        (("250ml", "罐", 24, 3.6, 540, "can", "can"),),
        "summer",
        3.0,
        "M-I007",
    ),
    Family(
        "BV",
        "饮料",
        "鲜源",
        "椰汁",
        ("",),
        (("245ml", "罐", 24, 2.8, 540, "can", "can_coco"),),
        "summer_gift",
        2.5,
        None,
    ),
    Family(
        "DY",
        "乳品",
        "牧谷",
        "纯牛奶",
        ("", "有机"),
        (
            ("250ml", "盒", 24, 2.4, 180, "tetra_dairy", "tetra_dairy"),
            ("250ml×12礼盒", "提", 4, 36.0, 180, "tetra_dairy", "gift_dairy"),
        ),
        "gift_dairy",
        4.0,
        "M-I005",
    ),
    Family(
        "DY",
        "乳品",
        "牧谷",
        "早餐奶",
        ("麦香", "核桃"),
        (("250ml", "盒", 24, 2.6, 180, "tetra_dairy", "tetra_dairy"),),
        "dairy",
        2.5,
        "M-I005",
    ),
    Family(
        "DY",
        "乳品",
        "牧谷",
        "低温酸奶",
        ("原味", "草莓", "黄桃", "蓝莓"),
        (("200g", "杯", 12, 3.2, 21, "cup_dairy", "cup_dairy"),),
        "yogurt",
        3.0,
        "M-I005",
        0.35,
    ),
    Family(
        "DY",
        "乳品",
        "牧谷",
        "常温酸奶",
        ("原味", "香草"),
        (("205g", "盒", 12, 4.5, 150, "tetra_dairy", "tetra_dairy"),),
        "dairy",
        2.5,
        "M-I005",
    ),
    Family(
        "DY",
        "乳品",
        "牧谷",
        "乳酸菌饮品",
        ("原味", "草莓"),
        (("100ml×5", "排", 10, 6.0, 45, "cup_dairy", "lactic"),),
        "yogurt",
        2.0,
        "M-I005",
        0.4,
    ),
    Family(
        "DY",
        "乳品",
        "牧谷",
        "鲜牛奶",
        ("",),
        (("950ml", "瓶", 12, 9.5, 21, "fresh_milk", "fresh_milk"),),
        "dairy",
        1.5,
        "M-I005",
        0.3,
    ),
    Family(
        "SN",
        "零食",
        "脆乐",
        "薯片",
        ("原味", "番茄味", "烧烤味", "黄瓜味", "青柠味", "麻辣味"),
        (("70g", "袋", 30, 4.2, 270, "chips", "chips70"), ("135g", "袋", 20, 7.5, 270, "chips", "chips135")),
        "snack",
        2.5,
        None,
    ),
    Family(
        "SN",
        "零食",
        "脆乐",
        "苏打饼干",
        ("原味", "葱香"),
        (("400g", "袋", 12, 7.8, 365, "biscuit", "biscuit"),),
        "snack",
        1.5,
        None,
    ),
    Family(
        "SN",
        "零食",
        "脆乐",
        "夹心饼干",
        ("巧克力", "草莓", "柠檬", "香草"),
        (("100g", "袋", 24, 3.0, 365, "biscuit", "biscuit_small"),),
        "snack",
        2.0,
        None,
    ),
    Family(
        "SN",
        "零食",
        "脆乐",
        "每日坚果",
        ("",),
        (
            ("25g×30礼盒", "盒", 6, 68.0, 180, "nuts", "nuts_gift"),
            ("25g×7", "袋", 20, 18.0, 180, "nuts", "nuts_small"),
        ),
        "gift_snack",
        0.6,
        None,
        2.0,
    ),
    Family(
        "SN",
        "零食",
        "脆乐",
        "海苔",
        ("原味", "芝麻夹心"),
        (("4g×12", "袋", 24, 9.5, 300, "seaweed", "seaweed"),),
        "snack",
        1.2,
        None,
        1.5,
    ),
    Family(
        "IF",
        "方便食品",
        "面道",
        "方便面",
        ("红烧牛肉", "老坛酸菜", "香辣牛肉", "鲜虾鱼板", "藤椒牛肉"),
        (
            ("桶装", "桶", 12, 4.0, 180, "noodle", "noodle_cup"),
            ("五连包", "包", 6, 11.5, 180, "noodle", "noodle_5"),
        ),
        "instant",
        3.0,
        "M-I006",
    ),
    Family(
        "IF",
        "方便食品",
        "面道",
        "自热米饭",
        ("鱼香肉丝", "宫保鸡丁", "咖喱牛肉"),
        (("260g", "盒", 12, 14.0, 365, "meal", "meal"),),
        "instant",
        0.8,
        None,
        2.5,
    ),
    Family(
        "IF",
        "方便食品",
        "面道",
        "螺蛳粉",
        ("原味", "加辣"),
        (("300g", "袋", 24, 8.5, 180, "meal", "luosifen"),),
        "instant",
        0.8,
        None,
        3.0,
    ),
)

# Season profiles: (amplitude, peak day of year, gift: CNY multiplier)
SEASONS: dict[str, tuple[float, int, float]] = {
    "summer": (0.45, 196, 1.0),
    "summer_gift": (0.25, 196, 2.5),
    "water": (0.35, 200, 1.0),
    "dairy": (0.10, 15, 1.2),
    "gift_dairy": (0.10, 15, 3.0),
    "yogurt": (0.15, 196, 1.0),
    "snack": (0.10, 15, 1.5),
    "gift_snack": (0.10, 15, 4.0),
    "instant": (0.20, 15, 1.1),
}

# ------------------------------------------------------------------------------------------ materials
# (material_id, name, type, unit, shelf_life_days or None, standard_cost)
MATERIALS: tuple[tuple[str, str, str, str, int | None, float], ...] = (
    ("M-R001", "白砂糖", "raw", "kg", 720, 6.5),
    ("M-R002", "果葡糖浆", "raw", "kg", 180, 4.2),
    ("M-R003", "柠檬浓缩汁", "raw", "kg", 365, 28.0),
    ("M-R004", "橙浓缩汁", "raw", "kg", 365, 24.0),
    ("M-R005", "红茶提取物", "raw", "kg", 540, 120.0),
    ("M-R006", "绿茶提取物", "raw", "kg", 540, 135.0),
    ("M-R007", "乌龙茶提取物", "raw", "kg", 540, 150.0),
    ("M-R008", "柠檬酸", "raw", "kg", 730, 9.0),
    ("M-R009", "食用香精", "raw", "kg", 365, 85.0),
    ("M-R010", "牛磺酸", "raw", "kg", 730, 60.0),
    ("M-R011", "椰浆", "raw", "kg", 270, 18.0),
    ("M-R012", "全脂奶粉", "raw", "kg", 540, 32.0),
    ("M-R013", "乳清粉", "raw", "kg", 540, 14.0),
    ("M-R014", "发酵菌种", "raw", "袋", 365, 45.0),
    ("M-R015", "果酱", "raw", "kg", 180, 22.0),
    ("M-R016", "马铃薯全粉", "raw", "kg", 365, 9.5),
    ("M-R017", "棕榈油", "raw", "kg", 365, 8.8),
    ("M-R018", "调味粉", "raw", "kg", 365, 30.0),
    ("M-R019", "小麦粉", "raw", "kg", 270, 4.0),
    ("M-R020", "酱料包", "raw", "包", 270, 0.35),
    ("M-R021", "脱水蔬菜包", "raw", "包", 365, 0.18),
    ("M-R022", "混合坚果", "raw", "kg", 270, 70.0),
    ("M-R023", "紫菜", "raw", "kg", 365, 90.0),
    ("M-R024", "大米", "raw", "kg", 365, 5.5),
    ("M-P001", "PET瓶 500ml", "packaging", "个", None, 0.18),
    ("M-P002", "PET瓶 大规格", "packaging", "个", None, 0.32),
    ("M-P003", "瓶盖", "packaging", "个", None, 0.04),
    ("M-P004", "热收缩标签", "packaging", "个", None, 0.03),
    ("M-P005", "利乐包材 250ml", "packaging", "个", None, 0.22),
    ("M-P006", "易拉罐 250ml", "packaging", "个", None, 0.45),
    ("M-P007", "酸奶杯(含封膜)", "packaging", "个", None, 0.15),
    ("M-P008", "复合膜袋", "packaging", "个", None, 0.12),
    ("M-P009", "瓦楞纸箱", "packaging", "个", None, 1.8),
    ("M-P010", "面桶", "packaging", "个", None, 0.28),
    ("M-P011", "礼盒", "packaging", "个", None, 3.5),
    ("M-P012", "吸管", "packaging", "个", None, 0.01),
    ("M-P013", "发热包", "packaging", "个", None, 0.9),
    ("M-I001", "柠檬茶糖浆", "intermediate", "kg", 7, 5.2),
    ("M-I002", "红茶糖浆", "intermediate", "kg", 7, 5.0),
    ("M-I003", "绿茶糖浆", "intermediate", "kg", 7, 5.4),
    ("M-I004", "果汁饮料糖浆", "intermediate", "kg", 7, 10.5),
    ("M-I005", "乳基料", "intermediate", "kg", 3, 5.1),
    ("M-I006", "面饼", "intermediate", "个", 30, 0.55),
    ("M-I007", "能量饮料基液", "intermediate", "kg", 7, 9.8),
)

# Intermediate recipes: intermediate → ((component, qty per unit, scrap)). 白砂糖 and 柠檬酸 are shared
# by several intermediates (the case MRP tools get wrong).
INTERMEDIATE_BOM: dict[str, tuple[tuple[str, float, float], ...]] = {
    "M-I001": (("M-R001", 0.55, 0.01), ("M-R003", 0.12, 0.02), ("M-R005", 0.02, 0.0), ("M-R008", 0.02, 0.0)),
    "M-I002": (("M-R001", 0.6, 0.01), ("M-R005", 0.03, 0.0), ("M-R008", 0.01, 0.0), ("M-R009", 0.002, 0.0)),
    "M-I003": (("M-R001", 0.4, 0.01), ("M-R002", 0.2, 0.01), ("M-R006", 0.025, 0.0)),
    "M-I004": (("M-R001", 0.5, 0.01), ("M-R004", 0.3, 0.02), ("M-R008", 0.02, 0.0), ("M-R009", 0.003, 0.0)),
    "M-I005": (("M-R012", 0.12, 0.01), ("M-R013", 0.03, 0.01), ("M-R001", 0.06, 0.01)),
    "M-I006": (("M-R019", 0.08, 0.02), ("M-R017", 0.02, 0.01)),
    "M-I007": (("M-R001", 0.45, 0.01), ("M-R010", 0.004, 0.0), ("M-R008", 0.01, 0.0), ("M-R009", 0.002, 0.0)),
}

# SKU BOM templates: kind → ((component or "@" for the family's intermediate, qty per unit, scrap)).
# "/case" quantities are divided by units per case.
SKU_BOM: dict[str, tuple[tuple[str, float, float], ...]] = {
    "pet500": (
        ("@", 0.08, 0.01),
        ("M-P001", 1, 0.01),
        ("M-P003", 1, 0.01),
        ("M-P004", 1, 0.02),
        ("M-P009", -1, 0.01),
    ),
    "pet1l": (
        ("@", 0.16, 0.01),
        ("M-P002", 1, 0.01),
        ("M-P003", 1, 0.01),
        ("M-P004", 1, 0.02),
        ("M-P009", -1, 0.01),
    ),
    "pet500_tea": (
        ("M-R007", 0.002, 0.0),
        ("M-P001", 1, 0.01),
        ("M-P003", 1, 0.01),
        ("M-P004", 1, 0.02),
        ("M-P009", -1, 0.01),
    ),
    "pet500_soda": (
        ("M-R008", 0.001, 0.0),
        ("M-R009", 0.0005, 0.0),
        ("M-P001", 1, 0.01),
        ("M-P003", 1, 0.01),
        ("M-P004", 1, 0.02),
        ("M-P009", -1, 0.01),
    ),
    "water": (("M-P001", 1, 0.01), ("M-P003", 1, 0.01), ("M-P004", 1, 0.02), ("M-P009", -1, 0.01)),
    "water_big": (("M-P002", 1, 0.01), ("M-P003", 1, 0.01), ("M-P004", 1, 0.02), ("M-P009", -1, 0.01)),
    "tetra250": (("@", 0.05, 0.01), ("M-P005", 1, 0.015), ("M-P012", 1, 0.01), ("M-P009", -1, 0.01)),
    "can": (("@", 0.05, 0.01), ("M-P006", 1, 0.01), ("M-P009", -1, 0.01)),
    "can_coco": (("M-R011", 0.08, 0.01), ("M-R001", 0.02, 0.01), ("M-P006", 1, 0.01), ("M-P009", -1, 0.01)),
    "tetra_dairy": (("@", 0.25, 0.01), ("M-P005", 1, 0.015), ("M-P012", 1, 0.01), ("M-P009", -1, 0.01)),
    "gift_dairy": (("@", 3.0, 0.01), ("M-P005", 12, 0.015), ("M-P012", 12, 0.01), ("M-P011", 1, 0.01)),
    "cup_dairy": (
        ("@", 0.2, 0.015),
        ("M-R014", 0.002, 0.0),
        ("M-R015", 0.02, 0.01),
        ("M-P007", 1, 0.01),
        ("M-P009", -1, 0.01),
    ),
    "lactic": (("@", 0.12, 0.015), ("M-R014", 0.002, 0.0), ("M-P007", 5, 0.01), ("M-P009", -1, 0.01)),
    "fresh_milk": (
        ("@", 0.95, 0.01),
        ("M-P002", 1, 0.01),
        ("M-P003", 1, 0.01),
        ("M-P004", 1, 0.02),
        ("M-P009", -1, 0.01),
    ),
    "chips70": (
        ("M-R016", 0.05, 0.03),
        ("M-R017", 0.02, 0.02),
        ("M-R018", 0.004, 0.02),
        ("M-P008", 1, 0.02),
        ("M-P009", -1, 0.01),
    ),
    "chips135": (
        ("M-R016", 0.1, 0.03),
        ("M-R017", 0.04, 0.02),
        ("M-R018", 0.008, 0.02),
        ("M-P008", 1, 0.02),
        ("M-P009", -1, 0.01),
    ),
    "biscuit": (
        ("M-R019", 0.25, 0.02),
        ("M-R017", 0.05, 0.01),
        ("M-R001", 0.04, 0.01),
        ("M-P008", 1, 0.02),
        ("M-P009", -1, 0.01),
    ),
    "biscuit_small": (
        ("M-R019", 0.06, 0.02),
        ("M-R017", 0.015, 0.01),
        ("M-R001", 0.025, 0.01),
        ("M-P008", 1, 0.02),
        ("M-P009", -1, 0.01),
    ),
    "nuts_gift": (("M-R022", 0.75, 0.01), ("M-P008", 30, 0.01), ("M-P011", 1, 0.01)),
    "nuts_small": (("M-R022", 0.175, 0.01), ("M-P008", 7, 0.01), ("M-P009", -1, 0.01)),
    "seaweed": (("M-R023", 0.045, 0.03), ("M-R017", 0.005, 0.01), ("M-P008", 1, 0.02), ("M-P009", -1, 0.01)),
    "noodle_cup": (
        ("@", 1, 0.01),
        ("M-R020", 1, 0.005),
        ("M-R021", 1, 0.005),
        ("M-P010", 1, 0.01),
        ("M-P009", -1, 0.01),
    ),
    "noodle_5": (
        ("@", 5, 0.01),
        ("M-R020", 5, 0.005),
        ("M-R021", 5, 0.005),
        ("M-P008", 6, 0.01),
        ("M-P009", -1, 0.01),
    ),
    "meal": (
        ("M-R024", 0.15, 0.01),
        ("M-R020", 1, 0.005),
        ("M-P013", 1, 0.005),
        ("M-P010", 1, 0.01),
        ("M-P009", -1, 0.01),
    ),
    "luosifen": (("M-R024", 0.12, 0.01), ("M-R020", 3, 0.005), ("M-P008", 1, 0.01), ("M-P009", -1, 0.01)),
}

# ------------------------------------------------------------------------------------------ suppliers
# (supplier_id, name, city region_id)
SUPPLIERS: tuple[tuple[str, str, str], ...] = (
    ("SUP01", "广西桂源糖业有限公司", "450100"),
    ("SUP02", "山东鲁丰糖业有限公司", "370100"),
    ("SUP03", "浙江华港包装科技有限公司", "330100"),
    ("SUP04", "江苏永盛印务包装有限公司", "320500"),
    ("SUP05", "苏州利华无菌包装有限公司", "320500"),
    ("SUP06", "湖北楚天制罐有限公司", "420100"),
    ("SUP07", "上海澳新乳业贸易有限公司", "310100"),
    ("SUP08", "福建闽丰浓缩果汁有限公司", "350100"),
    ("SUP09", "云南茶源生物科技有限公司", "530100"),
    ("SUP10", "河南中原粮油有限公司", "410100"),
    ("SUP11", "广州食添香料有限公司", "440100"),
    ("SUP12", "四川天府食品原料有限公司", "510100"),
    ("SUP13", "天津渤海包装制品有限公司", "120100"),
)

# (supplier_id, material_id, lead_time_days, price factor vs standard cost); the first supplier listed
# for a material is its primary source.
SUPPLY_TERMS: tuple[tuple[str, str, int, float], ...] = (
    ("SUP01", "M-R001", 10, 0.98),
    ("SUP02", "M-R001", 7, 1.03),
    ("SUP02", "M-R002", 7, 1.0),
    ("SUP08", "M-R003", 21, 1.0),
    ("SUP08", "M-R004", 21, 1.0),
    ("SUP09", "M-R005", 14, 1.0),
    ("SUP09", "M-R006", 14, 1.0),
    ("SUP09", "M-R007", 14, 1.0),
    ("SUP11", "M-R008", 10, 1.0),
    ("SUP11", "M-R009", 10, 1.0),
    ("SUP11", "M-R010", 10, 1.0),
    ("SUP08", "M-R011", 21, 1.0),
    ("SUP07", "M-R012", 45, 1.0),
    ("SUP07", "M-R013", 45, 1.0),
    ("SUP11", "M-R014", 10, 1.0),
    ("SUP12", "M-R015", 7, 1.0),
    ("SUP12", "M-R016", 7, 1.0),
    ("SUP12", "M-R017", 7, 1.0),
    ("SUP02", "M-R017", 10, 1.04),
    ("SUP11", "M-R018", 10, 1.0),
    ("SUP10", "M-R019", 5, 1.0),
    ("SUP12", "M-R020", 7, 1.0),
    ("SUP12", "M-R021", 7, 1.0),
    ("SUP12", "M-R022", 7, 1.0),
    ("SUP12", "M-R023", 7, 1.0),
    ("SUP10", "M-R024", 5, 1.0),
    ("SUP03", "M-P001", 5, 1.0),
    ("SUP13", "M-P001", 6, 1.05),
    ("SUP03", "M-P002", 5, 1.0),
    ("SUP03", "M-P003", 5, 1.0),
    ("SUP04", "M-P004", 7, 1.0),
    ("SUP05", "M-P005", 14, 1.0),
    ("SUP06", "M-P006", 10, 1.0),
    ("SUP13", "M-P007", 6, 1.0),
    ("SUP04", "M-P008", 7, 1.0),
    ("SUP04", "M-P009", 7, 1.0),
    ("SUP13", "M-P009", 6, 1.04),
    ("SUP13", "M-P010", 6, 1.0),
    ("SUP04", "M-P011", 7, 1.0),
    ("SUP05", "M-P012", 14, 1.0),
    ("SUP12", "M-P013", 7, 1.0),
)
LATE_SUPPLIER_CANDIDATES = ("SUP03", "SUP04", "SUP12", "SUP13")

# ------------------------------------------------------------------------------------------ calendar
CNY: dict[int, str] = {
    2023: "2023-01-22",
    2024: "2024-02-10",
    2025: "2025-01-29",
    2026: "2026-02-17",
    2027: "2027-02-06",
    2028: "2028-01-26",
    2029: "2029-02-13",
    2030: "2030-02-03",
}
MID_AUTUMN: dict[int, str] = {
    2023: "2023-09-29",
    2024: "2024-09-17",
    2025: "2025-10-06",
    2026: "2026-09-25",
    2027: "2027-09-15",
    2028: "2028-10-03",
    2029: "2029-09-22",
    2030: "2030-09-12",
}
