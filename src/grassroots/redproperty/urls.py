from django.urls import path

from . import views

app_name = "redproperty"
urlpatterns = [
    path("", views.CompanyListView.as_view(), name="companies"),
    path("companies/new/", views.company_create, name="company_create"),
    path("companies/<int:pk>/", views.company_detail, name="company_detail"),
    path("companies/<int:pk>/<slug:action>/", views.company_act, name="company_act"),
    path("committees/", views.CommitteeListView.as_view(), name="committees"),
    path("committees/new/", views.committee_create, name="committee_create"),
    path("committees/<int:pk>/", views.committee_detail, name="committee_detail"),
    path("committees/<int:pk>/<slug:action>/", views.committee_act, name="committee_act"),
    path("committee-members/<int:pk>/leave/", views.member_leave, name="member_leave"),
    path("elections/", views.ElectionListView.as_view(), name="elections"),
    path("elections/<int:pk>/<slug:action>/", views.election_act, name="election_act"),
    path("cross-posts/<int:pk>/end/", views.crosspost_end, name="crosspost_end"),
    path("contracts/", views.ContractListView.as_view(), name="contracts"),
    path("contracts/new/", views.contract_create, name="contract_create"),
    path("contracts/<int:pk>/end/", views.contract_end, name="contract_end"),
    path("inspections/", views.InspectionListView.as_view(), name="inspections"),
    path("inspections/new/", views.inspection_create, name="inspection_create"),
    path("unmanaged/", views.unmanaged, name="unmanaged"),
    path("takeovers/new/", views.takeover_create, name="takeover_create"),
    path("takeovers/<int:pk>/end/", views.takeover_end, name="takeover_end"),
    path("grades/", views.grades, name="grades"),
    path("grades/<slug:action>/", views.grades_act, name="grades_act"),
    path("h5/rate/", views.h5_rate, name="h5_rate"),
]
