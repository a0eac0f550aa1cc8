"""Citizen pages (mounted at / by geo.urls, before the map pages): home map, report, follow, accounts."""

from django.contrib.auth import views as auth_views
from django.urls import path, re_path, reverse_lazy
from django.views.i18n import set_language

from . import justice_views, views

# Same alphabet as reports.models.TRACKING_ALPHABET, any case.
CODE = r"(?P<code>[2-9A-HJKMNP-Za-hjkmnp-z]{10})"
# Justice request codes: J + the same alphabet (justice.models.new_request_code).
JCODE = r"(?P<code>[Jj][2-9A-HJKMNP-Za-hjkmnp-z]{10})"

urlpatterns = [
    path("", views.home, name="web-home"),
    path("reportar/", views.report_new, name="web-report"),
    re_path(rf"^reportar/listo/{CODE}/$", views.report_done, name="web-report-done"),
    path("seguimiento/", views.follow_search, name="web-follow"),
    re_path(rf"^seguimiento/{CODE}/$", views.follow_detail, name="web-follow-detail"),
    path("reportes/<int:pk>/", views.report_public, name="web-report-public"),
    path("reportes/<int:pk>/apoyar/", views.report_support, name="web-report-support"),
    path("reportes/<int:pk>/abuso/", views.report_abuse, name="web-report-abuse"),
    path("que-hago/", justice_views.guide, name="web-guide"),
    path("que-hago/<slug:code>/", justice_views.guide_detail, name="web-guide-detail"),
    path("cerca/", justice_views.nearby, name="web-nearby"),
    path("servicios/<int:pk>/", justice_views.service_detail, name="web-service"),
    path("solicitud/", justice_views.request_new, name="web-justice-request"),
    re_path(rf"^solicitud/lista/{JCODE}/$", justice_views.request_done, name="web-justice-done"),
    path("solicitud/seguimiento/", justice_views.request_track_search, name="web-justice-follow"),
    re_path(rf"^solicitud/seguimiento/{JCODE}/$", justice_views.request_track, name="web-justice-track"),
    path("cuenta/registro/", views.register, name="web-register"),
    path("cuenta/entrar/", views.LoginView.as_view(), name="web-login"),
    path("cuenta/salir/", auth_views.LogoutView.as_view(next_page="web-home"), name="web-logout"),
    path("cuenta/mis-reportes/", views.my_reports, name="web-my-reports"),
    path("cuenta/clave/", views.PasswordResetView.as_view(), name="web-password-reset"),
    path(
        "cuenta/clave/enviada/",
        auth_views.PasswordResetDoneView.as_view(template_name="web/account/password_reset_sent.html"),
        name="web-password-reset-sent",
    ),
    path(
        "cuenta/clave/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="web/account/password_reset_confirm.html",
            success_url=reverse_lazy("web-password-reset-complete"),
        ),
        name="web-password-reset-confirm",
    ),
    path(
        "cuenta/clave/lista/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="web/account/password_reset_complete.html"
        ),
        name="web-password-reset-complete",
    ),
    path("idioma/", set_language, name="web-set-language"),
    path("sw.js", views.service_worker, name="web-service-worker"),
    path("manifest.webmanifest", views.manifest, name="web-manifest"),
]
