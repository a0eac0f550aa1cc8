"""Staff workbench pages, mounted at /gestion/ by geo.urls."""

from django.urls import path

from . import views

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
    path("moderacion/", views.moderation, name="workbench-moderation"),
    path("moderacion/<int:pk>/", views.moderation_report, name="workbench-moderation-report"),
    path("moderacion/<int:pk>/editar/", views.moderation_redact, name="workbench-moderation-redact"),
    path("moderacion/<int:pk>/ocultar/", views.moderation_hide, name="workbench-moderation-hide"),
    path("moderacion/<int:pk>/descartar/", views.moderation_dismiss, name="workbench-moderation-dismiss"),
]
