"""Reverse image search on the web: which page of which engine to open for a picture.

A picture that is on the public web (a photo added from an http(s) URL) is searched by its
address; any other picture (a keyframe, a local file, a pasted image) is copied to the clipboard
and the engine's upload page is opened for the user to paste it into. Nothing is uploaded by the
workbench itself. No Qt here: the window opens the URL and fills the clipboard.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import quote, urlparse


@dataclass(frozen=True)
class Engine:
    key: str
    name: str
    upload_page: str  # where a pasted or uploaded picture is searched
    by_url: str  # search-by-address form; {url} is the percent-encoded picture address
    paste_hint: str  # what to do on the upload page


ENGINES: tuple[Engine, ...] = (
    Engine("google", "Google Lens", "https://lens.google.com/upload",
           "https://lens.google.com/uploadbyurl?url={url}",
           "paste it (Ctrl+V) into the Google Lens page"),
    Engine("bing", "Bing Visual Search", "https://www.bing.com/visualsearch",
           "https://www.bing.com/images/search?view=detailv2&iss=sbi&form=SBIVSP"
           "&sbisrc=UrlPaste&q=imgurl:{url}",
           "paste it (Ctrl+V) into Bing Visual Search's box"),
    Engine("yandex", "Yandex Images", "https://yandex.com/images/",
           "https://yandex.com/images/search?rpt=imageview&url={url}",
           "click the camera icon in Yandex's search box and paste it (Ctrl+V)"),
    Engine("tineye", "TinEye", "https://tineye.com/",
           "https://tineye.com/search?url={url}",
           "paste it (Ctrl+V) anywhere on the TinEye page"),
)
ENGINE_BY_KEY = {e.key: e for e in ENGINES}


@dataclass(frozen=True)
class SearchPlan:
    engine: Engine
    url: str  # the page to open
    by_url: bool  # True: the engine fetches the picture itself; False: paste it from the clipboard
    note: str  # what to tell the user


def is_public_url(url: str | None) -> bool:
    """An http(s) address a search engine can fetch: not localhost, not a private network."""
    if not url:
        return False
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return False
    host = parsed.hostname.lower()
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan")):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." in host  # a bare intranet name ("fileserver") is not on the web
    return address.is_global


def plan_search(engine_key: str, picture_url: str | None, what: str) -> SearchPlan:
    """What to open for `what` (e.g. "the keyframe at 00:00:02.419"), found at picture_url
    when it is a picture on the public web."""
    engine = ENGINE_BY_KEY[engine_key]
    if picture_url and is_public_url(picture_url):
        url = engine.by_url.format(url=quote(picture_url, safe=""))
        return SearchPlan(engine, url, True,
                          f"{engine.name} opened in your browser, searching {what} by its "
                          f"address ({picture_url}).")
    why = ""
    if picture_url:
        why = f" (its address {picture_url} is not on the public web)"
    return SearchPlan(engine, engine.upload_page, False,
                      f"{what[:1].upper()}{what[1:]} is on the clipboard{why}: "
                      f"{engine.paste_hint}.")
