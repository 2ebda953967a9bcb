"""End to end: the official, unmodified ``@wetransfer/js-sdk`` 1.2.0 against a real ``transferd serve``.

``tests/e2e/js/drive.js`` runs one SDK scenario (authorize, transfer with content, manual transfer,
board) against the ``server`` fixture and prints the SDK's view of the result as JSON. These tests
check that result against the v2 contract, then fetch the public page (``/t/<short>`` or
``/b/<short>``), follow its download links and compare the bytes with what the SDK uploaded.

Needs ``node`` and the SDK installed in ``tests/e2e/js`` (see its README). Without them the tests
are skipped, except when ``CI`` is set: there a missing SDK is a failure.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import httpx
import pytest

from tests.conftest import Server

pytestmark = pytest.mark.e2e

JS_DIR = Path(__file__).resolve().parent / "js"
DRIVER = JS_DIR / "drive.js"
SDK_PACKAGE_JSON = JS_DIR / "node_modules" / "@wetransfer" / "js-sdk" / "package.json"
SDK_VERSION = "1.2.0"
INSTALL_COMMAND = "cd tests/e2e/js && npm install --no-audit --no-fund --no-package-lock"

MIB = 1024 * 1024
TRANSFER_CHUNK = 5 * MIB  # 5242880, the transfer part size of the contract
BOARD_CHUNK = 6 * MIB  # 6291456, the board part size of the contract
DRIVER_TIMEOUT = 180.0  # seconds for one drive.js run; its own watchdog fires 30 s earlier
DOWNLOAD_DEADLINE = 60.0  # seconds for a finalized transfer to become downloadable
PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


# --- prerequisites ---------------------------------------------------------------------------


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def js_sdk_problem() -> tuple[str | None, str]:
    """Why the JS SDK cannot run here (or None), and the node executable."""
    node = shutil.which("node")
    if node is None:
        return "node is not on PATH; the JS SDK end-to-end tests need Node.js", ""
    if not SDK_PACKAGE_JSON.is_file():
        return f"@wetransfer/js-sdk is not installed in tests/e2e/js; run `{INSTALL_COMMAND}`", node
    installed = json.loads(SDK_PACKAGE_JSON.read_text(encoding="utf-8")).get("version")
    if installed != SDK_VERSION:
        return (
            f"tests/e2e/js has @wetransfer/js-sdk {installed}, not the pinned {SDK_VERSION}; run `{INSTALL_COMMAND}`"
        ), node
    return None, node


@pytest.fixture(scope="module")
def node() -> str:
    """The node executable, once the pinned SDK is known to be installed: skip, or fail under CI."""
    problem, executable = js_sdk_problem()
    if problem is not None:
        if in_ci():
            pytest.fail(f"{problem} (CI is set, so this is a failure, not a skip)", pytrace=False)
        pytest.skip(problem)
    return executable


# --- running the driver ------------------------------------------------------------------------


def server_log_tail(server: Server, lines: int = 40) -> str:
    log = server.log_path
    if not log.is_file():
        return ""
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def run_driver(node: str, server: Server, scenario: str, *files: Path) -> dict[str, Any]:
    """Run ``drive.js <scenario> <files>`` against ``server``; fail the test with the SDK's error text."""
    assert server.first_key, "the server fixture printed no API key"
    env = {
        name: value
        for name, value in os.environ.items()
        if name.lower() not in PROXY_VARIABLES and not name.startswith(("TRANSFERD_", "DRIVE_"))
    }
    env.update(
        TRANSFERD_URL=server.base_url,
        TRANSFERD_API_KEY=server.first_key,
        DRIVE_TIMEOUT_MS=str(int((DRIVER_TIMEOUT - 30) * 1000)),
    )
    command = [node, str(DRIVER), scenario, *(str(path) for path in files)]
    try:
        completed = subprocess.run(command, cwd=JS_DIR, env=env, capture_output=True, text=True, timeout=DRIVER_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"drive.js {scenario} did not finish within {DRIVER_TIMEOUT}s: {exc}", pytrace=False)
    if completed.returncode != 0:
        log = server_log_tail(server)
        pytest.fail(
            f"drive.js {scenario} exited with {completed.returncode}\n{completed.stderr.strip()}"
            + (f"\n--- stdout ---\n{completed.stdout.strip()[-2000:]}" if completed.stdout.strip() else "")
            + (f"\n--- server log (tail) ---\n{log}" if log else ""),
            pytrace=False,
        )
    lines = [line for line in completed.stdout.splitlines() if line.strip()]
    assert lines, f"drive.js {scenario} printed nothing; stderr: {completed.stderr}"
    result = json.loads(lines[-1])
    assert isinstance(result, dict)
    assert result["scenario"] == scenario
    assert result["sdk_version"] == SDK_VERSION
    return result


