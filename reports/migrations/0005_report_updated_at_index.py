"""Index on Report.updated_at for the rollup's incremental pass and the exports' data version.

Built CONCURRENTLY (hence atomic = False) so filing reports is not blocked while it builds on a
large table.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reports", "0004_moderation_redaction_abuse"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="report",
            index=models.Index(fields=["updated_at"], name="report_updated_at"),
        ),
    ]
