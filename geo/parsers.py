"""Request parsers of the API (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]).

JSON and urlencoded bodies are screened by geo.middleware.InputGuardMiddleware before any view runs;
multipart bodies cannot be (their files are streamed to disk as the view reads them), so their text
fields are screened here, once parsed.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from .middleware import NUL, NUL_MESSAGE

JSONParser = parsers.JSONParser
FormParser = parsers.FormParser


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, refusing (400) a NUL character in any text field or field name."""

    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        for key, values in result.data.lists():
            if NUL in key or any(isinstance(v, str) and NUL in v for v in values):
                raise ParseError(NUL_MESSAGE)
        return result
