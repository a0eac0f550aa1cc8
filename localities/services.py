"""Writes to the territory tables."""

from django.db import connection, transaction

from .models import BoundaryVersion, LocalityPart, UpzPart

# Vertices per subdivided piece: small enough that a point-in-polygon test is cheap, large enough
# that the helper tables stay a few thousand rows for the whole city.
SUBDIVIDE_MAX_VERTICES = 64


@transaction.atomic
def boundary_parts_rebuild(*, version: BoundaryVersion) -> tuple[int, int]:
    """Refill the subdivided helper tables of `version` from its locality and UPZ polygons (EPSG:4326).

    Returns (locality parts, UPZ parts). Raw SQL because the ORM has no set-returning ST_Subdivide.
    """
    LocalityPart.objects.filter(version=version).delete()
    UpzPart.objects.filter(version=version).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO localities_localitypart (version_id, locality_id, geom)
            SELECT l.version_id, l.id, (ST_Dump(ST_Subdivide(l.geom, %s))).geom
            FROM localities_locality l WHERE l.version_id = %s
            """,
            [SUBDIVIDE_MAX_VERTICES, version.pk],
        )
        localities = cursor.rowcount
        cursor.execute(
            """
            INSERT INTO localities_upzpart (version_id, upz_id, geom)
            SELECT u.version_id, u.id, (ST_Dump(ST_Subdivide(u.geom, %s))).geom
            FROM localities_upz u WHERE u.version_id = %s
            """,
            [SUBDIVIDE_MAX_VERTICES, version.pk],
        )
        upzs = cursor.rowcount
    return localities, upzs


@transaction.atomic
def boundary_version_activate(*, version: BoundaryVersion) -> BoundaryVersion:
    """Make `version` the active boundary version (only one is active); rebuilds its EPSG:4326 parts."""
    # Switch the old one off first: a partial unique constraint allows a single active row.
    BoundaryVersion.objects.filter(active=True).exclude(pk=version.pk).update(active=False)
    boundary_parts_rebuild(version=version)
    BoundaryVersion.objects.filter(pk=version.pk).update(active=True)
    version.active = True
    return version
