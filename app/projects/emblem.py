"""The programme's emblem, uploaded as SVG: parsed without entity expansion or external
references (defusedxml), rebuilt from an allowlist of drawing elements and attributes, so
no script, event handler, foreign object, style sheet or outside link survives."""

import xml.etree.ElementTree as ET  # noqa: S405 (only used to build and write; parsing is defusedxml's)

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from flask_babel import lazy_gettext as _l

from ..core.errors import DomainError

MAX_EMBLEM_BYTES = 200_000
SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"

ELEMENTS = {
    "svg",
    "g",
    "path",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "text",
    "tspan",
    "title",
    "desc",
    "defs",
    "linearGradient",
    "radialGradient",
    "stop",
    "clipPath",
}
ATTRIBUTES = {
    "id",
    "viewBox",
    "width",
    "height",
    "x",
    "y",
    "x1",
    "x2",
    "y1",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "d",
    "points",
    "transform",
    "fill",
    "fill-opacity",
    "fill-rule",
    "clip-rule",
    "clip-path",
    "stroke",
    "stroke-width",
    "stroke-opacity",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "opacity",
    "offset",
    "stop-color",
    "stop-opacity",
    "gradientUnits",
    "gradientTransform",
    "preserveAspectRatio",
    "font-family",
    "font-size",
    "font-weight",
    "text-anchor",
}


class InvalidEmblem(DomainError):
    status_code = 400
    message = _l("The emblem must be an SVG image of at most 200 kB.")


def _local(name: str) -> tuple[str, str]:
    if name.startswith("{"):
        namespace, _brace, local = name[1:].partition("}")
        return namespace, local
    return "", name


def _safe_value(value: str) -> bool:
    """No outside references: a url() may only point inside the image (url(#id))."""
    lowered = value.replace(" ", "").lower()
    if "javascript:" in lowered or "data:" in lowered:
        return False
    return all(part.startswith("#") for part in lowered.split("url(")[1:])


def _copy(source, target_parent=None):
    namespace, tag = _local(source.tag)
    if namespace != SVG or tag not in ELEMENTS:
        return None
    element = (
        ET.Element(f"{{{SVG}}}{tag}")
        if target_parent is None
        else ET.SubElement(target_parent, f"{{{SVG}}}{tag}")
    )
    for name, value in source.attrib.items():
        attr_namespace, attr = _local(name)
        if not attr_namespace and attr in ATTRIBUTES and _safe_value(value):
            element.set(attr, value)
    element.text = source.text
    for child in source:
        copied = _copy(child, element)
        if copied is not None:
            copied.tail = child.tail
    return element


def clean_svg(data: bytes) -> str:
    """The cleaned SVG document; raises InvalidEmblem for anything that is not an SVG
    image within the size limit."""
    if not data or len(data) > MAX_EMBLEM_BYTES:
        raise InvalidEmblem()
    try:
        root = fromstring(data, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException, ValueError) as error:
        raise InvalidEmblem() from error
    if _local(root.tag) != (SVG, "svg"):
        raise InvalidEmblem()
    cleaned = _copy(root)
    ET.register_namespace("", SVG)
    return ET.tostring(cleaned, encoding="unicode")
