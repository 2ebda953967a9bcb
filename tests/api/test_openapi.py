"""The hand-written OpenAPI document and the app's routes must describe the same API."""

from __future__ import annotations

from starlette.routing import Route

from tests.conftest import Api
from transferd.api.openapi import DOCUMENT

# Pages for people (HTML) are not part of the API document.
PAGE_PREFIXES = ("/t/", "/b/")


def app_operations(api: Api) -> set[tuple[str, str]]:
    operations = set()
    for route in api.client.app.routes:  # type: ignore[attr-defined]
        assert isinstance(route, Route)
        if route.path.startswith(PAGE_PREFIXES):
            continue
        for method in route.methods or ():
            if method != "HEAD":
                operations.add((route.path, method.lower()))
    return operations


def document_operations() -> set[tuple[str, str]]:
    return {(path, method) for path, item in DOCUMENT["paths"].items() for method in item}


def test_document_lists_exactly_the_app_routes(api: Api) -> None:
    assert document_operations() == app_operations(api)


def test_document_is_served(api: Api) -> None:
    response = api.client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == DOCUMENT


def test_every_schema_reference_resolves() -> None:
    schemas = DOCUMENT["components"]["schemas"]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                assert ref.removeprefix("#/components/schemas/") in schemas, ref
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(DOCUMENT)
