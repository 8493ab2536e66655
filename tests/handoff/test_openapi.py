"""docs/agent-api.openapi.yaml documents every route of the blueprint, and every $ref in it
points somewhere."""
import re
from pathlib import Path

import yaml
from sanic import Sanic

from bot.handoff.api import API_PREFIX, MESSAGES, agent_api_blueprint

SPEC_PATH = Path(__file__).resolve().parents[2] / "docs" / "agent-api.openapi.yaml"


def _spec():
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


def _refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


def test_every_route_is_documented():
    spec = _spec()
    assert spec["openapi"].startswith("3.0") and spec["servers"][0]["url"] == API_PREFIX
    bp = agent_api_blueprint()
    app = Sanic("openapi_check")
    app.blueprint(bp)
    routes = set()
    for route in app.router.routes:
        path = re.sub(r"<[^>]+>", "{ticket_id}", "/" + route.path)
        path = path[len(API_PREFIX):]
        for method in route.methods:
            routes.add((path, method.lower()))
    documented = {(p, m) for p, ops in spec["paths"].items() for m in ops if m != "parameters"}
    assert routes == documented


def test_refs_resolve_and_error_codes_match():
    spec = _spec()
    for ref in _refs(spec):
        node = spec
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
    assert set(spec["components"]["schemas"]["Error"]["properties"]["error"]["enum"]) \
        == set(MESSAGES)
