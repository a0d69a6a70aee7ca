"""XMP: find the packet in a file's bytes and flatten it into prefix:name -> text.

Parsed with defusedxml, which refuses DTDs, entity expansion and external references, so a hostile
packet cannot exhaust memory or reach the network.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from verifier.media.exif import clean_text

MAX_PACKET = 4 * 1024 * 1024
MAX_VALUES = 2000

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
# Conventional prefixes, so names read the same whatever prefix the writer chose.
PREFIXES = {
    "http://ns.adobe.com/xap/1.0/": "xmp",
    "http://ns.adobe.com/xap/1.0/mm/": "xmpMM",
    "http://ns.adobe.com/xap/1.0/rights/": "xmpRights",
    "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#": "stEvt",
    "http://ns.adobe.com/xap/1.0/sType/ResourceRef#": "stRef",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://ns.adobe.com/photoshop/1.0/": "photoshop",
    "http://ns.adobe.com/tiff/1.0/": "tiff",
    "http://ns.adobe.com/exif/1.0/": "exif",
    "http://ns.adobe.com/exif/1.0/aux/": "aux",
    "http://cipa.jp/exif/1.0/": "exifEX",
    "http://ns.adobe.com/camera-raw-settings/1.0/": "crs",
    "http://ns.adobe.com/lightroom/1.0/": "lr",
    "http://ns.adobe.com/pdf/1.3/": "pdf",
    "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/": "Iptc4xmpCore",
    "http://iptc.org/std/Iptc4xmpExt/2008-02-29/": "Iptc4xmpExt",
    "http://ns.google.com/photos/1.0/camera/": "GCamera",
    "http://ns.google.com/photos/1.0/image/": "GImage",
    "http://ns.adobe.com/xmp/1.0/DynamicMedia/": "xmpDM",
    "http://ns.apple.com/ImageIO/1.0/": "iio",
    "http://ns.useplus.org/ldf/xmp/1.0/": "plus",
    "http://ns.microsoft.com/photo/1.0/": "MicrosoftPhoto",
    "http://ns.microsoft.com/photo/1.0": "MicrosoftPhoto",
    "http://ns.adobe.com/xmp/note/": "xmpNote",
    "http://ns.adobe.com/xap/1.0/g/img/": "xmpGImg",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    "adobe:ns:meta/": "x",
}

_XMLNS = re.compile(rb'xmlns:([A-Za-z_][\w.-]{0,40})\s*=\s*["\']([^"\']{1,300})["\']')
# The prefixes the packet itself declares, for namespaces not in PREFIXES.
_PREFIX_FALLBACK: ContextVar[dict[str, str] | None] = ContextVar("xmp_prefixes", default=None)

_PACKET = re.compile(
    rb"<x:xmpmeta\b.*?</x:xmpmeta>|<x:xapmeta\b.*?</x:xapmeta>|<rdf:RDF\b.*?</rdf:RDF>",
    re.DOTALL,
)


@dataclass
class XmpData:
    values: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    size: int = 0

    def get(self, *names: str) -> tuple[str, str] | None:
        """The first of names that has a value, as (name, value)."""
        for name in names:
            value = self.values.get(name)
            if value:
                return name, value
        return None

    def history_agents(self) -> list[tuple[str, str]]:
        """(name, value) of every xmpMM:History software agent and action parameter."""
        return [(k, v) for k, v in self.values.items()
                if k.startswith("xmpMM:History") and k.endswith(("stEvt:softwareAgent",))]


def _to_utf8(packet: bytes) -> bytes:
    """XMP may be UTF-16 or UTF-32 (the spec allows it); the parser below wants UTF-8."""
    head = packet[:8]
    for bom, codec in ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
                       (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le")):
        if head.startswith(bom):
            return packet.decode(codec, "replace").encode("utf-8")
    for probe, codec in ((b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
                         (b"\x00<", "utf-16-be"), (b"<\x00", "utf-16-le")):
        if head.startswith(probe):
            return packet.decode(codec, "replace").encode("utf-8")
    return packet


def find_packet(data: bytes) -> bytes | None:
    """The first XMP packet anywhere in the bytes (JPEG APP1, PNG iTXt, TIFF, WebP, MP4 uuid...)."""
    for codec in ("utf-16-be", "utf-16-le"):
        wide = "<x:xmpmeta".encode(codec)
        at = data.find(wide)
        if at >= 0 and data.find(b"<x:xmpmeta", 0, at) < 0:
            end_tag = "</x:xmpmeta>".encode(codec)
            end = data.find(end_tag, at, at + 2 * MAX_PACKET)
            if end > at:
                start = at - 1 if codec == "utf-16-be" and at > 0 else at
                return data[start : end + len(end_tag)].decode(codec, "replace").encode("utf-8")
    start = data.find(b"<x:xmpmeta")
    if start < 0:
        start = data.find(b"<x:xapmeta")
    if start < 0:
        start = data.find(b"<rdf:RDF")
    if start < 0:
        return None
    m = _PACKET.match(data, start, min(len(data), start + MAX_PACKET))
    return m.group(0) if m else None


def parse(packet: bytes | str | None) -> XmpData:
    out = XmpData()
    if not packet:
        return out
    if isinstance(packet, str):
        packet = packet.encode("utf-8", "replace")
    packet = _to_utf8(packet)
    out.size = len(packet)
    if len(packet) > MAX_PACKET:
        out.problems.append(f"XMP packet too large to read ({len(packet)} bytes)")
        return out
    packet = packet.strip(b"\x00 \r\n\t")
    # Packets embedded with <?xpacket?> wrappers or trailing padding parse once cut to the root.
    m = _PACKET.search(packet)
    if m:
        packet = m.group(0)
    try:
        root = SafeET.fromstring(packet)
    except DefusedXmlException as exc:
        out.problems.append(f"XMP refused: it uses DTDs or entities ({type(exc).__name__})")
        return out
    except Exception as exc:  # ParseError, ValueError from malformed bytes
        out.problems.append(f"XMP could not be parsed ({clean_text(exc, 200)})")
        return out
    declared = {m.group(2).decode("utf-8", "replace"): m.group(1).decode("ascii")
                for m in _XMLNS.finditer(packet[:65536])}
    token = _PREFIX_FALLBACK.set(declared)
    try:
        for desc in root.iter(f"{{{RDF}}}Description"):
            if len(out.values) >= MAX_VALUES:
                out.problems.append(f"XMP has more than {MAX_VALUES} values; the rest are "
                                    "omitted")
                break
            _walk_description(desc, "", out)
    finally:
        _PREFIX_FALLBACK.reset(token)
    return out


def _qname(tag: str) -> str:
    if tag.startswith("{"):
        uri, _, local = tag[1:].partition("}")
        prefix = PREFIXES.get(uri) or (_PREFIX_FALLBACK.get() or {}).get(uri)
        if prefix is None:
            prefix = re.sub(r"\W+", "_", uri.rstrip("/#").rsplit("/", 1)[-1]) or "ns"
        return f"{prefix}:{local}"
    return tag


def _put(out: XmpData, name: str, value: str) -> None:
    text = clean_text(value)
    if text and len(out.values) < MAX_VALUES and name not in out.values:
        out.values[name] = text


def _walk_description(desc: Element, base: str, out: XmpData) -> None:
    for attr, value in desc.attrib.items():
        if attr.startswith(f"{{{RDF}}}") or attr == "about":
            continue
        _put(out, base + _qname(attr), value)
    for child in desc:
        _walk_property(child, base + _qname(child.tag), out, depth=0)


def _walk_property(elem: Element, name: str, out: XmpData, depth: int) -> None:
    if depth > 8 or len(out.values) >= MAX_VALUES:
        return
    resource = elem.get(f"{{{RDF}}}resource")
    if resource is not None:
        _put(out, name, resource)
        return
    children = list(elem)
    if not children:
        if elem.attrib and any(not a.startswith(f"{{{RDF}}}") for a in elem.attrib):
            _walk_description(elem, name + "/", out)  # a struct written as attributes
        else:
            _put(out, name, elem.text or "")
        return
    for child in children:
        tag = child.tag
        if tag in (f"{{{RDF}}}Seq", f"{{{RDF}}}Bag", f"{{{RDF}}}Alt"):
            items = list(child)
            simple = [li.text or "" for li in items
                      if not list(li) and not any(not a.startswith(f"{{{RDF}}}")
                                                  and a != "{http://www.w3.org/XML/1998/namespace}lang"
                                                  for a in li.attrib)]
            if len(simple) == len(items):
                _put(out, name, "; ".join(s.strip() for s in simple if s.strip()))
            else:
                for i, li in enumerate(items, 1):
                    _walk_struct(li, f"{name}[{i}]/", out, depth + 1)
        elif tag == f"{{{RDF}}}Description":
            _walk_description(child, name + "/", out)
        else:
            _walk_property(child, f"{name}/{_qname(tag)}", out, depth + 1)


def _walk_struct(li: Element, base: str, out: XmpData, depth: int) -> None:
    for attr, value in li.attrib.items():
        if not attr.startswith(f"{{{RDF}}}"):
            _put(out, base + _qname(attr), value)
    for child in li:
        if child.tag == f"{{{RDF}}}Description":
            _walk_description(child, base, out)
        else:
            _walk_property(child, base + _qname(child.tag), out, depth + 1)
