from django.urls import path

from . import views_plan

app_name = "workflow"

urlpatterns = [
    path("ke-hoach/<int:pk>/lap-ke-hoach-xa/", views_plan.derive_view, name="derive"),
    path("ke-hoach/<int:pk>/ban-hanh/", views_plan.issue_view, name="issue"),
    path("ke-hoach/<int:pk>/sua-doi/", views_plan.revise_view, name="revise"),
    path("ke-hoach/<int:pk>/lich-su/", views_plan.plan_history, name="plan_history"),
    path("nhiem-vu/<int:pk>/", views_plan.task_detail, name="task"),
    path("nhiem-vu/<int:pk>/lich-su/", views_plan.task_history, name="task_history"),
]
