"""Chainable filters of participation rows. The proposal's own public rule lives here, once."""

from django.db import models


class ProposalQuerySet(models.QuerySet):
    def published(self):
        """Proposals anyone may read: not hidden by moderation (a proposal's rule, not a report's)."""
        return self.exclude(hidden=True)
