"""Fetch every file of a transfer (or board) from its public page; needs no API key."""

from __future__ import annotations

import re
import time
import unicodedata
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
            with client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise error_for(response.status_code, f"{url} answered {response.status_code}")
                fallback = href.rstrip("/").rsplit("/", 1)[-1]
                name = safe_file_name(_disposition_name(response.headers.get("content-disposition")) or "", fallback)
                total = int(response.headers.get("content-length", "0"))
                target = directory / name
                done = 0
                with target.open("wb") as out:
                    for chunk in response.iter_bytes(1024 * 1024):
                        out.write(chunk)
                        done += len(chunk)
                        if progress is not None:
                            progress(done, total)
                saved.append(target)
        return saved
    except httpx.HTTPError as exc:
        raise TransportError(f"download: {type(exc).__name__}: {exc}") from None
    finally:
        if own_client:
            client.close()
