"""The messages of a config.toml that cannot be used, in Vietnamese first and English beside.

pydantic, tomllib and the operating system explain their errors in English ("Extra inputs are
not permitted", "Expected ']'", "No such file or directory"). An operator reads Vietnamese, so
none of that text is put in the Vietnamese line: each error is told again from its parts (the
key, what was found, what is expected), and the library's own words stay in the English line
only where nothing better can be said.

`Invalid` is the error the configuration's own validators raise: a ValueError carrying both
languages, which pydantic hands back untouched in the error's context.
"""

from __future__ import annotations

import errno
import re
import tomllib
import types
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from hub.errors import UsageError

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails


class Invalid(ValueError):
    """A value a validator refuses, said in both languages (what is wrong, what is expected)."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en


# What a value of each pydantic error type should have been.
_EXPECTED_KIND: dict[str, tuple[str, str]] = {
    "string_type": ("một chuỗi trong dấu nháy", "a string in quotes"),
    "int_type": ("một số nguyên", "a whole number"),
    "int_parsing": ("một số nguyên", "a whole number"),
    "int_from_float": ("một số nguyên", "a whole number"),
    "float_type": ("một số", "a number"),
    "float_parsing": ("một số", "a number"),
    "bool_type": ("true hoặc false", "true or false"),
    "bool_parsing": ("true hoặc false", "true or false"),
    "dict_type": ("một bảng ([mục] hoặc { ... })", "a table ([section] or { ... })"),
    "model_type": ("một bảng ([mục] hoặc { ... })", "a table ([section] or { ... })"),
    "list_type": ("một danh sách [ ... ]", "a list [ ... ]"),
}

# What a key with a pattern holds, for a pattern mismatch (the key with list indexes as "N").
_EXPECTED_PATTERN: dict[str, tuple[str, str]] = {
    "ministry.unit": (
        "SO và 2 chữ số của Sở (MaDonViGui), ví dụ SO36",
        "SO and the department's 2 digits (MaDonViGui), e.g. SO36",
    ),
    "ministry.password_env": (
        "tên một biến môi trường, chữ in hoa, số và _, ví dụ HUB_MINISTRY_PASSWORD",
        "the name of an environment variable, capitals, digits and _, e.g. HUB_MINISTRY_PASSWORD",
    ),
    "sources.N.name": (
        "chữ thường, chữ số, - và _, bắt đầu bằng chữ hoặc số, tối đa 64 ký tự",
        "lower-case letters, digits, - and _, starting with a letter or digit, 64 at most",
    ),
}


def _found(value: Any) -> tuple[str, str]:
    """How to show what the file holds (short; a table or a list by its kind, not in full)."""
    if isinstance(value, dict):
        return "một bảng", "a table"
    if isinstance(value, list):
        return "một danh sách", "a list"
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "…"
    return shown, shown


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation (`SourceConfig`, `list[SourceConfig]`), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (list, types.UnionType, typing.Union):
        for argument in typing.get_args(annotation):
            found = _model_of(argument)
            if found is not None:
                return found
    return None


def _known_keys(model: type[BaseModel], trail: tuple[int | str, ...]) -> list[str] | None:
    """The keys a table at `trail` may hold, when it is one of the configuration's sections."""
    current: type[BaseModel] | None = model
    for part in trail:
        if isinstance(part, int) or current is None:
            continue  # an element of a list of sections has its list's section's keys
        field = current.model_fields.get(part)
        current = _model_of(field.annotation) if field is not None else None
    if current is None:
        return None
    return sorted(name for name in current.model_fields if name != "path")


def _phrases(error: ErrorDetails, key: str, model: type[BaseModel]) -> tuple[str, str]:
    """What is wrong with `key`, in Vietnamese and in English (said after "key `...`")."""
    kind, value = error["type"], error.get("input")
    found_vi, found_en = _found(value)
    if kind == "missing":
        return ": bắt buộc, nhưng tệp không có", " is required but missing"
    if kind == "extra_forbidden":
        known = _known_keys(model, tuple(error["loc"][:-1]))
        listed = ", ".join(known) if known else "-"
        return (
            f": không phải khóa của cấu hình hub (gõ sai tên?); ở đây chỉ có: {listed}",
            f" is not a key of the hub's configuration (a typo?); known here: {listed}",
        )
    cause = (error.get("ctx") or {}).get("error")
    if kind == "value_error" and isinstance(cause, Invalid):
        if isinstance(value, dict | list):  # a section: the validator's words say it all
            return f": {cause.message_vi}", f": {cause.message_en}"
        return f" = {found_vi}: {cause.message_vi}", f" = {found_en}: {cause.message_en}"
    if kind == "string_pattern_mismatch":
        pattern = str((error.get("ctx") or {}).get("pattern", ""))
        general = re.sub(r"\.\d+(?=\.|$)", ".N", key)
        vi, en = _EXPECTED_PATTERN.get(general, (f"khớp mẫu {pattern}", f"matching {pattern}"))
        return f": gặp {found_vi}, cần {vi}", f": found {found_en}, expected {en}"
    if kind in _EXPECTED_KIND:
        vi, en = _EXPECTED_KIND[kind]
        return f": gặp {found_vi}, cần {vi}", f": found {found_en}, expected {en}"
    return (  # a kind this table does not know: pydantic's words in the English line only
        f": giá trị {found_vi} không hợp lệ (chi tiết ở dòng tiếng Anh)",
        f": found {found_en}: {error['msg']}",
    )


def validation_error(exc: ValidationError, where: Path, model: type[BaseModel]) -> UsageError:
    """The first error of a validation, naming the file and the key; the count of the rest."""
    errors = exc.errors()
    first = errors[0]
    key = ".".join(str(part) for part in first["loc"]) or "(tệp / file)"
    vi, en = _phrases(first, key, model)
    more_vi = f" (và {len(errors) - 1} lỗi khác)" if len(errors) > 1 else ""
    more_en = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return UsageError(f"{where}: khóa `{key}`{vi}.{more_vi}", f"{where}: key `{key}`{en}.{more_en}")


_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def toml_error(exc: tomllib.TOMLDecodeError, where: Path) -> UsageError:
    """A file that is not TOML: the line and column in Vietnamese, tomllib's words in English."""
    at = _AT.search(str(exc))
    place = f" (dòng {at[1]}, cột {at[2]})" if at else ""
    return UsageError(
        f"{where}: không phải TOML hợp lệ{place}; kiểm tra dấu nháy, dấu ngoặc [ ] và dấu =.",
        f"{where}: not valid TOML: {exc}.",
    )


_OS_ERRORS: dict[int, str] = {
    errno.ENOENT: "không có tệp này",
    errno.EACCES: "không có quyền đọc tệp",
    errno.EISDIR: "đây là một thư mục, không phải tệp",
}


def unreadable(exc: OSError, where: Path) -> UsageError:
    """A configuration file that cannot be read."""
    cause_vi = _OS_ERRORS.get(exc.errno or 0, "lỗi hệ thống, xem dòng tiếng Anh")
    return UsageError(
        f"{where}: không đọc được tệp cấu hình ({cause_vi}).",
        f"{where}: cannot read the configuration file ({exc.strerror}).",
    )
