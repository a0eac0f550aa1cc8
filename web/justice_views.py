"""Access-to-justice pages (issue 11): the "¿Qué hago si…?" guide, "Cerca de mí", a service's page and the
virtual justice request (form, done page with its code, tracking).

Thin views over justice.procedures, justice.selectors and justice.services. Every page works as plain
HTML; nearby.js adds the browser's location and a map, justice_done.js the copy button.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from geo.spatial import make_point
from justice import selectors as justice_selectors
from justice.api.requests import JusticeRequestThrottle
from justice.models import ServiceKind, ServicePoint
from justice.parsing import is_open
from justice.procedures import procedure_get, procedure_localized, procedure_search
from justice.services import justice_request_create
from localities.selectors import locate_point

from . import selectors
from .justice_forms import NEAREST_SHOWN, JusticeRequestForm, JusticeTrackingForm, NearbyForm
from .views import _throttle_wait, _too_many, _track_wait

BOGOTA = ZoneInfo("America/Bogota")
SESSION_KEYS = "web_justice_keys"  # form_key -> tracking code, so a resent form does not file twice
KIND_LABELS = dict(ServiceKind.choices)


def _open_now(service: ServicePoint) -> bool | None:
    return is_open(service.schedule, timezone.now().astimezone(BOGOTA))


def guide(request):
    q = request.GET.get("q", "")[:100]
    procedures = [procedure_localized(p) for p in procedure_search(q=q)]
    return render(request, "web/justice/guide.html", {"q": q, "procedures": procedures})


def guide_detail(request, code):
    procedure = procedure_get(code)
    if procedure is None:
        raise Http404(_("Esa situación no está en la guía."))
    procedure = procedure_localized(procedure)
    institutions = [
        {**i, "label": KIND_LABELS.get(i.get("service_kind"), "")} for i in procedure["institutions"]
    ]
    context = {"p": procedure, "institutions": institutions}
    return render(request, "web/justice/guide_detail.html", context)


@dataclass
class NearbyAnswer:
    where: str
    services: list
    quadrant: object | None


def _nearby_answer(form: NearbyForm) -> NearbyAnswer | None:
    """The nearest services and police quadrant of the place the form names, or None (with a form error)."""
    data = form.cleaned_data
    if data.get("lat") is not None:
        point = make_point(data["lon"], data["lat"])
        location = locate_point(point)
        if location is None:
            form.add_error("upz", _("Su ubicación está fuera de Bogotá. Elija una UPZ de la lista."))
            return None
        where = _("su ubicación, en %(l)s") % {"l": location.locality.name}
    elif data.get("upz"):
        point = selectors.upz_point(data["upz"])
        if point is None:
            form.add_error("upz", _("Esa UPZ no existe. Elija una de la lista."))
            return None
        names = dict(name for _group, choices in selectors.upz_choices() for name in choices)
        where = _("la UPZ %(u)s") % {"u": names.get(data["upz"], data["upz"])}
    else:
        return None
    services = justice_selectors.service_nearest(
        point=point, kind=data.get("tipo") or None, limit=NEAREST_SHOWN
    )
    for service in services:
        service.open_now = _open_now(service)
    return NearbyAnswer(where=where, services=services, quadrant=justice_selectors.quadrant_at(point=point))


def nearby(request):
    form = NearbyForm(request.GET or None)
    answer = _nearby_answer(form) if form.is_valid() else None
    points = [
        {"id": s.pk, "name": s.name, "kind": s.get_kind_display(), "lon": s.location.x, "lat": s.location.y}
        for s in (answer.services if answer else [])
    ]
    context = {
        "form": form,
        "answer": answer,
        "page_config": {"basemap": settings.BASEMAP_URL, "points": points, "messages": _nearby_messages()},
    }
    return render(request, "web/justice/nearby.html", context, status=400 if form.errors else 200)


def _nearby_messages() -> dict[str, str]:
    """Texts of static/web/js/nearby.js in the page's language."""
    return {
        "use_location": _("Usar mi ubicación"),
        "locating": _("Buscando su ubicación…"),
        "no_gps": _("Este navegador no puede dar su ubicación. Elija su UPZ de la lista."),
        "denied": _("No se obtuvo su ubicación (permiso negado o sin señal). Elija su UPZ de la lista."),
        "map_label": _("Mapa de los servicios de la lista"),
    }


def service_detail(request, pk):
    service = justice_selectors.service_get(pk=pk)
    if service is None:
        raise Http404(_("No existe un servicio con ese número."))
    directions = request.GET.get("como_llegar") == "1"
    context = {
        "service": service,
        "open_now": _open_now(service),
        "directions": directions,
        "directions_url": f"https://www.openstreetmap.org/directions?to={service.location.y:.5f}%2C{service.location.x:.5f}",
    }
    return render(request, "web/justice/service.html", context)


def request_new(request):
    if request.method == "POST":
        wait = _throttle_wait(request, JusticeRequestThrottle)
        if wait:
            return _too_many(request, wait)
        form = JusticeRequestForm(request.POST, request.FILES)
        done = request.session.get(SESSION_KEYS, {})
        key = request.POST.get("form_key", "")
        if key and key in done:
            return redirect("web-justice-done", code=done[key])
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = justice_request_create(
                    attention=data["attention"],
                    situation=data["situation"],
                    narrative=data["narrative"],
                    parties=data["parties"],
                    contact_name=data["contact_name"],
                    contact_email=data["contact_email"],
                    contact_phone=data["contact_phone"],
                    preferred_channel=data["preferred_channel"],
                    preferred_times=data["preferred_times"],
                    consent=data["consent"],
                    locality=form.locality_object(),
                    requester=request.user,
                    attachments=data["attachments"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                if key:
                    request.session[SESSION_KEYS] = {**done, key: created.tracking_code}
                return redirect("web-justice-done", code=created.tracking_code)
    else:
        situation = procedure_get(request.GET.get("situacion", ""))
        initial = {"form_key": uuid.uuid4().hex}
        if situation and situation.get("attention"):
            initial.update(situation=situation["code"], attention=situation["attention"])
        form = JusticeRequestForm(initial=initial)
    return render(request, "web/justice/request.html", {"form": form}, status=400 if form.errors else 200)


def request_done(request, code):
    if wait := _track_wait(request):
        return _too_many(request, wait)
    found = justice_selectors.justice_request_by_code(code=code)
    if found is None:
        raise Http404(_("No existe una solicitud con ese código."))
    return render(request, "web/justice/request_done.html", {"jr": found})


def request_track_search(request):
    form = JusticeTrackingForm(request.GET or None)
    if form.is_valid():
        if wait := _track_wait(request):
            return _too_many(request, wait)
        code = form.cleaned_data["code"]
        if justice_selectors.justice_request_by_code(code=code) is not None:
            return redirect("web-justice-track", code=code)
        form.add_error(
            "code", _("No encontramos una solicitud con ese código. Revise la J y los 10 caracteres.")
        )
    return render(
        request, "web/justice/track_search.html", {"form": form}, status=404 if form.errors else 200
    )


def request_track(request, code):
    if wait := _track_wait(request):
        return _too_many(request, wait)
    found = justice_selectors.justice_request_by_code(code=code)
    if found is None:
        raise Http404(_("No existe una solicitud con ese código."))
    steps = sorted(found.history.all(), key=lambda s: (s.created_at, s.pk))
    situation = procedure_get(found.situation) if found.situation else None
    situation = procedure_localized(situation) if situation else None
    return render(request, "web/justice/track.html", {"jr": found, "steps": steps, "situation": situation})
