"""The public surface of ``joinedup.views``: what it exports, and that every result is a frozen
dataclass of values FastAPI can serialise as JSON (no sets, no dicts, nothing unbounded)."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from typing import Any

import joinedup.views as views

PLAIN = (str, int, float, bool, date, datetime, type(None))


def test_everything_exported_is_importable_and_listed() -> None:
    public = {name for name in dir(views) if not name.startswith("_")
              and name not in {"annotations"} and not isinstance(getattr(views, name),
                                                                   types.ModuleType)}
    assert set(views.__all__) == public
    assert views.__all__ == sorted(views.__all__, key=lambda n: (n[0].islower(), n))


def _plain(hint: Any, seen: set[type]) -> bool:
    origin = typing.get_origin(hint)
    if origin is None:
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            return _serialisable(hint, seen)
        return hint in PLAIN
    if origin in (typing.Union, types.UnionType):
        return all(_plain(a, seen) for a in typing.get_args(hint))
    if origin is tuple:
        args = typing.get_args(hint)
        return all(_plain(a, seen) for a in args if a is not Ellipsis)
    return False


def _serialisable(cls: type, seen: set[type]) -> bool:
    if cls in seen:
        return True
    seen.add(cls)
    params = getattr(cls, "__dataclass_params__", None)
    assert params is not None and params.frozen, cls
    hints = typing.get_type_hints(cls)
    return all(_plain(hints[f.name], seen) for f in dataclasses.fields(cls))


def test_every_result_is_a_frozen_dataclass_of_plain_values() -> None:
    results = [getattr(views, n) for n in views.__all__
               if isinstance(getattr(views, n), type)]
    assert len(results) >= 15
    for cls in results:
        assert _serialisable(cls, set()), cls.__name__
