"""URLs of the reports API (mounted under /api/)."""

from django.urls import path, re_path

from .api import auth as api_auth
from .api import public, staff

# Tracking codes use the alphabet of models.TRACKING_ALPHABET (matched case-insensitively).
TRACKING = r"(?P<tracking_code>[2-9A-HJKMNP-Za-hjkmnp-z]{10})"

urlpatterns = [
    path("categories/", public.CategoryListView.as_view(), name="category-list"),
    path("reports/", public.ReportListCreateView.as_view(), name="report-list"),
    path("reports/nearby/", public.ReportNearbyView.as_view(), name="report-nearby"),
    path("reports/mine/", public.MyReportsView.as_view(), name="report-mine"),
    # Under track/ so the secret code and the public numeric id never share a path pattern.
    re_path(rf"^reports/track/{TRACKING}/$", public.ReportTrackView.as_view(), name="report-track"),
    path("reports/<int:pk>/", public.ReportPublicDetailView.as_view(), name="report-public-detail"),
    path("reports/<int:pk>/supports/", public.ReportSupportView.as_view(), name="report-support"),
    path("staff/reports/", staff.StaffReportListView.as_view(), name="staff-report-list"),
    path("staff/reports/<int:pk>/", staff.StaffReportDetailView.as_view(), name="staff-report-detail"),
    path(
        "staff/reports/<int:pk>/transition/",
        staff.StaffTransitionView.as_view(),
        name="staff-report-transition",
    ),
    path("staff/reports/<int:pk>/responses/", staff.StaffRespondView.as_view(), name="staff-report-respond"),
    path(
        "staff/reports/<int:pk>/duplicate/", staff.StaffDuplicateView.as_view(), name="staff-report-duplicate"
    ),
    path("staff/reports/<int:pk>/hide/", staff.StaffHideView.as_view(), name="staff-report-hide"),
    path("auth/token/", api_auth.TokenView.as_view(), name="auth-token"),
    path("auth/login/", api_auth.LoginView.as_view(), name="auth-login"),
    path("auth/logout/", api_auth.LogoutView.as_view(), name="auth-logout"),
    path("auth/register/", api_auth.RegisterView.as_view(), name="auth-register"),
    path("auth/me/", api_auth.MeView.as_view(), name="auth-me"),
]
