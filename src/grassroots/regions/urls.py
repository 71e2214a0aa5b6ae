from django.urls import path

from . import views

app_name = "regions"
urlpatterns = [
    path("tree/", views.tree, name="tree"),
    path("tree/<str:code>/children/", views.tree_children, name="tree_children"),
    path("lookup/", views.lookup, name="lookup"),
    path("households/", views.HouseholdListView.as_view(), name="households"),
    path("households/add/", views.HouseholdCreateView.as_view(), name="household_add"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.HouseholdEditView.as_view(), name="household_edit"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/add/", views.RegionAddChildView.as_view(), name="add_child"),
    path("<str:code>/edit/", views.RegionEditView.as_view(), name="edit"),
]
