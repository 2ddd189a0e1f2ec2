"""The national unit catalogue (danh mục đơn vị toàn quốc): every province, every commune.

fixtures/catalogue.yaml and fixtures/units.yaml describe, for each of the 34 provinces of
`vietnam-provinces`, the provincial apparatus, the NHCSXH branch with one transaction
office per former district, every commune with its standard bodies, and the collective
groups; plus the central bodies. `load_catalogue` creates whatever is missing and never
changes a unit that exists (the seed loader owns the seeds' names and aliases), so a
second run writes nothing.

Some 30,000 units are written in bulk: the MPTT fields of every touched tree are computed
here (existing nodes keep their order, new ones follow their siblings), new units are
inserted level by level (a parent's primary key is known before its children are
written), existing nodes whose numbering moved are updated in batches, all under the
unit tree lock. History rows are copied by the database (`config.history`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction
from django.db.models import F, Max
from vietnam_provinces import Province, VietNamDivisionType, Ward

from config.history import record_history

from . import adminunits
from .locks import tree_lock
from .models import OrgUnit, UnitAlias, UnitGroup
from .text import fold

TERRITORIAL = {str(k) for k in OrgUnit.TERRITORIAL_KINDS}
BATCH = 2000


@dataclass
class CatalogueStats:
    provinces: int = 0
    communes: int = 0
    created: int = 0
    renumbered: int = 0
    aliases: int = 0
    groups: int = 0
    serves: int = 0
    members: int = 0  # explicit members added to the central groups

    @property
    def changed(self) -> int:
        return (
            self.created + self.renumbered + self.aliases + self.groups + self.serves
            + self.members
        )  # fmt: skip


@dataclass
class _Node:
    """A unit of one tree: an existing row (pk set) or one to insert."""

    key: str
    kind: str
    parent: _Node | None
    pk: int | None = None
    territory_id: int | None = None
    lft: int = 0
    rght: int = 0
    level: int = 0
    fields: dict = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)
    successor: str | None = None
    children: list[_Node] = field(default_factory=list)
    old: tuple[int, int, int] | None = None  # existing (lft, rght, level)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _fmt(text: str, fmt: dict) -> str:
    return text.format(**fmt) if text else ""


class _Tree:
    """One MPTT tree (a province or the central bodies) being completed."""

    def __init__(self, tree_id: int, root: _Node, elsewhere: set[str] = frozenset()) -> None:
        self.tree_id = tree_id
        self.elsewhere = elsewhere  # keys of units in other trees: never created twice
        self.root = root
        self.nodes: dict[str, _Node] = {root.key: root}

    @classmethod
    def load(cls, root_unit: OrgUnit) -> _Tree:
        rows = OrgUnit.objects.filter(tree_id=root_unit.tree_id).order_by("lft")
        by_pk: dict[int, _Node] = {}
        tree = None
        for pk, key, kind, parent_id, territory_id, lft, rght, level in rows.values_list(
            "pk", "key", "kind", "parent_id", "territory_id", "lft", "rght", "level"
        ):
            node = _Node(key, kind, by_pk.get(parent_id), pk=pk, territory_id=territory_id)
            node.old = (lft, rght, level)
            by_pk[pk] = node
            if node.parent is None:
                tree = cls(root_unit.tree_id, node)
            else:
                node.parent.children.append(node)
                tree.nodes[key] = node
        return tree

    def add(self, key: str, parent: _Node, kind: str, fields: dict, aliases=(), successor=None):
        """The unit `key` under `parent`, created if the tree does not have it yet."""
        node = self.nodes.get(key)
        if node is None:
            if key in self.elsewhere:
                return None
            node = _Node(key, kind, parent, fields=fields, aliases=list(aliases))
            node.successor = successor
            parent.children.append(node)
            self.nodes[key] = node
        return node

    def layout(self) -> None:
        counter = 0
        stack: list[tuple[_Node, int, bool]] = [(self.root, 0, False)]
        while stack:
            node, level, done = stack.pop()
            counter += 1
            if done:
                node.rght = counter
                continue
            node.lft, node.level = counter, level
            stack.append((node, level, True))
            for child in reversed(node.children):
                stack.append((child, level + 1, False))


class CatalogueLoader:
    def __init__(self, fixtures: Path, provinces: list[str] | None = None) -> None:
        self.units_spec = yaml.safe_load((fixtures / "units.yaml").read_text(encoding="utf-8"))
        self.spec = yaml.safe_load((fixtures / "catalogue.yaml").read_text(encoding="utf-8"))
        self.only = {str(int(c)) for c in provinces} if provinces else None
        self.stats = CatalogueStats()
        self.keys: set[str] = set(OrgUnit.objects.values_list("key", flat=True))
        self.group_keys: set[str] = set(UnitGroup.objects.values_list("key", flat=True))
        self.next_tree_id = (OrgUnit.objects.aggregate(m=Max("tree_id"))["m"] or 0) + 1
        self.trees: list[_Tree] = []
        self.group_rows: list[tuple[UnitGroup, list[str]]] = []
        self.serves: list[tuple[str, set[str]]] = []
        #: central group key → what its explicit members are ("ministries", "provinces")
        self.member_rules: dict[str, list[str]] = {}
        seed_keys = {
            p["admin_code"]: p["key"]
            for p in self.units_spec["provinces"]
            if not p.get("active_until")
        }
        self.seed_keys = seed_keys

    # -- trees ----------------------------------------------------------------------------
    def _tree_of(self, root_key: str, root_fields: dict, root_aliases=()) -> _Tree:
        unit = OrgUnit.objects.filter(key=root_key).first()
        if unit is not None:
            tree = _Tree.load(unit)
        else:
            root = _Node(root_key, root_fields["kind"], None, fields=root_fields)
            root.aliases = list(root_aliases)
            tree = _Tree(self.next_tree_id, root)
            self.next_tree_id += 1
        tree.elsewhere = self.keys - tree.nodes.keys()
        self.trees.append(tree)
        return tree

    def _spec_units(self, tree: _Tree, specs, parent: _Node, prefix: str, fmt: dict) -> None:
        for spec in specs:
            key = spec.get("key") or f"{prefix}-{spec['slug']}"
            fields = {
                "name": _fmt(spec["name"], fmt),
                "short_name": _fmt(spec.get("short_name", ""), fmt),
                "active_until": spec.get("active_until"),
            }
            successor = spec.get("successor")
            if successor and "key" not in spec:
                successor = f"{prefix}-{successor}"
            node = tree.add(
                key,
                parent,
                spec["kind"],
                fields,
                [_fmt(a, fmt) for a in spec.get("aliases", [])],
                successor,
            )
            if node is not None:
                self._spec_units(tree, spec.get("children", []), node, prefix, fmt)

    def central(self) -> None:
        c = self.units_spec["central"]
        tree = self._tree_of(
            c["key"], {"name": c["name"], "short_name": c["short_name"], "kind": c["kind"]}
        )
        self._spec_units(tree, c.get("children", []), tree.root, c["key"], {})
        for spec in self.spec["central"]:
            parent = tree.nodes[spec["parent"]] if spec.get("parent") else tree.root
            self._spec_units(tree, [spec], parent, c["key"], {})
        for spec in self.spec.get("central_groups", []):
            if spec.get("members"):
                self.member_rules[spec["key"]] = list(spec["members"])
            self._group(spec["key"], c["key"], spec, {})

    def _group(self, key: str, scope_key: str, spec: dict, fmt: dict) -> None:
        """The group `key` of the unit `scope_key`, unless it exists."""
        if key in self.group_keys:
            return
        self.group_keys.add(key)
        name = spec["name"].format(**fmt)
        group = UnitGroup(
            key=key,
            name=name,
            rule_kinds=list(spec.get("kinds", [])),
            rule_depth=spec.get("depth", UnitGroup.Depth.OWN),
            note=" ".join(spec.get("note", "").split()),
            search_text=fold(name),
        )
        group._scope_key = scope_key
        self.group_rows.append((group, [a.format(**fmt) for a in spec.get("aliases", [])]))

    def province(self, province: Province, capitals: dict, legacy_of: dict) -> None:
        code = str(int(province.code))
        city = province.division_type == VietNamDivisionType.THANH_PHO_TRUNG_UONG
        level = "thành phố" if city else "tỉnh"
        place = province.name.removeprefix("Thành phố ")
        fmt = {
            "level": level,
            "Level": level.capitalize(),
            "place": place,
            "party": "Thành ủy" if city else "Tỉnh ủy",
            "youth": "Thành đoàn" if city else "Tỉnh đoàn",
        }
        pkey = self.seed_keys.get(code, f"p{code}")
        tree = self._tree_of(
            pkey,
            {
                "name": f"Ủy ban nhân dân {level} {place}",
                "short_name": f"UBND {level} {place}",
                "kind": OrgUnit.Kind.PROVINCE,
                "admin_code": code,
            },
            [f"Ủy ban nhân dân {level}", f"UBND {level}"],
        )
        root = tree.root
        extras = self.spec.get("province_extras", {}).get(code, {})
        omit = set(extras.get("omit", []))
        template = [s for s in self.units_spec["province_template"] if s["slug"] not in omit]
        self._spec_units(tree, template, root, pkey, fmt)
        for spec in [*self.spec["province_units"], *extras.get("units", [])]:
            if spec["slug"] in omit:
                continue
            parent = tree.nodes[f"{pkey}-{spec['parent']}"] if spec.get("parent") else root
            self._spec_units(tree, [spec], parent, pkey, fmt)

        boards = code not in {str(c) for c in self.spec["provinces_without_commune_boards"]}
        commune_specs = [s for s in self.spec["commune_units"] if boards or not s.get("board")]
        for commune in adminunits.communes_of(code):
            local = _lower_first(commune.name)
            node = tree.add(
                f"w{commune.code}",
                root,
                OrgUnit.Kind.COMMUNE,
                {
                    "name": f"Ủy ban nhân dân {local}",
                    "short_name": f"UBND {local}",
                    "admin_code": commune.code,
                },
                [commune.name],
            )
            if node is not None:
                self._spec_units(tree, commune_specs, node, f"w{commune.code}", {"local": local})
                self.stats.communes += 1

        branch = tree.nodes.get(f"{pkey}-nhcsxh")
        for legacy in legacy_of.get(code, []):
            capital = capitals.get(legacy.zfill(2))
            served = adminunits.communes_by_legacy_district(legacy)
            for district in adminunits.legacy_districts(legacy):
                if capital and fold(district.name) == fold(capital):
                    continue
                key = f"{pkey}-pgd-{district.code}"
                if branch is None:
                    continue
                if key not in tree.nodes and key not in self.keys:
                    self.serves.append((key, {f"w{c}" for c in served.get(district.code, ())}))
                tree.add(
                    key,
                    branch,
                    OrgUnit.Kind.NHCSXH_PGD,
                    {
                        "name": "Phòng giao dịch Ngân hàng Chính sách xã hội "
                        + district.short_name,
                        "short_name": f"PGD NHCSXH {district.short_name}",
                        "admin_code": district.code,
                    },
                )

        for spec in [*self.units_spec["group_template"], *self.spec["province_groups"]]:
            self._group(f"{pkey}-{spec['slug']}", pkey, spec, fmt)
        self.stats.provinces += 1

    # -- writing ----------------------------------------------------------------------------
    def write(self) -> None:
        created: dict[str, OrgUnit] = {}
        renumber: list[OrgUnit] = []
        for tree in self.trees:
            tree.layout()
            by_level: dict[int, list[_Node]] = defaultdict(list)
            stack = [tree.root]
            while stack:
                node = stack.pop()
                if node.pk is None:
                    by_level[node.level].append(node)
                elif node.old != (node.lft, node.rght, node.level):
                    renumber.append(
                        OrgUnit(pk=node.pk, lft=node.lft, rght=node.rght, level=node.level)
                    )
                stack.extend(node.children)
            for level in sorted(by_level):
                nodes = by_level[level]
                objs = []
                for node in nodes:
                    parent = node.parent
                    territory = None
                    if parent is not None and node.kind not in TERRITORIAL:
                        territory = parent.pk if parent.kind in TERRITORIAL else parent.territory_id
                    f = node.fields
                    objs.append(
                        OrgUnit(
                            key=node.key,
                            name=f["name"],
                            short_name=f.get("short_name", ""),
                            kind=node.kind,
                            admin_code=f.get("admin_code", ""),
                            active_until=f.get("active_until"),
                            parent_id=parent.pk if parent else None,
                            territory_id=territory,
                            tree_id=tree.tree_id,
                            lft=node.lft,
                            rght=node.rght,
                            level=node.level,
                            search_text=fold(f"{f['name']} | {f.get('short_name', '')}"),
                        )
                    )
                OrgUnit.objects.bulk_create(objs, batch_size=BATCH)
                own = []
                for node, obj in zip(nodes, objs, strict=True):
                    node.pk = obj.pk
                    if obj.territory_id is None:
                        node.territory_id = obj.pk
                        own.append(obj.pk)
                    else:
                        node.territory_id = obj.territory_id
                    created[node.key] = obj
                for start in range(0, len(own), BATCH):
                    OrgUnit.objects.filter(pk__in=own[start : start + BATCH]).update(
                        territory_id=F("pk")
                    )
        if renumber:
            OrgUnit.objects.bulk_update(renumber, ["lft", "rght", "level"], batch_size=BATCH)
        self.stats.created = len(created)
        self.stats.renumbered = len(renumber)

        # successors of the new retired units (in the same tree, or central)
        pk_of = {n.key: n.pk for t in self.trees for n in t.nodes.values()}
        linked = []
        for tree in self.trees:
            for node in tree.nodes.values():
                if node.key in created and node.successor:
                    obj = created[node.key]
                    obj.successor_id = (
                        pk_of.get(node.successor) or OrgUnit.objects.get(key=node.successor).pk
                    )
                    linked.append(obj)
        if linked:
            OrgUnit.objects.bulk_update(linked, ["successor"], batch_size=BATCH)
        record_history(OrgUnit, [o.pk for o in created.values()], "+", reason="load_catalogue")

        # aliases of the new units
        aliases = []
        for tree in self.trees:
            for node in tree.nodes.values():
                if node.key not in created:
                    continue
                seen = {fold(node.fields["name"])}
                for name in node.aliases:
                    if name and fold(name) not in seen:
                        seen.add(fold(name))
                        aliases.append(UnitAlias(name=name, key=fold(name), unit_id=node.pk))
        self._create_with_history(UnitAlias, aliases)

        # groups
        groups = [g for g, _ in self.group_rows]
        for group in groups:
            group.scope_id = pk_of[group._scope_key]
        self._create_with_history(UnitGroup, groups)
        group_aliases = []
        for group, names in self.group_rows:
            seen = {fold(group.name)}
            for name in names:
                if fold(name) not in seen:
                    seen.add(fold(name))
                    group_aliases.append(UnitAlias(name=name, key=fold(name), group_id=group.pk))
        self._create_with_history(UnitAlias, group_aliases)
        self.stats.groups = len(groups)
        self.stats.aliases = len(aliases) + len(group_aliases)

        # communes each new transaction office serves
        through = OrgUnit.serves.through
        rows = [
            through(from_orgunit_id=pk_of[pgd], to_orgunit_id=pk_of[c])
            for pgd, communes in self.serves
            for c in sorted(communes)
            if c in pk_of
        ]
        through.objects.bulk_create(rows, batch_size=BATCH)
        self.stats.serves = len(rows)
        self.stats.members = self._complete_members()

    def _complete_members(self) -> int:
        """Add to each central group with an explicit list the members it lacks: the active
        ministries and ministerial agencies, the People's Committee of every province."""
        if not self.member_rules:
            return 0
        active = OrgUnit.objects.filter(active_until__isnull=True)
        pools = {
            "ministries": active.filter(kind=OrgUnit.Kind.MINISTRY),
            "provinces": active.filter(kind=OrgUnit.Kind.PROVINCE, parent__isnull=True),
        }
        wanted = {
            rule: set(qs.values_list("pk", flat=True))
            for rule, qs in pools.items()
            if any(rule in rules for rules in self.member_rules.values())
        }
        through = UnitGroup.explicit_members.through
        groups = dict(UnitGroup.objects.filter(key__in=self.member_rules).values_list("key", "pk"))
        have: dict[int, set[int]] = defaultdict(set)
        for group_id, unit_id in through.objects.filter(
            unitgroup_id__in=groups.values()
        ).values_list("unitgroup_id", "orgunit_id"):
            have[group_id].add(unit_id)
        rows = [
            through(unitgroup_id=groups[key], orgunit_id=pk)
            for key, rules in self.member_rules.items()
            if key in groups
            for pk in sorted(set().union(*(wanted[r] for r in rules)) - have[groups[key]])
        ]
        through.objects.bulk_create(rows, batch_size=BATCH)
        return len(rows)

    @staticmethod
    def _create_with_history(model, objs) -> None:
        if objs:
            model.objects.bulk_create(objs, batch_size=BATCH)
            record_history(model, [o.pk for o in objs], "+", reason="load_catalogue")


def _legacy_provinces() -> dict[str, list[str]]:
    """Official 2025 province code → the former provinces (codes) most of whose communes
    it took; each former province belongs to one new province."""
    ward_province = {str(int(w.code)): str(int(w.province_code)) for w in Ward.iter_all()}
    result: dict[str, list[str]] = defaultdict(list)
    for legacy in adminunits.legacy_province_codes():
        votes = Counter(
            ward_province[c]
            for codes in adminunits.communes_by_legacy_district(legacy).values()
            for c in codes
            if c in ward_province
        )
        if votes:
            result[votes.most_common(1)[0][0]].append(legacy)
    return result


def load_catalogue(fixtures: Path, provinces: list[str] | None = None) -> CatalogueStats:
    """Create every missing unit, alias, group and served commune of the catalogue."""
    loader = CatalogueLoader(fixtures, provinces)
    capitals = {str(k).zfill(2): v for k, v in loader.spec["legacy_capitals"].items()}
    legacy_of = _legacy_provinces()
    with transaction.atomic(), tree_lock(OrgUnit):
        loader.central()
        for province in Province.iter_all():
            if loader.only is None or str(int(province.code)) in loader.only:
                loader.province(province, capitals, legacy_of)
        loader.write()
    return loader.stats
