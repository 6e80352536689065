from django.urls import path

from kelu.followups import views

app_name = "followups"
urlpatterns = [
    path("my-day/", views.my_day, name="my_day"),
    path("customers/<int:customer_pk>/followups/new/", views.follow_up_create, name="create"),
    path("contacts/<int:contact_pk>/followups/new/", views.contact_follow_up_create, name="contact_create"),
    path("followups/<int:pk>/", views.follow_up_edit, name="edit"),
    path("followups/<int:pk>/complete/", views.follow_up_complete, name="complete"),
    path("followups/<int:pk>/reopen/", views.follow_up_reopen, name="reopen"),
    path("followups/<int:pk>/cancel/", views.follow_up_cancel, name="cancel"),
    path("followups/<int:pk>/snooze/", views.follow_up_snooze, name="snooze"),
    path("followups/<int:pk>/delete/", views.follow_up_delete, name="delete"),
    path("followups/preferences/", views.preferences, name="preferences"),
    path("followups/calendar/new/", views.calendar_token_create, name="calendar_token_create"),
    path("followups/calendar/revoke/", views.calendar_token_revoke, name="calendar_token_revoke"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/bell/", views.bell, name="bell"),
    path("notifications/read-all/", views.notifications_read_all, name="read_all"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
]
