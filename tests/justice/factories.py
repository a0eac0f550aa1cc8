"""Small hand-made offices and requests on the toy territory (tests/factories.py: localities 01 and 02)."""

from geo.spatial import make_point
from justice.models import ServiceKind, ServicePoint
from justice.services import justice_request_create
from localities.models import Locality

POINT_01 = (-74.0712, 4.6234)
POINT_02 = (-74.0712, 4.5734)


def make_office(kind: str, lonlat=POINT_01, *, name=None, code=None) -> ServicePoint:
    """An office of `kind` at `lonlat` (EPSG:4326), in the toy locality holding it."""
    locality = Locality.objects.current().get(code="01" if lonlat[1] >= 4.60 else "02")
    return ServicePoint.objects.create(
        kind=kind,
        code=code or f"{kind}-{lonlat[0]}-{lonlat[1]}",
        name=name or f"{ServiceKind(kind).label} {locality.name}",
        address="KR 7 1 1",
        phone_text="3808330",
        location=make_point(*lonlat),
        locality=locality,
        dataset="manual",
    )


def make_request(locality_code="01", **extra):
    """A request created through the service, with secrets easy to look for in outputs."""
    values = {
        "attention": "medida_proteccion",
        "narrative": "RELATO-SECRETO: mi pareja me amenaza desde hace meses",
        "parties": "PARTE-SECRETA Pedro Pérez",
        "contact_email": "victima-secreta@example.com",
        "contact_phone": "3001234567",
        "preferred_channel": "email",
        "consent": True,
        "locality": Locality.objects.current().get(code=locality_code),
        **extra,
    }
    return justice_request_create(**values)
