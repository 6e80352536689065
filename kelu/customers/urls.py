from django.urls import path

from kelu.customers import views

app_name = "customers"
urlpatterns = [
    path("customers/", views.customer_list, name="list"),
    path("customers/new/", views.customer_create, name="create"),
    path("customers/count/", views.customer_count, name="count"),
    path("customers/filters/", views.customer_filter_form, name="filters"),
    path("customers/bulk/", views.customer_bulk, name="bulk"),
    path("customers/<int:pk>/", views.customer_detail, name="detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="edit"),
    path("customers/<int:pk>/delete/", views.customer_delete, name="delete"),
    path("customers/<int:pk>/claim/", views.customer_claim, name="claim"),
    path("customers/<int:pk>/shares/", views.customer_share, name="share"),
    path("customers/<int:pk>/shares/<int:user_id>/remove/", views.customer_unshare, name="unshare"),
    path("customers/<int:pk>/history/", views.customer_history, name="history"),
    path("customers/<int:pk>/history/<int:history_id>/revert/", views.customer_revert, name="revert"),
    path("customers/<int:pk>/contacts/", views.contacts_card, name="contacts_card"),
    path("customers/<int:customer_pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/", views.contact_list, name="contacts"),
    path("contacts/count/", views.contact_count, name="contact_count"),
    path("contacts/filters/", views.contact_filter_form, name="contact_filters"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("contacts/<int:pk>/history/<int:history_id>/revert/", views.contact_revert, name="contact_revert"),
    path("trash/", views.trash, name="trash"),
    path("trash/<int:pk>/restore/", views.trash_restore, name="trash_restore"),
    path("trash/<int:pk>/purge/", views.trash_purge, name="trash_purge"),
    path("trash/contacts/<int:pk>/restore/", views.trash_contact_restore, name="trash_contact_restore"),
    path("views/new/", views.saved_view_create, name="view_create"),
    path("views/<int:pk>/", views.saved_view_update, name="view_update"),
    path("views/<int:pk>/pin/", views.saved_view_pin, name="view_pin"),
    path("views/<int:pk>/delete/", views.saved_view_delete, name="view_delete"),
    path("views/<int:pk>/count/", views.saved_view_count, name="view_count"),
]
