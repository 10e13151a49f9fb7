"""Reading a CMS file and checking its rows, before anything is written.

Every importer reads its file through `parse_all`, which checks every row and collects every
error with its line number (the header is line 1), so a file with bad rows is refused as a
whole and its sender can fix them all in one go. The value parsers raise `ValueError` with the
sentence the sender will read.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from hod.reference.models import State

NPN = re.compile(r"^\d{1,10}$")
STATE = re.compile(r"^[A-Z]{2}$")
TRUE_WORDS, FALSE_WORDS = {"y", "yes", "true", "1"}, {"n", "no", "false", "0", ""}


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} bad row(s); nothing was imported")
        self.errors = errors


@dataclass
class Outcome:
    rows: int = 0
    summary: list[str] = field(default_factory=list)


Progress = Callable[[int], None]


def parse_date(value: str, *, column: str, required: bool = False) -> date | None:
    value = value.strip()
    if not value:
        if required:
            raise ValueError(f"{column} is required")
        return None
    for pattern in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{column} {value!r} is not a date (MM/DD/YYYY or YYYY-MM-DD)")


def parse_npn(value: str) -> str:
    value = value.strip()
    if not NPN.match(value):
        raise ValueError(f"npn {value!r} is not 1 to 10 digits")
    return value


# NIPR licenses agents in the states, DC and the territories; any other code is a mistake in the file.
TERRITORIES = frozenset({"PR", "GU", "VI", "AS", "MP"})


def parse_state(value: str, column: str = "state") -> str:
    value = value.strip().upper()
    if not STATE.match(value):
        raise ValueError(f"{column} {value!r} is not a two-letter state code")
    if value not in _known_states():
        raise ValueError(f"{column} {value!r} is not a U.S. state or territory")
    return value


@cache
def _known_states() -> frozenset[str]:
    """The states and DC (reference data, loaded by migrate and never changed) and the territories."""
    return frozenset(State.objects.values_list("code", flat=True)) | TERRITORIES


def parse_plan_year(value: str) -> int:
    value = value.strip()
    if not value.isdigit() or not 2014 <= int(value) <= 2100:
        raise ValueError(f"plan year {value!r} is not a year such as 2027")
    return int(value)


def parse_flag(value: str, column: str) -> bool:
    if value.strip().lower() in TRUE_WORDS:
        return True
    if value.strip().lower() in FALSE_WORDS:
        return False
    raise ValueError(f"{column} {value!r} is not Y or N")


def required_text(value: str, column: str, max_length: int) -> str:
    value = value.strip()
    if not value:
        raise ValueError(f"{column} is required")
    if len(value) > max_length:
        raise ValueError(f"{column} is longer than {max_length} characters")
    if any(unicodedata.category(character) == "Cc" for character in value):
        raise ValueError(f"{column} holds a line break or another control character")
    return value


def read_rows(text: str, columns: tuple[str, ...]) -> Iterable[tuple[int, dict[str, str]]]:
    """Rows as dicts keyed by the (lower-cased) header, with their line numbers; checks the header."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        raise ImportFailed([RowError(1, "the file is empty")])
    names = [name.strip().lower() for name in header]
    missing = [column for column in columns if column not in names]
    if missing:
        raise ImportFailed([RowError(1, f"missing column(s): {', '.join(missing)}")])
    while True:
        line = reader.line_num + 1  # where the row starts (a quoted field may hold line breaks)
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # a field past the csv module's limit, say: a bad row like any other
            yield line, {"__error__": f"this line cannot be read as CSV ({error})"}
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(names):
            yield line, {"__error__": f"{len(row)} fields where the header has {len(names)}"}
            continue
        yield line, {name: (row[i] if i < len(row) else "") for i, name in enumerate(names)}


def parse_all(
    text: str, columns: tuple[str, ...], parse: Callable[[dict], Any], key: Callable[[Any], Any], progress: Progress
) -> list[Any]:
    """Parse every row, collecting every error; raise ImportFailed if there was any."""
    errors: list[RowError] = []
    parsed, seen = [], {}
    for count, (line, row) in enumerate(read_rows(text, columns), start=1):
        if count % 1000 == 0:
            progress(count)
        if "__error__" in row:
            errors.append(RowError(line, row["__error__"]))
            continue
        try:
            item = parse(row)
        except ValueError as error:
            errors.append(RowError(line, str(error)))
            continue
        item_key = key(item)
        if item_key in seen:
            errors.append(RowError(line, f"the same record as line {seen[item_key]}"))
            continue
        seen[item_key] = line
        parsed.append(item)
    if errors:
        raise ImportFailed(errors)
    progress(len(parsed))
    return parsed


def count_rows(text: str) -> int:
    """Rows below the header, counted before parsing so progress has a total to show against."""
    return max(text.count("\n") - 1, 0)
