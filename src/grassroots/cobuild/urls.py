from django.urls import path

from . import meeting_views, views

app_name = "cobuild"
urlpatterns = [
    path("", views.index, name="index"),
    path("registrations/", views.RegistrationList.as_view(), name="registrations"),
    path("registrations/unit/", views.UnitRegistrationCreate.as_view(), name="register_unit"),
    path("registrations/<int:pk>/", views.registration_detail, name="registration"),
    path("registrations/<int:pk>/<slug:verb>/", views.registration_action, name="registration_action"),
    path("posts/", views.posts, name="posts"),
    path("join/", views.join, name="join"),
    path("join/find/", views.join_find, name="join_find"),
    path("needs/", views.NeedList.as_view(), name="needs"),
    path("needs/add/", views.NeedCreate.as_view(), name="need_add"),
    path("needs/<int:pk>/", views.need_detail, name="need"),
    path("needs/<int:pk>/<slug:verb>/", views.need_action, name="need_action"),
    path("resources/", views.ResourceList.as_view(), name="resources"),
    path("resources/add/", views.ResourceCreate.as_view(), name="resource_add"),
    path("resources/<int:pk>/", views.resource_detail, name="resource"),
    path("resources/<int:pk>/<slug:verb>/", views.resource_action, name="resource_action"),
    path("projects/", views.ProjectList.as_view(), name="projects"),
    path("projects/add/", views.ProjectCreate.as_view(), name="project_add"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/<slug:verb>/", views.project_action, name="project_action"),
    path("committees/", meeting_views.CommitteeList.as_view(), name="committees"),
    path("committees/add/", meeting_views.CommitteeCreate.as_view(), name="committee_add"),
    path("committees/<int:pk>/", meeting_views.committee_detail, name="committee"),
    path("committees/<int:pk>/<slug:verb>/", meeting_views.committee_action, name="committee_action"),
    path("meetings/", meeting_views.MeetingList.as_view(), name="meetings"),
    path("meetings/<int:pk>/", meeting_views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/<slug:verb>/", meeting_views.meeting_action, name="meeting_action"),
    path("resolutions/", meeting_views.ResolutionList.as_view(), name="resolutions"),
    path("resolutions/<int:pk>/<slug:verb>/", meeting_views.resolution_action, name="resolution_action"),
    path("ratings/", views.RatingList.as_view(), name="ratings"),
    path("ratings/add/", views.RatingCreate.as_view(), name="rating_add"),
    path("report/", views.report, name="report"),
]
