"""What the drawing map (participation/static/participation/js/draw.js) says aloud, translated here:
the ES module has no catalogue of its own. Pages pass the result to `json_script` as "draw-messages"."""

from django.utils.translation import gettext as _


def draw_messages(*, ready: str, point: str) -> dict[str, str]:
    """The shared messages plus the page's own: `ready` once an area is closed, `point` once a point
    is set (it may name %(lat)s and %(lon)s)."""
    return {
        "corner": _("Esquinas marcadas: %(n)s."),
        "few": _("Marque al menos 3 esquinas en el mapa."),
        "one": _("Marque un solo sitio en el mapa para usarlo como punto."),
        "cleared": _("Borrado."),
        "ready": ready,
        "point": point,
    }
