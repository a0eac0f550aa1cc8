"""Thin DRF views of the reports API: input serializer → service/selector → output serializer.

public.py: categories, public GeoJSON list, creation, nearby, reporter tracking view, supports.
staff.py: the staff workbench. auth.py: tokens, session login/logout, citizen sign-up.
"""

from . import schema  # noqa: E402,F401  (registers the OpenAPI extensions)
