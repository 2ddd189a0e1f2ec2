from django.contrib.auth.decorators import login_required
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404
from django.shortcuts import render

from config.query import positive_int

from .access import actor_for, can_search_units_of
from .models import OrgUnit, UnitGroup
from .territory import naming_scope
from .text import fold

MAX_RESULTS = 20


def search_scope(actor, unit: OrgUnit | None = None) -> tuple[list[int], list[int]]:
    """(tree ids of units, territory ids of groups) a picker may offer.

    The `naming_scope` of `unit` (a plan's issuer) or of the user's unit: the territory
    chain and the central bodies; another province is never offered (a superuser may search
    any province's plan)."""
    base = unit or actor.unit
    if base is None:
        return [], []
    if not can_search_units_of(actor, base):
        raise Http404
    scope = naming_scope(base)
    return list(scope.trees), list(scope.chain)


def nearness(territories: list[int]) -> Case:
    """0 for the units of the innermost territory (a commune plan: the commune's own
    bodies), 1 for the next one out (its province), …; central bodies last."""
    whens = [
        When(Q(territory_id=pk) | Q(pk=pk), then=Value(rank))
        for rank, pk in enumerate(reversed(territories))
    ]
    return Case(*whens, default=Value(len(territories)), output_field=IntegerField())


def find_units(query: str, trees: list[int], territories: list[int]):
    """Units and groups whose name, short name or alias contains the words typed,
    with or without diacritics; the nearest units first (`territories` run from the
    outermost, as `search_scope` gives them)."""
    key = fold(query)
    if len(key) < 2:
        return [], []
    units = (
        OrgUnit.objects.filter(tree_id__in=trees)
        .filter(Q(search_text__contains=key) | Q(aliases__key__contains=key))
        .filter(Q(active_until__isnull=True))
        .select_related("parent")
        .annotate(nearness=nearness(territories))
        .distinct()
        .order_by("nearness", "level", "name")[:MAX_RESULTS]
    )
    groups = (
        UnitGroup.objects.filter(scope_id__in=territories)
        .filter(Q(search_text__contains=key) | Q(aliases__key__contains=key))
        .select_related("scope")
        .annotate(
            nearness=Case(
                *[
                    When(scope_id=pk, then=Value(rank))
                    for rank, pk in enumerate(reversed(territories))
                ],
                default=Value(len(territories)),
                output_field=IntegerField(),
            )
        )
        .distinct()
        .order_by("nearness", "name")[:MAX_RESULTS]
    )
    return list(units), list(groups)


@login_required
def unit_search(request):
    """htmx: the options of a unit picker for what has been typed so far."""
    actor = actor_for(request.user)
    scope_unit = None
    if request.GET.get("don_vi"):
        pk = positive_int(request.GET["don_vi"])
        scope_unit = OrgUnit.objects.filter(pk=pk).first() if pk is not None else None
        if scope_unit is None:
            raise Http404
    trees, territories = search_scope(actor, scope_unit)
    units, groups = find_units(request.GET.get("q", ""), trees, territories)
    context = {"units": units, "groups": groups, "q": request.GET.get("q", "")}
    return render(request, "orgunits/_unit_options.html", context)
