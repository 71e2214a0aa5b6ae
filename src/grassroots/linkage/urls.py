from django.urls import path

from . import views

app_name = "linkage"
urlpatterns = [
    path("", views.TaskListView.as_view(), name="task_list"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("assignments/", views.AssignmentListView.as_view(), name="assignment_list"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("assignments/<int:pk>/<slug:verb>/", views.assignment_act, name="assignment_act"),
    path("leaders/", views.LeaderListView.as_view(), name="leader_list"),
    path("leaders/new/", views.leader_create, name="leader_create"),
    path("leaders/<int:pk>/", views.leader_detail, name="leader_detail"),
    path("contact-points/<int:pk>/end/", views.contact_point_end, name="contact_point_end"),
    path("coverage/", views.coverage, name="coverage"),
]
