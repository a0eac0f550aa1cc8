"""Staff workbench pages, mounted at /gestion/ by geo.urls."""

from django.urls import path

from . import justice_views, views

urlpatterns = [
    path("", views.start, name="workbench-start"),
    path("entrar/", views.SignInView.as_view(), name="workbench-login"),
    path("salir/", views.SignOutView.as_view(), name="workbench-logout"),
    path("bandeja/", views.queue, name="workbench-queue"),
    path("bandeja/csv/", views.queue_csv, name="workbench-queue-csv"),
    path("bandeja/lote/", views.queue_bulk, name="workbench-queue-bulk"),
    path("reportes/<int:pk>/", views.report_detail, name="workbench-report"),
    path("reportes/<int:pk>/estado/", views.report_transition, name="workbench-report-transition"),
    path("reportes/<int:pk>/respuesta/", views.report_respond, name="workbench-report-respond"),
    path("reportes/<int:pk>/duplicado/", views.report_duplicate, name="workbench-report-duplicate"),
    path("reportes/<int:pk>/ocultar/", views.report_hide, name="workbench-report-hide"),
    path("reportes/<int:pk>/fotos/<int:photo_pk>/", views.report_photo, name="workbench-report-photo"),
    path("justicia/", justice_views.justice_list, name="workbench-justice"),
    path("justicia/<int:pk>/", justice_views.justice_detail, name="workbench-justice-detail"),
    path("justicia/<int:pk>/estado/", justice_views.justice_step, name="workbench-justice-step"),
    path("justicia/<int:pk>/remitir/", justice_views.justice_refer, name="workbench-justice-refer"),
    path("justicia/<int:pk>/nota/", justice_views.justice_note, name="workbench-justice-note"),
    path(
        "justicia/<int:pk>/adjuntos/<int:attachment_pk>/",
        justice_views.justice_attachment,
        name="workbench-justice-attachment",
    ),
    path("moderacion/", views.moderation, name="workbench-moderation"),
    path("moderacion/<int:pk>/", views.moderation_report, name="workbench-moderation-report"),
    path("moderacion/<int:pk>/editar/", views.moderation_redact, name="workbench-moderation-redact"),
    path("moderacion/<int:pk>/ocultar/", views.moderation_hide, name="workbench-moderation-hide"),
    path("moderacion/<int:pk>/descartar/", views.moderation_dismiss, name="workbench-moderation-dismiss"),
]
