from grassroots.core.routes import path

from . import views

app_name = "units"
urlpatterns = [
    path("", views.UnitListView, name="list"),
    path("add/", views.UnitCreateView, name="add"),
    path("lookup/", views.lookup, name="lookup"),
    path("<int:pk>/", views.unit_detail, name="detail"),
    path("<int:pk>/edit/", views.UnitEditView, name="edit"),
    path("instructors/", views.InstructorListView, name="instructors"),
    path("instructors/add/", views.InstructorCreateView, name="instructor_add"),
    path("instructors/<int:pk>/", views.instructor_detail, name="instructor_detail"),
    path("instructors/<int:pk>/edit/", views.InstructorEditView, name="instructor_edit"),
]
