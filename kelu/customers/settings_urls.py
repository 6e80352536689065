from django.urls import path

from kelu.accounts import admin_views, audit_views
from kelu.customers import settings_views as views

app_name = "settings"
urlpatterns = [
    path("", views.index, name="index"),
    path("choices/", views.choices, name="choices"),
    path("choices/<slug:field>/add/", views.choice_add, name="choice_add"),
    path("choices/<slug:field>/<int:pk>/edit/", views.choice_edit, name="choice_edit"),
    path("choices/<slug:field>/<int:pk>/deactivate/", views.choice_deactivate, name="choice_deactivate"),
    path("choices/<slug:field>/<int:pk>/activate/", views.choice_activate, name="choice_activate"),
    path("tags/", views.tags, name="tags"),
    path("audit/", audit_views.audit_log, name="audit"),
    path("users/", admin_views.users, name="users"),
    path("users/<int:pk>/", admin_views.user_edit, name="user_edit"),
    path("users/<int:pk>/transfer/", admin_views.user_transfer, name="user_transfer"),
    path("roles/", admin_views.roles, name="roles"),
    path("tags/<int:pk>/delete/", views.tag_delete, name="tag_delete"),
    path("fields/", views.fields, name="fields"),
    path("fields/new/", views.field_create, name="field_create"),
    path("fields/<slug:entity>/<int:pk>/edit/", views.field_edit, name="field_edit"),
    path("fields/<slug:entity>/<int:pk>/remove/", views.field_remove, name="field_remove"),
    path("fields/<slug:entity>/<int:pk>/restore/", views.field_restore, name="field_restore"),
]
