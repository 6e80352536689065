from django.urls import path

from kelu.activities import views

app_name = "activities"
urlpatterns = [
    path("customers/<int:customer_pk>/activities/new/", views.activity_create, name="create"),
    path("customers/<int:pk>/timeline/", views.customer_timeline, name="customer_timeline"),
    path("contacts/<int:contact_pk>/activities/new/", views.contact_activity_create, name="contact_create"),
    path("contacts/<int:pk>/timeline/", views.contact_timeline, name="contact_timeline"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="edit"),
    path("activities/<int:pk>/delete/", views.activity_delete, name="delete"),
    path("activities/attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("activities/attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
]
