"""The files of ``numlink bulk``: the numbers to send, and the per-number result CSV."""

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.kit.phone import parse_e164
from numlink_client.models import BulkItem

# header names that mark the number column ("Phone Number" counts as phone_number)
NUMBER_COLUMNS = ("number", "phone_number", "e164")
RESULT_COLUMNS = ("number", "phone_number_id", "outcome", "error_code", "error")
INVALID = "invalid"
OUTCOMES = ("propagated", "failed", "rejected", "pending", INVALID)


@dataclass(frozen=True, slots=True)
class InputNumber:
    line: int
    number: str


@dataclass(frozen=True, slots=True)
class InvalidLine:
    line: int
    value: str
    reason: str

    def message(self) -> str:
        return f"line {self.line}: {self.value!r}: {self.reason}"


@dataclass(frozen=True, slots=True)
class NumberFile:
    numbers: list[InputNumber]
    invalid: list[InvalidLine]


@dataclass(frozen=True, slots=True)
class ResultRow:
    line: int
    number: str
    phone_number_id: str
    outcome: str
    error_code: str
    error: str


class InputFileError(Exception):
    """Nothing may be sent: the file is unreadable, has malformed lines, or no numbers."""

    def __init__(self, message: str, invalid: Sequence[InvalidLine] = ()) -> None:
        super().__init__(message)
        self.invalid = invalid


def check_number(value: str) -> str:
    """The E.164 form of a US number, or ValueError saying what is wrong with it."""
    if not value:
        raise ValueError("no number")
    parsed = parse_e164(value)
    if parsed.region_code != "US":
        raise ValueError(f"not a US number (region {parsed.region_code or 'unknown'})")
    return parsed.e164


def _column_name(cell: str) -> str:
    return cell.strip().lower().replace(" ", "_").replace("-", "_")


def read_numbers(path: Path) -> NumberFile:
    """A CSV (header optional) or one number per line; blank lines and ``#`` lines skipped."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: spreadsheets often write a BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read {path}: {exc}") from None
    reader = csv.reader(io.StringIO(text))
    numbers: list[InputNumber] = []
    invalid: list[InvalidLine] = []
    column: int | None = None
    try:
        for row in reader:
            if not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
                continue
            if column is None:
                names = [_column_name(cell) for cell in row]
                known = [i for i, name in enumerate(names) if name in NUMBER_COLUMNS]
                column = known[0] if known else 0
                if known:
                    continue
            value = row[column].strip() if column < len(row) else ""
            try:
                numbers.append(InputNumber(reader.line_num, check_number(value)))
            except ValueError as exc:
                invalid.append(InvalidLine(reader.line_num, value, _reason(exc, row, numbers)))
    except csv.Error as exc:
        raise InputFileError(f"{path}: line {reader.line_num}: {exc}") from None
    return NumberFile(numbers, invalid)


def numbers_to_send(path: Path, skip_invalid: bool) -> NumberFile:
    parsed = read_numbers(path)
    if parsed.invalid and not skip_invalid:
        raise InputFileError(
            f"{len(parsed.invalid)} malformed line(s) in {path}; nothing was sent "
            "(fix them, or pass --skip-invalid to send the others)",
            parsed.invalid,
        )
    if not parsed.numbers:
        raise InputFileError(f"no valid numbers in {path}; nothing was sent", parsed.invalid)
    return parsed


def _reason(exc: ValueError, row: list[str], numbers: list[InputNumber]) -> str:
    looks_like_header = not numbers and not any(ch.isdigit() for cell in row for ch in cell)
    if looks_like_header:
        return f"{exc} (a header row needs a column named {', '.join(NUMBER_COLUMNS)})"
    return str(exc)


def chunks(numbers: Sequence[InputNumber], size: int) -> list[list[InputNumber]]:
    return [list(numbers[start : start + size]) for start in range(0, len(numbers), size)]


def idempotency_key(operation: str, campaign_id: str, numbers: Iterable[str]) -> str:
    """The same file sent again to the same campaign reuses the same key, so the gateway
    answers with the task it already created instead of starting new work."""
    digest = hashlib.sha256()
    for part in (operation, campaign_id, *numbers):
        digest.update(part.encode())
        digest.update(b"\n")
    return f"numlink-bulk-{digest.hexdigest()}"


def default_output(path: Path) -> Path:
    return path.with_name(f"{path.stem}.result.csv")


def output_problem(source: Path, output: Path) -> str | None:
    """Checked before sending, so that a run's results always have somewhere to go."""
    if output.resolve() == source.resolve():
        return "--output must not be the input file"
    if not output.parent.is_dir():
        return f"--output: no directory {output.parent}"
    return None


def item_rows(chunk: Sequence[InputNumber], items: Sequence[BulkItem]) -> list[ResultRow]:
    """The task's items, in request order, matched to the file lines they came from."""
    return [
        ResultRow(
            line=sent.line,
            number=item.number or sent.number,
            phone_number_id=item.phone_number_id or "",
            outcome=item.outcome,
            error_code=item.error_code or "",
            error=item.error or "",
        )
        for sent, item in zip(chunk, items, strict=True)
    ]


def invalid_rows(invalid: Iterable[InvalidLine]) -> list[ResultRow]:
    return [
        ResultRow(bad.line, bad.value, "", INVALID, "VALIDATION_FAILED", bad.reason)
        for bad in invalid
    ]


def count_outcomes(rows: Sequence[ResultRow]) -> dict[str, int]:
    outcomes = Counter(row.outcome for row in rows)
    return {"total": len(rows), **{name: outcomes[name] for name in OUTCOMES}}


def all_propagated(rows: Sequence[ResultRow]) -> bool:
    return all(row.outcome == "propagated" for row in rows)


def summary_line(command: str, counts: dict[str, int], ids: list[str], output: Path) -> str:
    outcomes = ", ".join(f"{counts[name]} {name}" for name in OUTCOMES)
    tasks = "task" if len(ids) == 1 else "tasks"
    return (
        f"{command}: {counts['total']} numbers, {outcomes} ({tasks} {', '.join(ids)}); "
        f"results in {output}"
    )


def write_results(path: Path, rows: Iterable[ResultRow]) -> None:
    """Rows in file order, so the result reads side by side with the input."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(RESULT_COLUMNS)
        for row in sorted(rows, key=lambda r: r.line):
            writer.writerow(
                (row.number, row.phone_number_id, row.outcome, row.error_code, row.error)
            )
