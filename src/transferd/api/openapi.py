"""The OpenAPI 3.1 document of the API, written by hand and served at ``/openapi.json``.

``tests/api/test_openapi.py`` checks it against the app's routes, so the two cannot drift.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from transferd import __version__
from transferd.api.http import json_response


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERROR = _json(_ref("Error"), "Error")
_GUARD_ERRORS = {
    "401": _json(_ref("Error"), "Missing API key, or missing, invalid or expired token (WWW-Authenticate: Bearer)"),
    "403": _json(_ref("Error"), "Malformed, unknown or revoked API key, or a token issued for another key"),
    "415": _json(_ref("Error"), "Content-Type is not application/json"),
}
_GUARDED: list[dict[str, list[str]]] = [{"apiKey": [], "bearer": []}]
_PATH_TRANSFER = {"name": "transfer_id", "in": "path", "required": True, "schema": {"type": "string"}}
_PATH_BOARD = {"name": "board_id", "in": "path", "required": True, "schema": {"type": "string"}}
_PATH_FILE = {"name": "file_id", "in": "path", "required": True, "schema": {"type": "string"}}
_PATH_PART = {"name": "part_number", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
_PATH_MULTIPART = {"name": "multipart_id", "in": "path", "required": True, "schema": {"type": "string"}}
_FILE_SPECS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["name", "size"],
        "properties": {"name": {"type": "string", "maxLength": 255}, "size": {"type": "integer", "minimum": 1}},
    },
}


def _op(
    summary: str,
    responses: dict[str, Any],
    *,
    body: dict[str, Any] | None = None,
    guarded: bool = True,
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "responses": {**responses, **(_GUARD_ERRORS if guarded else {})}}
    if guarded:
        operation["security"] = _GUARDED
    if body is not None:
        operation["requestBody"] = {"required": False, "content": {"application/json": {"schema": body}}}
    if parameters:
        operation["parameters"] = parameters
    return operation


DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "transferd — WeTransfer Public API v2 compatible",
        "version": __version__,
        "description": "Every /v2 request needs `Content-Type: application/json` and `x-api-key`; every one "
        "but authorize also needs `Authorization: Bearer <JWT>` from POST /v2/authorize.",
    },
    "components": {
        "securitySchemes": {
            "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["success", "message"],
                "properties": {"success": {"const": False}, "message": {"type": "string"}},
            },
            "Multipart": {
                "type": "object",
                "required": ["part_numbers", "chunk_size"],
                "properties": {
                    "id": {"type": "string"},
                    "part_numbers": {"type": "integer"},
                    "chunk_size": {"type": "integer"},
                },
                "additionalProperties": False,
            },
            "File": {
                "type": "object",
                "required": ["id", "name", "size", "multipart", "type"],
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "size": {"type": "integer"},
                    "multipart": _ref("Multipart"),
                    "type": {"const": "file"},
                },
                "additionalProperties": False,
            },
            "Link": {
                "type": "object",
                "required": ["id", "url", "meta", "type"],
                "properties": {
                    "id": {"type": "string"},
                    "url": {"type": "string"},
                    "meta": {
                        "type": "object",
                        "required": ["title"],
                        "properties": {"title": {"type": "string"}},
                        "additionalProperties": False,
                    },
                    "type": {"const": "link"},
                },
                "additionalProperties": False,
            },
            "Transfer": {
                "type": "object",
                "required": ["success", "id", "state", "message", "url", "files", "expires_at"],
                "properties": {
                    "success": {"const": True},
                    "id": {"type": "string"},
                    "state": {"enum": ["uploading", "processing", "downloadable"]},
                    "message": {"type": "string"},
                    "url": {"type": ["string", "null"]},
                    "files": {"type": "array", "items": _ref("File")},
                    "expires_at": {"type": "string", "format": "date-time"},
                },
            },
            "Board": {
                "type": "object",
                "required": ["success", "id", "state", "url", "name", "description", "items"],
                "properties": {
                    "success": {"const": True},
                    "id": {"type": "string"},
                    "state": {"type": "string"},
                    "url": {"type": "string"},
                    "name": {"type": "string"},
                    "description": {"type": ["string", "null"]},
                    "items": {"type": "array", "items": {"oneOf": [_ref("File"), _ref("Link")]}},
                },
            },
            "UploadUrl": {
                "type": "object",
                "required": ["success", "url"],
                "properties": {"success": {"const": True}, "url": {"type": "string", "format": "uri"}},
            },
        },
    },
    "paths": {
        "/v2/authorize": {
            "post": _op(
                "Exchange an API key for a JWT valid for one year",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["success", "token"],
                            "properties": {"success": {"const": True}, "token": {"type": "string"}},
                        },
                        "A token",
                    ),
                    "400": _ERROR,
                    "401": _json(_ref("Error"), "Missing API key"),
                    "403": _json(_ref("Error"), "Malformed, unknown or revoked API key"),
                    "415": _json(_ref("Error"), "Content-Type is not application/json"),
                },
                body={"type": "object", "properties": {"user_identifier": {"type": "string", "maxLength": 255}}},
                guarded=False,
            )
        },
        "/v2/transfers": {
            "post": _op(
                "Create a transfer",
                {"201": _json(_ref("Transfer"), "The transfer, state uploading"), "400": _ERROR, "413": _ERROR},
                body={
                    "type": "object",
                    "required": ["files"],
                    "properties": {"message": {"type": "string"}, "files": _FILE_SPECS},
                },
            )
        },
        "/v2/transfers/{transfer_id}": {
            "get": _op(
                "Get a transfer",
                {"200": _json(_ref("Transfer"), "The transfer"), "404": _ERROR, "410": _ERROR},
                parameters=[_PATH_TRANSFER],
            )
        },
        "/v2/transfers/{transfer_id}/files/{file_id}/upload-url/{part_number}": {
            "get": _op(
                "A pre-signed URL (valid one hour) to PUT one part's bytes to",
                {
                    "200": _json(_ref("UploadUrl"), "The URL"),
                    "400": _ERROR,
                    "404": _ERROR,
                    "409": _ERROR,
                    "410": _ERROR,
                    "417": _json(_ref("Error"), "Part 0: chunk numbers are 1-based"),
                },
                parameters=[_PATH_TRANSFER, _PATH_FILE, _PATH_PART],
            )
        },
        "/v2/transfers/{transfer_id}/files/{file_id}/upload-complete": {
            "put": _op(
                "Mark a file complete once every part is uploaded",
                {
                    "200": _json({"type": "object"}, "The file is complete"),
                    "400": _json(_ref("Error"), "Sizes do not add up"),
                    "404": _ERROR,
                    "410": _ERROR,
                    "417": _json(_ref("Error"), "Chunks are still missing"),
                },
                body={"type": "object", "properties": {"part_numbers": {"type": "integer"}}},
                parameters=[_PATH_TRANSFER, _PATH_FILE],
            )
        },
        "/v2/transfers/{transfer_id}/finalize": {
            "put": _op(
                "Lock the transfer and make it downloadable",
                {
                    "200": _json(_ref("Transfer"), "The transfer, with its url"),
                    "400": _ERROR,
                    "404": _ERROR,
                    "410": _ERROR,
                },
                parameters=[_PATH_TRANSFER],
            )
        },
        "/v2/boards": {
            "post": _op(
                "Create a board",
                {"201": _json(_ref("Board"), "The board"), "400": _ERROR},
                body={
                    "type": "object",
                    "required": ["name"],
                    "properties": {"name": {"type": "string"}, "description": {"type": ["string", "null"]}},
                },
            )
        },
        "/v2/boards/{board_id}": {
            "get": _op(
                "Get a board",
                {"200": _json(_ref("Board"), "The board"), "404": _ERROR, "410": _ERROR},
                parameters=[_PATH_BOARD],
            )
        },
        "/v2/boards/{board_id}/links": {
            "post": _op(
                "Add links to a board",
                {
                    "201": _json({"type": "array", "items": _ref("Link")}, "The links"),
                    "400": _ERROR,
                    "404": _ERROR,
                    "410": _ERROR,
                },
                body={
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["url"],
                        "properties": {
                            "url": {"type": "string", "maxLength": 2000},
                            "title": {"type": "string", "maxLength": 2980},
                        },
                    },
                },
                parameters=[_PATH_BOARD],
            )
        },
        "/v2/boards/{board_id}/files": {
            "post": _op(
                "Add files to a board",
                {
                    "201": _json({"type": "array", "items": _ref("File")}, "The files"),
                    "400": _ERROR,
                    "404": _ERROR,
                    "410": _ERROR,
                },
                body=_FILE_SPECS,
                parameters=[_PATH_BOARD],
            )
        },
        "/v2/boards/{board_id}/files/{file_id}/upload-url/{part_number}": {
            "get": _op(
                "Without the multipart id: always refused",
                {
                    "400": _json(_ref("Error"), "The multipart id is missing from the path"),
                    "404": _ERROR,
                    "410": _ERROR,
                },
                parameters=[_PATH_BOARD, _PATH_FILE, _PATH_PART],
            )
        },
        "/v2/boards/{board_id}/files/{file_id}/upload-url/{part_number}/": {
            "get": _op(
                "With an empty multipart id: always refused",
                {
                    "400": _json(_ref("Error"), "The multipart id is missing from the path"),
                    "404": _ERROR,
                    "410": _ERROR,
                },
                parameters=[_PATH_BOARD, _PATH_FILE, _PATH_PART],
            )
        },
        "/v2/boards/{board_id}/files/{file_id}/upload-url/{part_number}/{multipart_id}": {
            "get": _op(
                "A pre-signed URL (valid one hour) to PUT one part's bytes to",
                {
                    "200": _json(_ref("UploadUrl"), "The URL"),
                    "400": _ERROR,
                    "404": _ERROR,
                    "409": _json(_ref("Error"), "The file is already complete"),
                    "410": _ERROR,
                    "417": _ERROR,
                },
                parameters=[_PATH_BOARD, _PATH_FILE, _PATH_PART, _PATH_MULTIPART],
            )
        },
        "/v2/boards/{board_id}/files/{file_id}/upload-complete": {
            "put": _op(
                "Mark a board file complete",
                {
                    "202": _json(
                        {
                            "type": "object",
                            "required": ["success", "message"],
                            "properties": {"success": {"const": True}, "message": {"type": "string"}},
                        },
                        "File is marked as complete.",
                    ),
                    "400": _ERROR,
                    "404": _ERROR,
                    "410": _ERROR,
                    "417": _json(_ref("Error"), "Chunks are still missing"),
                },
                parameters=[_PATH_BOARD, _PATH_FILE],
            )
        },
        "/upload/{file_id}/{part_number}": {
            "put": {
                "summary": "Pre-signed part upload (the URL from upload-url); raw bytes, any Content-Type, no auth",
                "parameters": [
                    _PATH_FILE,
                    _PATH_PART,
                    {"name": "expires", "in": "query", "required": True, "schema": {"type": "integer"}},
                    {"name": "signature", "in": "query", "required": True, "schema": {"type": "string"}},
                ],
                "requestBody": {"content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}},
                "responses": {
                    "200": {"description": "Stored; ETag is the part's MD5", "headers": {"ETag": {"schema": {}}}},
                    "403": _json(_ref("Error"), "Bad or expired signature, or the file takes no more parts"),
                    "413": _json(_ref("Error"), "Larger than the part's slot"),
                },
            }
        },
        "/healthz": {
            "get": {"summary": "Liveness", "responses": {"200": _json({"type": "object"}, '{"status": "ok"}')}}
        },
        "/.well-known/jwks.json": {
            "get": {
                "summary": "Public keys that verify tokens",
                "responses": {"200": _json({"type": "object"}, "JWKS")},
            }
        },
        "/openapi.json": {"get": {"summary": "This document", "responses": {"200": _json({"type": "object"}, "")}}},
    },
}


async def openapi(_request: Request) -> Response:
    return json_response(DOCUMENT)


routes = [Route("/openapi.json", openapi, methods=["GET"])]
