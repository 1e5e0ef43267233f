"""docs/api.md, the developer's guide to the API, is tested against the app: every operation in
the OpenAPI schema is in it, and its examples are JSON, the errors in the one error shape."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from joinedup.server.app import create_app
from joinedup.server.errors import ErrorResponse
from joinedup.settings import Settings

GUIDE = Path(__file__).parents[2] / "docs" / "api.md"
JSON_BLOCK = re.compile(r"```json\n(.*?)```", re.S)


def _operations() -> list[tuple[str, str]]:
    schema: dict[str, Any] = create_app(Settings(database_url="sqlite://")).openapi()
    return [(method.upper(), path) for path, operations in schema["paths"].items()
            for method in operations]


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:] if end == -1 else text[start:end]


def test_every_operation_in_the_schema_is_in_the_guide() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    operations = _operations()
    assert len(operations) >= 19
    missing = [f"{method} {path}" for method, path in operations
               if f"{method} {path}" not in text]
    assert not missing, f"operations not in docs/api.md: {missing}"


def test_the_error_examples_are_in_the_one_error_shape() -> None:
    examples = JSON_BLOCK.findall(_section(GUIDE.read_text(encoding="utf-8"), "Errors"))
    assert len(examples) >= 5  # the shape, then 401, 403, 404 and 422
    statuses = []
    for example in examples:
        body = json.loads(example)
        assert set(body) == {"error"} and set(body["error"]) == {"status", "code", "message"}
        error = body["error"]
        assert isinstance(error["status"], int) and isinstance(error["code"], str)
        assert isinstance(error["message"], str) and error["message"]
        ErrorResponse.model_validate(body)
        statuses.append(error["status"])
    assert {401, 403, 404, 422} <= set(statuses)


def test_every_example_in_the_guide_is_json() -> None:
    examples = JSON_BLOCK.findall(GUIDE.read_text(encoding="utf-8"))
    assert len(examples) >= 20
    for example in examples:
        json.loads(example)
