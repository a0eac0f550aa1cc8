"""Plain-text hygiene shared by every way text enters or leaves the platform."""

import re

# Characters XML 1.0 does not allow in a document, not even as character references (§2.2, Char):
# C0 controls other than tab, newline and carriage return, lone surrogates, U+FFFE and U+FFFF.
# One of them in a description would make every XML document that lists it unparseable (Open311).
XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def strip_xml_forbidden(text: str) -> str:
    """`text` without the characters XML 1.0 forbids; everything else is kept as typed."""
    return XML_FORBIDDEN.sub("", text)
