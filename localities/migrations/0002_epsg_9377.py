"""Register EPSG:9377 (MAGNA-SIRGAS / Origen-Nacional) in PostGIS.

The PostGIS 3.3 packaged for Debian 12 ships a spatial_ref_sys without EPSG:9377 (added to the EPSG
registry in 2020), so ST_Transform(geom, 9377) fails with "Cannot find SRID". Areas and metric
distances of the platform are measured in 9377. The definition is taken from the GDAL/PROJ database
installed alongside GeoDjango; an existing row is left as it is.
"""

from django.db import migrations


def add_9377(apps, schema_editor):
    from django.contrib.gis.gdal import SpatialReference

    srs = SpatialReference(9377)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text)
            VALUES (9377, 'EPSG', 9377, %s, %s)
            ON CONFLICT (srid) DO NOTHING
            """,
            [srs.wkt, srs.proj4],
        )


class Migration(migrations.Migration):
    dependencies = [("localities", "0001_initial")]

    # Not reversed: other data (reports, maps) may rely on the SRID once it exists.
    operations = [migrations.RunPython(add_9377, migrations.RunPython.noop)]