# --- files, HTTP and contract helpers ----------------------------------------------------------


def random_file(directory: Path, name: str, size: int) -> Path:
    path = directory / name
    path.write_bytes(os.urandom(size))
    return path


def http_client() -> httpx.Client:
    return httpx.Client(trust_env=False, follow_redirects=True, timeout=30.0)


def api_headers(server: Server, token: str | None = None) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "x-api-key": server.first_key}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def authorize(client: httpx.Client, server: Server) -> str:
    response = client.post(f"{server.base_url}/v2/authorize", headers=api_headers(server))
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def decode_segment(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def expected_multipart(size: int, nominal: int) -> dict[str, int]:
    return {"part_numbers": math.ceil(size / nominal), "chunk_size": min(size, nominal)}


def check_public_url(url: object, server: Server, kind: str) -> str:
    assert isinstance(url, str), f"expected a {kind}/ page URL, got {url!r}"
    pattern = re.escape(server.base_url) + rf"/{kind}/[A-Za-z0-9_-]+"
    assert re.fullmatch(pattern, url), f"expected {server.base_url}/{kind}/<short id>, got {url!r}"
    return url


def check_files(files: object, sent: list[Path], nominal: int) -> list[dict[str, Any]]:
    """Files as the SDK saw them: request order, names, sizes and the multipart split of the contract."""
    assert isinstance(files, list), files
    assert [(f["name"], f["size"]) for f in files] == [(p.name, p.stat().st_size) for p in sent]
    for file in files:
        assert isinstance(file["id"], str) and file["id"], file
        assert file["type"] == "file", file
        multipart = file["multipart"]
        actual = {"part_numbers": multipart["part_numbers"], "chunk_size": multipart["chunk_size"]}
        assert actual == expected_multipart(file["size"], nominal), file
    return files


def check_transfer(transfer: dict[str, Any], server: Server, sent: list[Path], states: set[str]) -> None:
    """A transfer as drive.js printed it (the SDK's RemoteTransfer)."""
    assert isinstance(transfer["id"], str) and transfer["id"], transfer
    assert transfer["state"] in states, transfer
    assert isinstance(transfer["message"], str), transfer
    expires_at = transfer["expires_at"]
    assert isinstance(expires_at, str), f"the SDK could not parse expires_at: {transfer}"
    lifetime = datetime.fromisoformat(expires_at.replace("Z", "+00:00")) - datetime.now(UTC)
    assert abs(lifetime - timedelta(days=7)) < timedelta(minutes=10), expires_at
    if "uploading" in states:
        assert transfer["url"] is None, transfer
    else:
        check_public_url(transfer["url"], server, "t")
    check_files(transfer["files"], sent, TRANSFER_CHUNK)


def wait_until_downloadable(client: httpx.Client, server: Server, transfer_id: str) -> None:
    token = authorize(client, server)
    deadline = time.monotonic() + DOWNLOAD_DEADLINE
    while True:
        response = client.get(f"{server.base_url}/v2/transfers/{transfer_id}", headers=api_headers(server, token))
        assert response.status_code == 200, response.text
        state = response.json()["state"]
        if state == "downloadable":
            return
        assert state == "processing", response.text
        if time.monotonic() > deadline:
            pytest.fail(f"transfer {transfer_id} still {state!r} after {DOWNLOAD_DEADLINE}s", pytrace=False)
        time.sleep(0.2)


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.anchors.append(dict(attrs))


def download_links(page_url: str, html: str) -> list[str]:
    """Absolute URLs of the page's download anchors: ``<a download>`` or an href under ``<page>/files/``."""
    parser = _Anchors()
    parser.feed(html)
    parser.close()
    files_prefix = urlsplit(page_url).path.rstrip("/") + "/files/"
    links: list[str] = []
    for attrs in parser.anchors:
        href = attrs.get("href")
        if not href:
            continue
        absolute = urljoin(page_url, href)
        if ("download" in attrs or urlsplit(absolute).path.startswith(files_prefix)) and absolute not in links:
            links.append(absolute)
    return links


def attachment_name(content_disposition: str | None) -> str | None:
    if not content_disposition:
        return None
    extended = re.search(r"filename\*\s*=\s*[^']*'[^']*'([^;]+)", content_disposition, re.IGNORECASE)
    if extended:
        return unquote(extended.group(1).strip())
    plain = re.search(r'filename\s*=\s*"((?:[^"\\]|\\.)*)"|filename\s*=\s*([^;]+)', content_disposition, re.I)
    if plain:
        return plain.group(1) if plain.group(1) is not None else plain.group(2).strip()
    return None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download_from_page(client: httpx.Client, page_url: str, sent: list[Path]) -> None:
    """Fetch the page, follow every download link and find each sent file's exact bytes among them.

    Polls until the deadline, since files may show up on the page shortly after upload-complete."""
    expected = {path.name: sha256(path.read_bytes()) for path in sent}
    deadline = time.monotonic() + DOWNLOAD_DEADLINE
    while True:
        problem = _try_download(client, page_url, expected)
        if problem is None:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"downloading from {page_url}: {problem}", pytrace=False)
        time.sleep(0.5)


