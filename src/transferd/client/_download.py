"""Fetch every file of a transfer (or board) from its public page; needs no API key."""

from __future__ import annotations

import re
import time
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin

import httpx

from transferd.client.errors import TransportError, error_for

Progress = Callable[[int, int], None]


class _FileLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        href = values.get("href")
        if tag == "a" and "download" in values and href and "/files/" in href:
            self.links.append(href)


def safe_file_name(name: str, fallback: str) -> str:
    """A name that stays inside the target directory: no separators, no control characters."""
    name = name.replace("/", "").replace("\\", "").replace("\x00", "")
    name = "".join(ch for ch in name if unicodedata.category(ch) != "Cc").strip()
    return fallback if name in ("", ".", "..") else name


def _disposition_name(header: str | None) -> str | None:
    if not header:
        return None
    extended = re.search(r"filename\*=utf-8''([^;]+)", header, re.IGNORECASE)
    if extended:
        return unquote(extended.group(1))
    plain = re.search(r'filename="([^"]*)"', header)
    return plain.group(1) if plain else None


def _fetch_file(url: str, directory: Path, fallback: str, progress: Progress | None) -> Path:
    # urllib's response reads straight into our buffer: several times faster than httpx's
    # byte iterator on large files (measured in bench/transfer.py).
    if not url.startswith(("http://", "https://")):
        raise TransportError(f"refusing to fetch {url!r}")
    buffer = bytearray(1024 * 1024)
    view = memoryview(buffer)
    try:
        response = urllib.request.urlopen(url, timeout=60)  # noqa: S310 (scheme checked above)
    except urllib.error.HTTPError as exc:
        raise error_for(exc.code, f"{url} answered {exc.code}") from None
    with response:
        name = safe_file_name(_disposition_name(response.headers.get("content-disposition")) or "", fallback)
        total = int(response.headers.get("content-length") or 0)
        target = directory / name
        done = 0
        with target.open("wb") as out:
            while count := response.readinto(view):
                out.write(view[:count])
                done += count
                if progress is not None:
                    progress(done, total)
    return target


def download(
    page_url: str,
    directory: Path,
    *,
    progress: Progress | None = None,
    timeout: float = 300.0,
    http: httpx.Client | None = None,
) -> list[Path]:
    """Download every file listed on the page at ``page_url`` into ``directory``."""
    own_client = http is None
    client = http or httpx.Client(timeout=60.0, follow_redirects=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            page = client.get(page_url)
            if page.status_code != 200 or "/files/" in page.text or time.monotonic() > deadline:
                break
            time.sleep(1.0)  # the page says the files are still being prepared; it refreshes itself too
        if page.status_code != 200:
            raise error_for(page.status_code, f"{page_url} answered {page.status_code}")
        parser = _FileLinks()
        parser.feed(page.text)
        directory.mkdir(parents=True, exist_ok=True)
        saved: list[Path] = []
        for href in parser.links:
            url = urljoin(str(page.url), href)
            saved.append(_fetch_file(url, directory, href.rstrip("/").rsplit("/", 1)[-1], progress))
        return saved
    except (httpx.HTTPError, OSError) as exc:
        raise TransportError(f"download: {type(exc).__name__}: {exc}") from None
    finally:
        if own_client:
            client.close()
