from django.urls import path

from . import views

app_name = "units"
urlpatterns = [
    path("", views.UnitListView.as_view(), name="list"),
    path("add/", views.UnitCreateView.as_view(), name="add"),
    path("lookup/", views.lookup, name="lookup"),
    path("<int:pk>/", views.unit_detail, name="detail"),
    path("<int:pk>/edit/", views.UnitEditView.as_view(), name="edit"),
    path("instructors/", views.InstructorListView.as_view(), name="instructors"),
    path("instructors/add/", views.InstructorCreateView.as_view(), name="instructor_add"),
    path("instructors/<int:pk>/", views.instructor_detail, name="instructor_detail"),
    path("instructors/<int:pk>/edit/", views.InstructorEditView.as_view(), name="instructor_edit"),
]