def _try_download(client: httpx.Client, page_url: str, expected: dict[str, str]) -> str | None:
    page = client.get(page_url)
    if page.status_code != 200:
        return f"GET {page_url} -> {page.status_code}: {page.text[:300]}"
    if "html" not in page.headers.get("content-type", ""):
        return f"GET {page_url} is {page.headers.get('content-type')!r}, not an HTML page"
    links = download_links(str(page.url), page.text)
    if not links:
        return f"the page has no download links (<a download> or .../files/...):\n{page.text[:1500]}"
    found: dict[str, tuple[str, str | None]] = {}  # digest -> (link, attachment name)
    report: list[str] = []
    for link in links:
        response = client.get(link)
        report.append(f"{link} -> {response.status_code}, {len(response.content)} bytes")
        if response.status_code == 200:
            disposition = attachment_name(response.headers.get("content-disposition"))
            found.setdefault(sha256(response.content), (link, disposition))
    missing = [name for name, digest in expected.items() if digest not in found]
    if missing:
        return f"no link served the exact bytes of {missing}; links:\n  " + "\n  ".join(report)
    for name, digest in expected.items():
        link, disposition = found[digest]
        assert disposition in (None, name), f"{link} serves {name}'s bytes as {disposition!r}"
    return None


def transfer_files(tmp_path: Path) -> list[Path]:
    """A small file and one of more than 12 MiB (3 parts of 5 MiB, the last one short)."""
    return [
        random_file(tmp_path, "small.bin", 2 * 1024),
        random_file(tmp_path, "large.bin", 13 * MIB + 123),
    ]


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with http_client() as opened:
        yield opened


# --- the tests ---------------------------------------------------------------------------------


def test_authorize_returns_a_jwt(node: str, server: Server, client: httpx.Client) -> None:
    result = run_driver(node, server, "authorize")
    assert result["success"] is True, result
    token = result["token"]
    assert isinstance(token, str)
    segments = token.split(".")
    assert len(segments) == 3 and all(segments), token
    header = decode_segment(segments[0])
    assert isinstance(header, dict) and header.get("alg") not in (None, "none"), header
    assert isinstance(decode_segment(segments[1]), dict)
    # This token came from the SDK's second authorize, sent with the first token as a Bearer header
    # (BL-14); it must open guarded routes: an unknown transfer is a 404, not a 401/403.
    response = client.get(f"{server.base_url}/v2/transfers/not-a-transfer", headers=api_headers(server, token))
    assert response.status_code == 404, response.text
    assert response.json()["success"] is False


