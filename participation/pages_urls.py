"""Pages of the planning loop (mounted at / by geo.urls): proposals, sessions, accountability, pulse,
and the staff pages under /gestion/consejos/."""

from django.urls import path, re_path

from . import staff_views, views

urlpatterns = [
    path("propuestas/", views.proposal_list, name="participation-proposals"),
    path("propuestas/nueva/", views.proposal_new, name="participation-proposal-new"),
    path("propuestas/<int:pk>/", views.proposal_detail, name="participation-proposal"),
    path("propuestas/<int:pk>/apoyar/", views.proposal_support, name="participation-proposal-support"),
    path("propuestas/<int:pk>/retirar/", views.proposal_withdraw, name="participation-proposal-withdraw"),
    path("propuestas/<int:pk>/moderar/", views.proposal_moderate, name="participation-proposal-moderate"),
    path("consejos/sesiones/<int:pk>/", views.session_public, name="participation-session"),
    path(
        "consejos/sesiones/<int:pk>/inscribirme/",
        views.session_register,
        name="participation-session-register",
    ),
    path("rendicion/", views.accountability_city, name="participation-accountability"),
    re_path(
        r"^rendicion/(?P<code>\d{2})/$",
        views.accountability_locality,
        name="participation-accountability-locality",
    ),
    path("percepcion/", views.pulse, name="participation-pulse"),
    path("gestion/consejos/", staff_views.staff_sessions, name="participation-staff-sessions"),
    path(
        "gestion/consejos/sesiones/<int:pk>/", staff_views.staff_session, name="participation-staff-session"
    ),
    path(
        "gestion/consejos/compromisos/<int:pk>/",
        staff_views.staff_commitment,
        name="participation-staff-commitment",
    ),
]
