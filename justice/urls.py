"""URLs of the justice API (mounted under /api/)."""

from django.urls import path, re_path

from .api import directory, procedures, requests, staff

# Justice request codes: 'J' + 10 characters of models.TRACKING_ALPHABET (matched case-insensitively).
REQUEST_CODE = r"(?P<tracking_code>[Jj][2-9A-HJKMNP-Za-hjkmnp-z]{10})"

urlpatterns = [
    path("services/", directory.ServiceListView.as_view(), name="service-list"),
    path("services/nearest/", directory.NearestServicesView.as_view(), name="service-nearest"),
    path("services/<int:pk>/", directory.ServiceDetailView.as_view(), name="service-detail"),
    path("quadrant/", directory.QuadrantView.as_view(), name="quadrant"),
    path("procedures/", procedures.ProcedureListView.as_view(), name="procedure-list"),
    path("procedures/<slug:code>/", procedures.ProcedureDetailView.as_view(), name="procedure-detail"),
    path("justice-requests/", requests.JusticeRequestCreateView.as_view(), name="justice-request-create"),
    re_path(
        rf"^justice-requests/{REQUEST_CODE}/$",
        requests.JusticeRequestTrackView.as_view(),
        name="justice-request-track",
    ),
    path(
        "staff/justice-requests/",
        staff.StaffJusticeRequestListView.as_view(),
        name="staff-justice-request-list",
    ),
    path(
        "staff/justice-requests/<int:pk>/",
        staff.StaffJusticeRequestDetailView.as_view(),
        name="staff-justice-request-detail",
    ),
    path(
        "staff/justice-requests/<int:pk>/transition/",
        staff.StaffJusticeRequestTransitionView.as_view(),
        name="staff-justice-request-transition",
    ),
    path(
        "staff/justice-requests/<int:pk>/attachments/<int:attachment_id>/",
        staff.StaffJusticeAttachmentView.as_view(),
        name="staff-justice-attachment",
    ),
]