def test_transfer_with_content_uploads_finalizes_and_downloads(
    node: str, server: Server, client: httpx.Client, tmp_path: Path
) -> None:
    sent = transfer_files(tmp_path)
    result = run_driver(node, server, "transfer-content", *sent)

    finalized = result["finalized"]  # what transfer.create returned: the finalize response
    check_transfer(finalized, server, sent, {"processing", "downloadable"})
    check_transfer(result, server, sent, {"processing", "downloadable"})  # transfer.find afterwards
    assert result["id"] == finalized["id"]
    assert result["url"] == finalized["url"]
    assert [f["id"] for f in result["files"]] == [f["id"] for f in finalized["files"]]

    wait_until_downloadable(client, server, result["id"])
    download_from_page(client, result["url"], sent)


def test_transfer_manual_flow_uploads_finalizes_and_downloads(
    node: str, server: Server, client: httpx.Client, tmp_path: Path
) -> None:
    sent = transfer_files(tmp_path)
    result = run_driver(node, server, "transfer-manual", *sent)

    created = result["created"]
    check_transfer(created, server, sent, {"uploading"})
    parts = {f["name"]: f["multipart"]["part_numbers"] for f in created["files"]}
    sizes = {path.name: path.stat().st_size for path in sent}
    uploads = result["uploads"]
    assert [(u["file"], u["part"]) for u in uploads] == [
        (name, part) for name in parts for part in range(1, parts[name] + 1)
    ]
    for upload in uploads:
        target = urlsplit(upload["url"])
        assert target.scheme in {"http", "https"} and target.netloc, f"not an absolute URL: {upload}"
        assert upload["status"] == 200, upload
        last = upload["part"] == parts[upload["file"]]
        size = sizes[upload["file"]]
        assert upload["bytes"] == (size - (upload["part"] - 1) * TRANSFER_CHUNK if last else TRANSFER_CHUNK)
    assert [c["file"] for c in result["completed"]] == [path.name for path in sent]
    assert all(isinstance(c["response"], dict) for c in result["completed"]), result["completed"]

    finalized = result["finalized"]
    check_transfer(finalized, server, sent, {"processing", "downloadable"})
    check_transfer(result, server, sent, {"processing", "downloadable"})
    assert result["id"] == created["id"] == finalized["id"]
    assert result["url"] == finalized["url"]

    wait_until_downloadable(client, server, result["id"])
    download_from_page(client, result["url"], sent)


def test_board_with_links_and_file_downloads(node: str, server: Server, client: httpx.Client, tmp_path: Path) -> None:
    sent = [random_file(tmp_path, "board.bin", 6 * MIB + 1000)]  # 2 parts of 6 MiB, the last one short
    result = run_driver(node, server, "board", *sent)

    created = result["created"]
    assert isinstance(created["id"], str) and created["id"], created
    url = check_public_url(created["url"], server, "b")  # a board has its page from the start
    assert created["items"] == []
    assert created["name"] == "transferd e2e board"
    assert created["description"] == "made by tests/e2e/js/drive.js"

    links = result["links"]
    assert [(link["url"], link["meta"]["title"], link["type"]) for link in links] == [
        ("https://example.com/first", "First link", "link"),
        ("https://example.org/second", "https://example.org/second", "link"),  # the SDK's default title
    ]
    assert all(isinstance(link["id"], str) and link["id"] for link in links), links

    added = check_files(result["files"], sent, BOARD_CHUNK)
    assert added[0]["multipart"]["part_numbers"] == 2
    assert isinstance(added[0]["multipart"].get("id"), str) and added[0]["multipart"]["id"], added

    assert result["id"] == created["id"]  # board.find afterwards
    assert result["url"] == url
    assert result["name"] == created["name"]
    items = result["items"]
    assert None not in items, f"an item without type file/link: {items}"
    assert sorted(item["id"] for item in items) == sorted([link["id"] for link in links] + [added[0]["id"]])
    found_links = {item["id"]: item for item in items if item["type"] == "link"}
    assert {i: (f["url"], f["meta"]["title"]) for i, f in found_links.items()} == {
        link["id"]: (link["url"], link["meta"]["title"]) for link in links
    }
    found_files = [item for item in items if item["type"] == "file"]
    assert [(f["id"], f["name"], f["size"]) for f in found_files] == [
        (added[0]["id"], "board.bin", sent[0].stat().st_size)
    ]

    download_from_page(client, url, sent)
