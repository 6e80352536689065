from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from kelu.accounts import api as accounts_api
from kelu.accounts import audit_views
from kelu.activities import api as activities_api
from kelu.core import views as core_views
from kelu.customers import api as customers_api
from kelu.exports import api as exports_api
from kelu.followups import api as followups_api
from kelu.quality import api as quality_api
from kelu.search import api as search_api
from kelu.transfer import api as transfer_api

router = SimpleRouter()
router.register("customers", customers_api.CustomerViewSet, basename="customers")
router.register("contacts", customers_api.ContactViewSet, basename="contacts")
router.register("tags", customers_api.TagViewSet, basename="tags")
router.register("fields", customers_api.FieldDefinitionViewSet, basename="fields")
router.register("choices", customers_api.ChoiceOptionViewSet, basename="choices")
router.register("activities", activities_api.ActivityViewSet, basename="activities")
router.register("followups", followups_api.FollowUpViewSet, basename="followups")
router.register("notifications", followups_api.NotificationViewSet, basename="notifications")
router.register("saved-views", customers_api.SavedViewViewSet, basename="saved-views")

api_v1 = [
    path("customers/merge/", quality_api.customers_merge, name="customers-merge"),  # before the router's <pk>
    path("contacts/merge/", quality_api.contacts_merge, name="contacts-merge"),
    path("customers/bulk/", quality_api.bulk_edit_create, name="customers-bulk"),
    path("bulk-edits/<int:pk>/", quality_api.bulk_edit_detail, name="bulk-edits-detail"),
    path("bulk-edits/<int:pk>/undo/", quality_api.bulk_edit_undo_view, name="bulk-edits-undo"),
    path("merges/<int:pk>/undo/", quality_api.merge_undo, name="merges-undo"),
    path("duplicates/", quality_api.duplicate_groups, name="duplicates"),
    path("exports/", exports_api.export_create, name="exports-create"),
    path("exports/<int:pk>/", exports_api.export_detail, name="exports-detail"),
    path("exports/<int:pk>/download/", exports_api.export_download, name="exports-download"),
    path("imports/", include(transfer_api.urlpatterns)),
    *router.urls,
    path("users/me/", accounts_api.me, name="users-me"),
    path("users/", accounts_api.users, name="users"),
    path("users/<int:pk>/", accounts_api.user_detail, name="users-detail"),
    path("roles/", accounts_api.roles, name="roles"),
    path("roles/<slug:key>/", accounts_api.role_detail, name="roles-detail"),
    path("audit/", audit_views.audit_api, name="audit"),
    path("search/", search_api.search_view, name="search"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's page carries inline styles; the relaxation is limited to this page.
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
]

urlpatterns = [
    path("", include("kelu.core.urls")),
    path("", include("kelu.customers.urls")),
    path("", include("kelu.activities.urls")),
    path("", include("kelu.followups.urls")),
    path("accounts/", include("kelu.accounts.urls")),
    path("quality/", include("kelu.quality.urls")),
    path("exports/", include("kelu.exports.urls")),
    path("search/", include("kelu.search.urls")),
    path("import/", include("kelu.transfer.urls")),
    path("settings/", include("kelu.customers.settings_urls")),
    path("api/v1/", include((api_v1, "api"))),
    path("healthz", core_views.healthz, name="healthz"),
]

handler400 = "kelu.core.views.bad_request"
handler403 = "kelu.core.views.permission_denied"
handler404 = "kelu.core.views.page_not_found"
handler500 = "kelu.core.views.server_error"
