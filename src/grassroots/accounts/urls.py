from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<str:prefix>/revoke/", views.token_revoke, name="token_revoke"),
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/assign/", views.user_assign, name="user_assign"),
    path("users/<int:pk>/assignments/<int:assignment_id>/revoke/", views.assignment_revoke, name="revoke"),
    path("users/<int:pk>/password/", views.user_password, name="user_password"),
    path("roles/", views.role_list, name="roles"),
    path("roles/<int:pk>/", views.role_edit, name="role_edit"),
    path("resident/login/", views.resident_login, name="resident_login"),
    path("resident/me/", views.resident_me, name="resident_me"),
]
