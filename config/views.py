"""The site's own pages: the login page and the home page, which send each user where
they start (their dashboard, their unit's tasks or the plans)."""

from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse

from dashboards import access as dashboards
from orgunits.access import actor_for
from plans.access import visible_plans
from plans.models import Plan
from tasks.expansion import tracked_assignments


def landing_url(user) -> str:
    """Where a user lands: NHCSXH staff (branch, transaction offices, NHCSXH Việt Nam),
    provincial admins and leaders on their dashboard; officers whose unit carries tasks of
    issued plans on "Nhiệm vụ của đơn vị" (where they report); others on the plans."""
    if not user.is_authenticated:
        return reverse("plans:list")
    actor = actor_for(user)
    if dashboards.sees_every_province(actor):
        return reverse("dashboards:dashboard_national")
    if dashboards.lands_on_dashboard(actor):
        return reverse("dashboards:dashboard_home")
    if actor.unit is not None and _carries_tasks(actor):
        return reverse("tasks:my_tasks")
    return reverse("plans:list")


def _carries_tasks(actor) -> bool:
    plans = visible_plans(actor).filter(status=Plan.Status.ISSUED)
    return tracked_assignments().filter(unit=actor.unit, task__plan__in=plans).exists()


def home(request):
    """`/`: signed out, what the site is and a way in; signed in, where the user's work is."""
    if not request.user.is_authenticated:
        return render(request, "home.html")
    return redirect(landing_url(request.user))


class LoginView(auth_views.LoginView):
    """The login page; without a ?next=, users land by role (`landing_url`)."""

    def get_default_redirect_url(self):
        if self.next_page:
            return super().get_default_redirect_url()
        return landing_url(self.request.user)
