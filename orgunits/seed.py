"""Load the unit tree of the demo data from fixtures/units.yaml (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction

from . import adminunits
from .locks import tree_lock
from .models import OrgUnit, UnitAlias, UnitGroup


@dataclass
class Stats:
    created: int = 0
    updated: int = 0
    aliases: int = 0
    groups: int = 0
    moved: bool = False
    keys: set[str] = field(default_factory=set)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.aliases + self.groups


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


class _Loader:
    def __init__(self) -> None:
        self.stats = Stats()
        self.by_key: dict[str, OrgUnit] = {u.key: u for u in OrgUnit.objects.all()}
        self.successors: list[tuple[str, str]] = []

    # -- units -------------------------------------------------------------------------
    def unit(self, key: str, parent: OrgUnit | None, **fields) -> OrgUnit:
        fields.setdefault("short_name", "")
        fields.setdefault("admin_code", "")
        fields.setdefault("active_until", None)
        fields.setdefault("note", "")
        self.stats.keys.add(key)
        existing = self.by_key.get(key)
        if existing is None:
            unit = OrgUnit(key=key, parent=parent, **fields)
            unit.save()
            self.by_key[key] = unit
            self.stats.created += 1
            self.stats.moved = True
            return unit
        dirty = existing.parent_id != (parent.pk if parent else None)
        self.stats.moved |= dirty
        for name, value in fields.items():
            if getattr(existing, name) != value:
                setattr(existing, name, value)
                dirty = True
        if dirty:
            existing.parent = parent
            existing.save()
            self.stats.updated += 1
        return existing

    def drop_aliases(self, target, names) -> None:
        """Aliases an earlier version of the fixtures gave and that now mislead (listed
        under `dropped_aliases`): removed, so that a database loaded before reads the same."""
        if names:
            field_name = "unit" if isinstance(target, OrgUnit) else "group"
            deleted, _ = UnitAlias.objects.filter(
                **{field_name: target}, name__in=list(names)
            ).delete()
            self.stats.aliases += deleted

    def aliases(self, target, names) -> None:
        if not names:
            return
        field_name = "unit" if isinstance(target, OrgUnit) else "group"
        have = set(UnitAlias.objects.filter(**{field_name: target}).values_list("name", flat=True))
        for name in names:
            if name and name not in have and name != getattr(target, "name", None):
                UnitAlias.objects.create(name=name, **{field_name: target})
                have.add(name)
                self.stats.aliases += 1

    def tree(
        self,
        spec: dict,
        parent: OrgUnit | None,
        fmt: dict,
        prefix: str = "",
        extra: dict | None = None,
    ) -> OrgUnit:
        key = spec.get("key") or f"{prefix}-{spec['slug']}"
        fields = {
            "name": spec["name"].format(**fmt),
            "short_name": spec.get("short_name", "").format(**fmt),
            "kind": spec["kind"],
            **(extra or {}),
        }
        unit = self.unit(key, parent, **fields)
        self.aliases(unit, [a.format(**fmt) for a in spec.get("aliases", [])])
        self.drop_aliases(unit, [a.format(**fmt) for a in spec.get("dropped_aliases", [])])
        if spec.get("successor"):
            self.successors.append((key, spec["successor"]))
        for child in spec.get("children", []):
            self.tree(child, unit, fmt, prefix, extra)
        return unit

    # -- groups ------------------------------------------------------------------------
    def group(self, key: str, scope: OrgUnit, spec: dict, fmt: dict) -> UnitGroup:
        values = {
            "name": spec["name"].format(**fmt),
            "scope": scope,
            "rule_kinds": list(spec.get("kinds", [])),
            "rule_depth": spec.get("depth", UnitGroup.Depth.OWN),
            "note": " ".join(spec.get("note", "").split()),
        }
        group = UnitGroup.objects.filter(key=key).first()
        if group is None:
            group = UnitGroup.objects.create(key=key, **values)
            self.stats.groups += 1
        elif any(getattr(group, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(group, k, v)
            group.save()
            self.stats.groups += 1
        self.aliases(group, [a.format(**fmt) for a in spec.get("aliases", [])])
        self.drop_aliases(group, [a.format(**fmt) for a in spec.get("dropped_aliases", [])])
        return group

    # -- provinces ---------------------------------------------------------------------
    def province(self, spec: dict, data: dict) -> None:
        pkey = spec["key"]
        level = spec["level"]
        fmt = {
            "level": level,
            "Level": level.capitalize(),
            "place": spec["place"],
            "party": "Tỉnh ủy" if level == "tỉnh" else "Thành ủy",
            "youth": "Tỉnh đoàn" if level == "tỉnh" else "Thành đoàn",
        }
        until = spec.get("active_until")
        inactive = {"active_until": until} if until else {}
        root = self.unit(
            pkey,
            None,
            name=spec["name"],
            short_name=spec["short_name"],
            kind=OrgUnit.Kind.PROVINCE,
            admin_code=spec["admin_code"],
            note=" ".join(spec.get("note", "").split()),
            **inactive,
        )
        self.aliases(root, spec.get("aliases", []))
        successor_province = spec.get("successor_province")
        if successor_province:
            self.successors.append((pkey, successor_province))

        for tmpl in data["province_template"]:
            self.tree(tmpl, root, fmt, pkey, inactive)
            if successor_province:
                self._template_successors(tmpl, pkey, successor_province)
        for extra in spec.get("units", []):
            parent = self.by_key[extra["parent"]] if extra.get("parent") else root
            extra = {k: v for k, v in extra.items() if k != "parent"}
            self.tree(extra, parent, fmt, pkey, inactive)
        for unit_key, names in spec.get("extra_aliases", {}).items():
            self.aliases(self.by_key[unit_key], names)

        communes = {}
        if spec.get("communes") == "all":
            for commune in adminunits.communes_of(spec["admin_code"]):
                local = _lower_first(commune.name)
                communes[commune.code] = self.unit(
                    f"w{commune.code}",
                    root,
                    name=f"Ủy ban nhân dân {local}",
                    short_name=f"UBND {local}",
                    kind=OrgUnit.Kind.COMMUNE,
                    admin_code=commune.code,
                )
                self.aliases(communes[commune.code], [commune.name])
        for code, units in spec.get("commune_units", {}).items():
            for unit_spec in units:
                self.tree(unit_spec, communes[code], fmt, f"w{code}")
        for code, groups in spec.get("commune_groups", {}).items():
            for group_spec in groups:
                self.group(f"w{code}-{group_spec['slug']}", communes[code], group_spec, fmt)

        if spec.get("legacy_districts"):
            for district in adminunits.legacy_districts(spec["legacy_districts"]):
                local = _lower_first(district.name)
                self.unit(
                    f"{pkey}-d{district.code}",
                    root,
                    name=f"Ủy ban nhân dân {local}",
                    short_name=f"UBND {local}",
                    kind=OrgUnit.Kind.DISTRICT,
                    admin_code=district.code,
                    active_until=until,
                )

        branch = self.by_key[f"{pkey}-nhcsxh"]
        skip = set(spec.get("pgd_skip", []))
        for legacy_code in spec.get("pgd_from_legacy", []):
            served = adminunits.communes_by_legacy_district(legacy_code)
            for district in adminunits.legacy_districts(legacy_code):
                if district.name in skip:
                    continue
                key = f"{pkey}-pgd-{district.code}"
                pgd = self.unit(
                    key,
                    branch,
                    name=f"Phòng giao dịch Ngân hàng Chính sách xã hội {district.short_name}",
                    short_name=f"PGD NHCSXH {district.short_name}",
                    kind=OrgUnit.Kind.NHCSXH_PGD,
                    admin_code=district.code,
                    **inactive,
                )
                if successor_province:
                    self.successors.append((key, f"{successor_province}-pgd-{district.code}"))
                wanted = {
                    self.by_key[f"w{c}"].pk
                    for c in served.get(district.code, ())
                    if f"w{c}" in self.by_key
                }
                have = set(pgd.serves.values_list("pk", flat=True))
                if wanted != have:
                    pgd.serves.set(wanted)
                    self.stats.updated += 1

        groups = [
            *data["group_template"],
            *data.get("province_groups", []),
            *spec.get("groups", []),
        ]
        for group_spec in groups:
            self.group(f"{pkey}-{group_spec['slug']}", root, group_spec, fmt)

    def _template_successors(self, tmpl: dict, pkey: str, successor_pkey: str) -> None:
        self.successors.append((f"{pkey}-{tmpl['slug']}", f"{successor_pkey}-{tmpl['slug']}"))
        for child in tmpl.get("children", []):
            self._template_successors(child, pkey, successor_pkey)

    def link_successors(self) -> None:
        for key, successor_key in self.successors:
            unit, successor = self.by_key[key], self.by_key[successor_key]
            if unit.successor_id != successor.pk:
                unit.successor = successor
                unit.save(update_fields=["successor"])
                self.stats.updated += 1


def load_units(path: Path) -> Stats:
    """Create or update every unit, alias and group described in `path`."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    catalogue = path.parent / "catalogue.yaml"
    if catalogue.exists():
        # The commune-level groups ("Công an cấp xã", "Ban Đại diện HĐQT NHCSXH cấp xã") of
        # the national catalogue: the seed provinces have them too, whether or not their
        # communes' bodies are loaded yet (`load_catalogue`).
        data["province_groups"] = yaml.safe_load(catalogue.read_text(encoding="utf-8")).get(
            "province_groups", []
        )
    with transaction.atomic(), tree_lock(OrgUnit):
        loader = _Loader()
        with OrgUnit.objects.disable_mptt_updates():
            loader.tree(data["central"], None, {})
            # Provinces with successors come last so their successors exist.
            for spec in sorted(data["provinces"], key=lambda p: bool(p.get("successor_province"))):
                loader.province(spec, data)
            loader.link_successors()
        if loader.stats.moved:
            OrgUnit.objects.rebuild()
    return loader.stats
