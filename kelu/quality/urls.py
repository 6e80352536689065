from django.urls import path

from kelu.quality import views

app_name = "quality"
urlpatterns = [
    path("", views.report, name="report"),
    path("check/", views.check, name="check"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/scan/", views.duplicates_scan, name="duplicates_scan"),
    path("duplicates/dismiss/", views.duplicates_dismiss, name="duplicates_dismiss"),
    path("merge/", views.merge, name="merge"),
    path("bulk/<int:pk>/", views.bulk_detail, name="bulk_detail"),
    path("bulk/<int:pk>/undo/", views.bulk_undo, name="bulk_undo"),
    path("merges/<int:pk>/", views.merge_detail, name="merge_detail"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
]
