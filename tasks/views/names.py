"""The page of a province's unresolved names (tên đơn vị chưa xác định) and mapping one.

Provincial admins and superusers see every waiting name of the province's plans and may map
one to a unit or group; an officer sees the names waiting in their own unit's plans (read
only). Everyone else is refused (403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from config.numbers import count_text
from config.query import positive_int
from orgunits.models import OrgUnit
from orgunits.resolver import vocabulary_for
from orgunits.text import fold

from ..access import name_scope
from ..forms import AliasForm
from ..importer import parse_target
from ..unresolved import NameRefused, describe, resolve_name, waiting_names

PAGE = 25


def _scope(request):
    province = None
    wanted = request.GET.get("tinh") or request.POST.get("tinh")
    if wanted and positive_int(wanted) is not None:
        province = get_object_or_404(OrgUnit, pk=int(wanted), parent__isnull=True)
    scope = name_scope(request.user, province)
    if scope is None:
        raise PermissionDenied(
            "Chỉ quản trị cấp tỉnh và cán bộ của đơn vị ban hành kế hoạch xem được danh sách "
            "tên đơn vị chưa xác định."
        )
    return scope


@login_required
def unresolved_names(request):
    """Every distinct waiting name of the scope, with counts, the closest known units and
    the plans waiting; a form to map a name (POST, admins only)."""
    scope = _scope(request)
    vocabulary = vocabulary_for(scope.province)
    if request.method == "POST":
        if not scope.can_map:
            raise PermissionDenied("Chỉ quản trị cấp tỉnh mới xác định được tên đơn vị.")
        form = AliasForm(request.POST)
        target = parse_target(form.data.get("target", ""))
        if not form.is_valid() or target is None:
            messages.error(request, "Hãy chọn đơn vị hoặc nhóm cho tên này.")
        else:
            try:
                result = resolve_name(
                    scope.province, form.cleaned_data["name"], target, vocabulary, request.user
                )
            except NameRefused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    f"Đã ghi nhận “{result.alias.name}” là tên gọi khác của "
                    f"{result.alias.target}: {count_text(result.resolved)} phân công trong "
                    f"{count_text(result.plans)} kế hoạch đã được xác định, "
                    f"{count_text(result.tracked)} phân công theo dõi được tạo.",
                )
        url = request.path + (f"?tinh={scope.province.pk}" if scope.picks_province else "")
        return redirect(url)
    only = fold(request.GET.get("ten", ""))
    rows = waiting_names(scope)
    if only:
        rows = rows.filter(name_key=only)
    page = Paginator(rows, PAGE).get_page(request.GET.get("trang"))
    names = describe(scope, list(page.object_list), vocabulary)
    context = {
        "scope": scope,
        "page": page,
        "names": names,
        "only": only,
        # The full list of units is offered only for one name (it is long).
        "targets": vocabulary.targets() if only and scope.can_map else [],
    }
    return render(request, "tasks/unresolved_names.html", context)
