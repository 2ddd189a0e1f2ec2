"""Official administrative units, read from the packages that publish them.

- `vietnam-provinces`: the 34 provinces and 3,321 communes after the 2025 reform.
- `vietnamadminunits`: the pre-2025 provinces and districts, and which new commune each
  old commune became (used for Kon Tum's districts and for the communes each NHCSXH
  transaction office, organised by former district, still serves).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import vietnamadminunits
from vietnam_provinces import Province, Ward

_VAU_DATA = Path(vietnamadminunits.__file__).parent / "data"


@dataclass(frozen=True)
class Commune:
    code: str  # official ward code, e.g. "21370"
    name: str  # "Xã Phước Giang"
    division_type: str  # "xã", "phường", "đặc khu"


@dataclass(frozen=True)
class LegacyDistrict:
    code: str  # "532"
    name: str  # "Huyện Nghĩa Hành"
    short_name: str  # "Nghĩa Hành"
    division_type: str  # "Huyện", "Thị xã", "Thành phố"
    key: str  # "huyennghiahanh"


def province_name(code: str) -> str:
    return Province.from_code(int(code)).name


def communes_of(province_code: str) -> list[Commune]:
    """Every commune, ward and special zone of a province (2025 list), in official order."""
    pcode = int(province_code)
    return [
        Commune(code=str(int(w.code)), name=w.name, division_type=w.division_type.value)
        for w in Ward.iter_all()
        if int(w.province_code) == pcode
    ]


@cache
def _legacy_rows(province_code: str) -> list[tuple]:
    with sqlite3.connect(f"file:{_VAU_DATA / 'dataset.db'}?mode=ro", uri=True) as conn:
        return conn.execute(
            "SELECT DISTINCT districtCode, district, districtShort, districtType, districtKey,"
            " provinceKey, COALESCE(wardKey, '') FROM admin_units_legacy WHERE provinceCode = ?",
            (str(int(province_code)).zfill(2),),  # stored as "02", "51"
        ).fetchall()


def legacy_province_codes() -> list[str]:
    """The codes of the 63 provinces before 1/7/2025 ("01" … "96")."""
    with sqlite3.connect(f"file:{_VAU_DATA / 'dataset.db'}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT DISTINCT provinceCode FROM admin_units_legacy").fetchall()
    return sorted(code for (code,) in rows)


def legacy_districts(province_code: str) -> list[LegacyDistrict]:
    """The districts (huyện, thị xã, thành phố) a province had before 1/7/2025."""
    seen: dict[str, LegacyDistrict] = {}
    for code, name, short, dtype, key, _pkey, _wkey in _legacy_rows(province_code):
        seen.setdefault(code, LegacyDistrict(code, name, short, dtype, key))
    return sorted(seen.values(), key=lambda d: int(d.code))


@cache
def _converter() -> dict:
    return json.loads((_VAU_DATA / "converter_2025.json").read_text(encoding="utf-8"))


@cache
def _new_ward_codes() -> dict[tuple[str, str], str]:
    """(new province key, new ward key) → official ward code."""
    with sqlite3.connect(f"file:{_VAU_DATA / 'dataset.db'}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT provinceKey, wardKey, wardCode FROM admin_units").fetchall()
    return {(p, w): str(int(c)) for p, w, c in rows}


def communes_by_legacy_district(legacy_province_code: str) -> dict[str, set[str]]:
    """For each former district of a province, the codes of the 2025 communes its communes
    became (a commune formed from several districts appears under each of them)."""
    by_province = _all_communes_by_legacy_district()
    key = str(int(legacy_province_code)).zfill(2)
    return {district: set(codes) for district, codes in by_province.get(key, {}).items()}


@cache
def _all_communes_by_legacy_district() -> dict[str, dict[str, set[str]]]:
    """Former province code → former district code → 2025 commune codes, in one pass."""
    with sqlite3.connect(f"file:{_VAU_DATA / 'dataset.db'}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT DISTINCT provinceCode, districtCode, provinceKey, districtKey,"
            " COALESCE(wardKey, '') FROM admin_units_legacy"
        ).fetchall()
    district_of = {(pkey, dkey, wkey): (pcode, dcode) for pcode, dcode, pkey, dkey, wkey in rows}
    conv = _converter()
    codes = _new_ward_codes()
    result: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))

    def add(legacy: str, new_pkey: str, new_wkey: str) -> None:
        where = district_of.get(tuple(legacy.split("_", 2)))
        new_code = codes.get((new_pkey, new_wkey))
        if where and new_code:
            result[where[0]][where[1]].add(new_code)

    for new_pkey, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_wkey, legacy_keys in wards.items():
            for legacy in legacy_keys:
                add(legacy, new_pkey, new_wkey)
    for new_pkey, legacy_map in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for legacy, targets in legacy_map.items():
            for target in targets:
                add(legacy, new_pkey, target["newWardKey"])
    return {pcode: dict(districts) for pcode, districts in result.items()}
