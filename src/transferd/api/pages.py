"""Pages for recipients: ``/t/<short id>`` lists a transfer's files with download links,
``/t/<short id>/files/<file id>`` streams one file (HEAD and Range supported),
``/t/<short id>/download.zip`` streams them all as one zip. No API key is needed."""

from __future__ import annotations

import html
import time
from collections.abc import Iterable

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response, StreamingResponse
from starlette.routing import Route

from transferd.services.transfers import iso8601
from transferd.services.zipstream import zip_stream
from transferd.store.files import FileRecord

PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def human_size(size: int) -> str:
    """Decimal units, as people (and file managers) count: 100,000,000 bytes is "100.0 MB"."""
    if size < 1000:
        return f"{size} byte{'s' if size != 1 else ''}"
    value = float(size)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            break
    return f"{value:.1f} {unit}"


def human_time(timestamp: int) -> str:
    return time.strftime("%d %B %Y, %H:%M UTC", time.gmtime(timestamp)).lstrip("0")


def page(title: str, body: str, status_code: int = 200, refresh: int | None = None) -> HTMLResponse:
    meta = f'<meta http-equiv="refresh" content="{refresh}">' if refresh else ""
    document = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
{meta}<title>{html.escape(title)} · transferd</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 44rem; margin: 3rem auto; padding: 0 1rem; color: #1b1b1f; }}
h1 {{ font-size: 1.5rem; }} .meta {{ color: #5f6368; }}
ul.items {{ list-style: none; padding: 0; }} ul.items li {{ display: flex; justify-content: space-between;
  gap: 1rem; padding: .6rem 0; border-bottom: 1px solid #e3e3e8; }}
a.button {{ display: inline-block; margin-top: 1rem; padding: .5rem 1rem; background: #1d4ed8; color: #fff;
  border-radius: .4rem; text-decoration: none; }} .size {{ color: #5f6368; white-space: nowrap; }}
</style></head><body>{body}</body></html>"""
    return HTMLResponse(document, status_code=status_code, headers=PAGE_HEADERS)


def not_found_page() -> HTMLResponse:
    return page("Not found", "<h1>Nothing here</h1><p>This link does not lead to a transfer.</p>", 404)


def file_list(base: str, records: Iterable[FileRecord]) -> str:
    rows = "".join(
        f'<li><a href="{base}/files/{html.escape(r.id)}" download>{html.escape(r.name)}</a>'
        f'<span class="size">{human_size(r.size)}</span></li>'
        for r in records
    )
    return f'<ul class="items">{rows}</ul>'


async def transfer_page(request: Request) -> Response:
    services = request.app.state.services
    transfer = await services.transfers.store.by_short_id(request.path_params["short_id"])
    if transfer is None or transfer.state == "uploading":
        return not_found_page()
    if services.transfers.expired(transfer):
        return page("Expired", "<h1>This transfer has expired</h1><p>Its files were deleted.</p>", 410)
    base = f"/t/{transfer.short_id}"
    message = f"<p>{html.escape(transfer.message)}</p>" if transfer.message else ""
    meta = (
        f'<p class="meta">Available until <time datetime="{iso8601(transfer.expires_at)}">'
        f"{human_time(transfer.expires_at)}</time></p>"
    )
    if transfer.state != "downloadable":
        return page("Preparing", f"<h1>Preparing your files…</h1>{message}{meta}", 200, refresh=2)
    records = await services.files.for_transfer(transfer.id)
    total = human_size(sum(r.size for r in records))
    body = (
        f"<h1>You've received {len(records)} file{'s' if len(records) != 1 else ''}</h1>"
        f'<p class="meta">{total} in all</p>{message}{meta}'
        f'{file_list(base, records)}<a class="button" href="{base}/download.zip" download>Download all (zip)</a>'
    )
    return page("Your transfer", body)


async def _downloadable(request: Request) -> tuple[list[FileRecord], Response | None]:
    services = request.app.state.services
    transfer = await services.transfers.store.by_short_id(request.path_params["short_id"])
    if transfer is None or transfer.state == "uploading":
        return [], not_found_page()
    if services.transfers.expired(transfer):
        return [], page("Expired", "<h1>This transfer has expired</h1>", 410)
    if transfer.state != "downloadable":
        return [], page("Preparing", "<h1>Preparing your files…</h1>", 409, refresh=2)
    return await services.files.for_transfer(transfer.id), None


class BlobFileResponse(FileResponse):
    chunk_size = 1024 * 1024  # Starlette's 64 KiB costs a loop round-trip per 64 KiB on big files


def file_response(request: Request, record: FileRecord) -> Response:
    path = request.app.state.services.blobs.local_path(record.object_key)
    # Always a download, never rendered: an uploaded .html or .svg must not run on our origin.
    return BlobFileResponse(
        path,
        filename=record.name,
        media_type="application/octet-stream",
        headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"},
    )


async def transfer_file(request: Request) -> Response:
    records, refusal = await _downloadable(request)
    if refusal is not None:
        return refusal
    wanted = request.path_params["file_id"]
    for record in records:
        if record.id == wanted:
            return file_response(request, record)
    return not_found_page()


async def transfer_zip(request: Request) -> Response:
    records, refusal = await _downloadable(request)
    if refusal is not None:
        return refusal
    headers = {"Content-Disposition": f'attachment; filename="transfer-{request.path_params["short_id"]}.zip"'}
    if request.method == "HEAD":
        # The GET's headers, without reading every file to build an archive nobody receives.
        response = Response(media_type="application/zip", headers=headers)
        del response.headers["content-length"]  # unknown, as on the streamed GET
        return response
    blobs = request.app.state.services.blobs
    return StreamingResponse(
        zip_stream([(record.name, record.size, blobs.read(record.object_key)) for record in records]),
        media_type="application/zip",
        headers=headers,
    )


routes = [
    Route("/t/{short_id}", transfer_page, methods=["GET", "HEAD"]),
    Route("/t/{short_id}/files/{file_id}", transfer_file, methods=["GET", "HEAD"]),
    Route("/t/{short_id}/download.zip", transfer_zip, methods=["GET", "HEAD"]),
]
