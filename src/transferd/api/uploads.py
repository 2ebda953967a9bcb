"""``PUT /upload/{file_id}/{part}?expires=…&signature=…``: the pre-signed part upload.

Not an API route: no API key, no token, any Content-Type or none (every SDK sends a different
one). The signature is the credential. Answers exactly 200 with an ``ETag`` and an empty body.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from transferd.api.http import timed_stream
from transferd.errors import UploadUrlRejected


async def put_part(request: Request) -> Response:
    services = request.app.state.services
    file_id: str = request.path_params["file_id"]
    raw_part: str = request.path_params["part_number"]
    if not raw_part.isascii() or not raw_part.isdigit() or len(raw_part) > 5:
        raise UploadUrlRejected()
    part_number = int(raw_part)
    query = request.query_params
    api_key_id = query.get("key")
    services.uploads.check_signature(file_id, part_number, api_key_id, query.get("expires"), query.get("signature"))
    record = await services.uploads.target(file_id, part_number, api_key_id)
    declared = request.headers.get("content-length")
    length = int(declared) if declared is not None and declared.isdigit() else None
    body = timed_stream(request, services.settings.body_read_timeout_seconds)
    stored = await services.uploads.receive_part(record, part_number, body, length, api_key_id)
    return Response(b"", status_code=200, headers={"ETag": f'"{stored.etag}"'})


routes = [Route("/upload/{file_id}/{part_number}", put_part, methods=["PUT"])]
