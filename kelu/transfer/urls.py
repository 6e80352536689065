from django.urls import path

from kelu.transfer import views

app_name = "transfer"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("upload/", views.import_upload, name="upload"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/layout/", views.import_layout, name="layout"),
    path("<int:pk>/mapping/", views.import_mapping, name="mapping"),
    path("<int:pk>/mapping/apply/", views.import_apply_mapping, name="apply_mapping"),
    path("<int:pk>/start/", views.import_start, name="start"),
    path("<int:pk>/cancel/", views.import_cancel, name="cancel"),
    path("<int:pk>/undo/", views.import_undo, name="undo"),
    path("<int:pk>/failed.csv", views.import_failed_rows, name="failed_rows"),
]
