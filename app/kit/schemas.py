"""Base classes for request and response schemas."""

import functools
import typing
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from app.kit.text import FREE_TEXT_PATTERN, control_character_problem, printable

CONTROL_CHARACTERS_ERROR = "control_characters"


class TextPolicy:
    """Marks a field (``Annotated[..., FREE_TEXT]``) whose strings are checked another way."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


FREE_TEXT = TextPolicy("FREE_TEXT")  # may keep tab and newline
# not checked here: a list whose items are judged one by one (bulk), or a nested schema
CHECKED_ELSEWHERE = TextPolicy("CHECKED_ELSEWHERE")
FreeText = Annotated[
    str,
    FREE_TEXT,
    Field(json_schema_extra={"pattern": FREE_TEXT_PATTERN}),
]


class RequestSchema(BaseModel):
    """Strict JSON input: unknown fields and wrong types are errors, never coerced; no string
    anywhere in it holds a control character (free text may keep tab and newline)."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=False)

    @model_validator(mode="before")
    @classmethod
    def _no_control_characters(cls, data: Any) -> Any:
        # Before any other validation, so the field is named with this problem and no value
        # with such a character reaches a validator, a log or the database.
        if isinstance(data, Mapping):
            problems: dict[str, str] = {}
            _check_entries(data, "", _policies(cls), problems)
            if problems:
                raise PydanticCustomError(
                    CONTROL_CHARACTERS_ERROR,
                    "control characters in {fields}",
                    {"fields": ", ".join(problems), "problems": problems},
                )
        return data


class ResponseSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _check_entries(
    data: Mapping[Any, Any],
    prefix: str,
    policies: Mapping[str, TextPolicy],
    problems: dict[str, str],
) -> None:
    for name, value in data.items():
        where = prefix + printable(str(name))
        if control_character_problem(str(name)) is not None:
            problems.setdefault(where, "field names must not contain control characters")
            continue
        policy = policies.get(name)
        if policy is not CHECKED_ELSEWHERE:
            _check(value, where, policy is FREE_TEXT, problems)


def _check(value: Any, where: str, free_text: bool, problems: dict[str, str]) -> None:
    if isinstance(value, str):
        problem = control_character_problem(value, free_text=free_text)
        if problem is not None:
            problems.setdefault(where, problem)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, f"{where}.{index}", free_text, problems)
    elif isinstance(value, Mapping):
        _check_entries(value, f"{where}.", {}, problems)


@functools.cache
def _policies(model: type[BaseModel]) -> dict[str, TextPolicy]:
    """Each field's policy, found in its annotation (``Label | None`` included)."""
    policies: dict[str, TextPolicy] = {}
    for name, field in model.model_fields.items():
        found = _policy_in(field.metadata) or _policy_in_annotation(field.annotation)
        if found is None and _has_request_schema(field.annotation):
            found = CHECKED_ELSEWHERE  # validated as a RequestSchema of its own
        if found is not None:
            policies[name] = found
    return policies


def _policy_in(metadata: typing.Iterable[Any]) -> TextPolicy | None:
    return next((m for m in metadata if isinstance(m, TextPolicy)), None)


def _policy_in_annotation(annotation: Any) -> TextPolicy | None:
    if typing.get_origin(annotation) is Annotated:
        found = _policy_in(annotation.__metadata__)
        if found is not None:
            return found
    for arg in typing.get_args(annotation):
        found = _policy_in_annotation(arg)
        if found is not None:
            return found
    return None


def _has_request_schema(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, RequestSchema):
        return True
    return any(_has_request_schema(arg) for arg in typing.get_args(annotation))
