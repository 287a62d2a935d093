"""Argument checks at construction: a wrong type or value fails where it was passed, naming the argument.

Constructors are checked against their own annotations (`Component` subclasses automatically), and the
dataclasses users build by hand (`Site`, `ControllerNode`) against the environment file's validators, so a
value is accepted or refused the same way whichever door it came in by.
"""
from __future__ import annotations

import collections.abc
import dataclasses
import functools
import inspect
import types
import typing
from typing import Any, Callable, TypeVar

from pydantic import TypeAdapter, ValidationError

F = TypeVar("F", bound=Callable[..., None])


def _describe(hint: Any) -> str:
    if isinstance(hint, type):
        return hint.__name__
    return str(hint).replace("typing.", "")


def _matches(value: Any, hint: Any) -> bool:
    """True when `value` fits `hint` at the top level (containers are checked by kind, not item by item)."""
    if hint is Any or isinstance(hint, (typing.TypeVar, str)):
        return True
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        return _matches(value, typing.get_args(hint)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg) for arg in typing.get_args(hint))
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if hint is type(None):
        return value is None
    if origin is not None:
        hint = origin
    if hint in (collections.abc.Sequence, list, tuple):
        return isinstance(value, (list, tuple))
    if hint is float:
        return isinstance(value, (int, float))
    if isinstance(hint, type):
        try:
            return isinstance(value, hint)
        except TypeError:  # protocols and other classes that refuse isinstance
            return True
    return True


@functools.lru_cache(maxsize=None)
def _hints(function: Callable[..., Any]) -> tuple[inspect.Signature, dict[str, Any]]:
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except NameError:  # an annotation only importable for type checkers: check what can be resolved
        hints = {}
    return inspect.signature(function), hints


def checked(init: F, owner: str) -> F:
    """`init` that first checks every argument against its annotation: `OsisDaemon(mongo=...): expected ReplicatedMongo, got Site`."""

    @functools.wraps(init)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        signature, hints = _hints(init)
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError as error:
            raise TypeError(f"{owner}: {error}") from None
        for name, value in list(bound.arguments.items())[1:]:
            hint = hints.get(name)
            if hint is not None and not _matches(value, hint):
                raise TypeError(f"{owner}({name}=...): expected {_describe(hint)}, got {type(value).__name__}: {value!r:.80}")
        init(self, *args, **kwargs)

    return typing.cast(F, wrapper)


@functools.lru_cache(maxsize=None)
def _field_checks(cls: type) -> tuple[tuple[str, Any, TypeAdapter[Any] | None], ...]:
    """Per field: its hint and, for the environment file's annotated types, their validator."""
    hints = typing.get_type_hints(cls, include_extras=True)
    checks = []
    for field in dataclasses.fields(cls):
        hint = hints[field.name]
        validated = "Annotated" in str(hint)
        checks.append((field.name, hint, TypeAdapter(hint) if validated else None))
    return tuple(checks)


def check_fields(instance: Any) -> None:
    """Validate a dataclass's fields: types, and the validators of the environment file's annotated types."""
    cls = type(instance)
    for name, hint, adapter in _field_checks(cls):
        value = getattr(instance, name)
        if not _matches(value, hint):
            raise TypeError(f"{cls.__name__}.{name}: expected {_describe(hint)}, got {type(value).__name__}: {value!r:.80}")
        if adapter is None:
            continue
        try:
            adapter.validate_python(value)
        except ValidationError as error:
            message = error.errors()[0]["msg"].removeprefix("Value error, ")
            raise ValueError(f"{cls.__name__}.{name}: {message}") from None
