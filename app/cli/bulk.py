"""``numlink bulk link|unlink``: attach or detach every number of a file through the API of a
running gateway, wait for propagation, and write one result row per line of the file.

Each chunk of up to 100,000 numbers is one bulk task, sent with an Idempotency-Key derived from
its content: the same command run again (within the gateway's 24 h key lifetime) is answered
with the task created before instead of new work, so an interrupted run simply resumes.
"""

import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.bulk.schemas import MAX_ITEMS
from app.cli.bulk_file import (
    InputFileError,
    InputNumber,
    NumberFile,
    ResultRow,
    all_propagated,
    chunks,
    count_outcomes,
    default_output,
    idempotency_key,
    invalid_rows,
    item_rows,
    numbers_to_send,
    output_problem,
    summary_line,
    write_results,
)
from numlink_client import Numlink, NumlinkError, WaitTimeoutError
from numlink_client.errors import IdempotencyInProgressError, RateLimitedError
from numlink_client.models import BulkTask

bulk_cli = typer.Typer(
    no_args_is_help=True, help="Link or unlink the numbers of a file (via the API)"
)

Operation = Literal["attach", "detach"]
COMMANDS: dict[Operation, str] = {"attach": "link", "detach": "unlink"}
ITEMS_PAGE = 1000
SUBMIT_READ_TIMEOUT_S = 300.0  # recording 100,000 items is one statement, but a long one
T = TypeVar("T")


@dataclass
class Gateway:
    """The API through the client, and when the command stops waiting."""

    client: Numlink
    deadline: float

    @classmethod
    def open(cls, base_url: str, api_key: str, timeout: float) -> "Gateway":
        return cls(Numlink(api_key, base_url=base_url), time.monotonic() + timeout)

    def patiently(self, call: Callable[[], T]) -> T:
        """``call()``, again while the gateway asks to wait (its rate limit, or an earlier
        run of the same chunk still being recorded) and the deadline allows."""
        while True:
            try:
                return call()
            except (RateLimitedError, IdempotencyInProgressError) as busy:
                if time.monotonic() >= self.deadline:
                    raise
                time.sleep(min(30.0, busy.retry_after or 1.0))

    def close(self) -> None:
        self.client.close()


@dataclass
class SentChunk:
    numbers: list[InputNumber]
    task: BulkTask
    replayed: bool  # the task of an earlier run of this file

    @property
    def task_id(self) -> str:
        return self.task.id

    @property
    def counts(self) -> dict[str, int]:
        return {k: int(v) for k, v in self.task.counts.model_dump().items()}


@dataclass(frozen=True)
class BulkOptions:
    operation: Operation
    file: Path
    campaign: str
    base_url: str
    api_key: str
    output: Path | None
    skip_invalid: bool
    no_wait: bool
    timeout: float
    as_json: bool
    chunk_size: int
    again: bool


def sent_chunk(chunk: list[InputNumber], task: BulkTask) -> SentChunk:
    info = task.response_info
    return SentChunk(chunk, task, replayed=info is not None and info.idempotent_replayed)


def submit(gateway: Gateway, options: BulkOptions, chunk: list[InputNumber]) -> SentChunk:
    numbers = [n.number for n in chunk]
    key = idempotency_key(options.operation, options.campaign, numbers)
    tasks = gateway.client.with_options(timeout=SUBMIT_READ_TIMEOUT_S).bulk_tasks
    send = tasks.attach if options.operation == "attach" else tasks.detach
    while True:
        task = gateway.patiently(
            partial(send, options.campaign, numbers=numbers, idempotency_key=key)
        )
        sent = sent_chunk(chunk, task)
        if not (options.again and sent.replayed):
            return sent
        sent.task = gateway.client.bulk_tasks.get(sent.task_id)
        if not sent.task.finished:
            return sent  # an unfinished run is resumed, never doubled
        # that run has finished: the next key of the chain is new work, or the resumption of
        # an interrupted --again run
        key = idempotency_key(options.operation, options.campaign, [key, sent.task_id])


def wait_for(gateway: Gateway, sent: list[SentChunk], label: str) -> bool:
    """Waits for the tasks, one after the other, until nothing is pending (True) or the
    deadline passes (False), with one bar for all of them."""
    console = Console(stderr=True)
    detail = TextColumn("{task.fields[detail]}")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), detail)
    # a bar only on a terminal: piped or captured output stays free of redraws
    with Progress(
        *columns, TimeElapsedColumn(), console=console, disable=not console.is_terminal
    ) as progress:
        total = sum(chunk.counts["total"] for chunk in sent)
        bar = progress.add_task(label, total=total, detail="")

        def show() -> None:
            counts: Counter[str] = Counter()
            for chunk in sent:
                counts.update(chunk.counts)
            progress.update(
                bar,
                completed=counts["succeeded"] + counts["failed"],
                detail=f"{counts['succeeded']} ok, {counts['failed']} failed, "
                f"{counts['pending']} pending",
            )

        show()
        for chunk in sent:
            if chunk.task.finished:
                continue

            def progressed(task: BulkTask, chunk: SentChunk = chunk) -> None:
                chunk.task = task
                show()

            left = gateway.deadline - time.monotonic()
            try:
                chunk.task = gateway.client.bulk_tasks.wait(
                    chunk.task_id, on_progress=progressed, timeout=max(0.0, left), interval=1.0
                )
            except WaitTimeoutError:
                return False
        return True


def result_rows(gateway: Gateway, chunk: SentChunk) -> list[ResultRow]:
    items = list(gateway.client.bulk_tasks.items(chunk.task_id, limit=ITEMS_PAGE))
    if len(items) != len(chunk.numbers):
        raise NumlinkError(
            f"task {chunk.task_id} lists {len(items)} items; {len(chunk.numbers)} sent"
        )
    return item_rows(chunk.numbers, items)


def fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def run(options: BulkOptions) -> int:
    parsed = _read_input(options)
    output = options.output or default_output(options.file)
    problem = None if options.no_wait else output_problem(options.file, output)
    if problem:
        raise fail(problem, 2)
    if not _is_http_url(options.base_url):
        raise fail(f"--base-url must be an http(s) address, got {options.base_url!r}", 2)
    gateway = Gateway.open(options.base_url, options.api_key, options.timeout)
    sent: list[SentChunk] = []
    try:
        for numbers in chunks(parsed.numbers, options.chunk_size):
            sent.append(submit(gateway, options, numbers))
            if sent[-1].replayed:
                typer.echo(f"resuming task {sent[-1].task_id}, sent by an earlier run", err=True)
        if options.no_wait:
            ids = [chunk.task_id for chunk in sent]
            _report(options, ids, "\n".join(ids), invalid=len(parsed.invalid))
            return 0
        label = f"{COMMANDS[options.operation]}ing"
        finished = wait_for(gateway, sent, label)
        rows = invalid_rows(parsed.invalid)
        for chunk in sent:
            rows.extend(result_rows(gateway, chunk))
    except NumlinkError as exc:
        raise fail(str(exc), 3) from None
    except KeyboardInterrupt:
        started = ", ".join(chunk.task_id for chunk in sent) or "none yet"
        typer.echo(
            f"interrupted; the gateway goes on with task(s) {started}: run the same command "
            "again to resume",
            err=True,
        )
        return 130
    finally:
        gateway.close()
    if any(chunk.replayed for chunk in sent) and not all_propagated(rows):
        typer.echo(
            "note: results of an earlier run of this file (the gateway keeps them 24 h); "
            "pass --again to send it anew, e.g. to retry failures or to redo an undone change",
            err=True,
        )
    return _finish(options, [chunk.task_id for chunk in sent], rows, output, finished)


def _finish(
    options: BulkOptions, ids: list[str], rows: list[ResultRow], output: Path, finished: bool
) -> int:
    try:
        write_results(output, rows)
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc}", 2) from None
    counts = count_outcomes(rows)
    line = summary_line(COMMANDS[options.operation], counts, ids, output)
    _report(options, ids, line, counts=counts, finished=finished, output=str(output))
    if not finished:
        typer.echo(
            f"timed out after {options.timeout:g} s with {counts['pending']} pending; the "
            "gateway goes on: run the same command again to resume waiting",
            err=True,
        )
    return 0 if all_propagated(rows) else 1


def _read_input(options: BulkOptions) -> NumberFile:
    try:
        parsed = numbers_to_send(options.file, options.skip_invalid)
    except InputFileError as exc:
        for bad in exc.invalid:
            typer.echo(bad.message(), err=True)
        raise fail(str(exc), 2) from None
    for bad in parsed.invalid:
        typer.echo(f"{bad.message()} (skipped)", err=True)
    return parsed


def _report(options: BulkOptions, ids: list[str], line: str, **fields: Any) -> None:
    if options.as_json:
        summary = {
            "operation": COMMANDS[options.operation],
            "campaign_id": options.campaign,
            "task_ids": ids,
            **fields,
        }
        typer.echo(json.dumps(summary))
    else:
        typer.echo(line)


FileArg = Annotated[
    Path,
    typer.Argument(
        exists=True,
        dir_okay=False,
        help="One E.164 number per line, or a CSV (header optional) whose number column is "
        "named number, phone_number or e164 (else the first column). '#' lines are skipped.",
    ),
]
CampaignOpt = Annotated[str, typer.Option("--campaign", help="Campaign id")]
ApiKeyOpt = Annotated[
    str, typer.Option(envvar="NUMLINK_API_KEY", help="API key (numbers:read, numbers:write)")
]
BaseUrlOpt = Annotated[str, typer.Option(envvar="NUMLINK_URL", help="Gateway address")]
OutputOpt = Annotated[
    Path | None,
    typer.Option(dir_okay=False, help="Result CSV (default: FILE's name with .result.csv)"),
]
SkipOpt = Annotated[
    bool, typer.Option("--skip-invalid", help="Send the valid numbers despite malformed lines")
]
NoWaitOpt = Annotated[
    bool, typer.Option("--no-wait", help="Submit, print the task id(s) and return at once")
]
TimeoutOpt = Annotated[float, typer.Option(min=1, help="Seconds to wait for propagation")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object")]
ChunkOpt = Annotated[
    int, typer.Option(min=1, max=MAX_ITEMS, help="Numbers per bulk task (changing it: new tasks)")
]
AgainOpt = Annotated[
    bool,
    typer.Option(
        "--again",
        help="Send the file anew if an earlier run of it has finished (to retry failures, or "
        "to redo a change undone since); an unfinished earlier run is still resumed",
    ),
]
DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT_S = 4 * 3600.0


def _command(operation: Operation) -> Callable[..., None]:
    def command(
        file: FileArg,
        campaign: CampaignOpt,
        api_key: ApiKeyOpt,
        base_url: BaseUrlOpt = DEFAULT_URL,
        output: OutputOpt = None,
        skip_invalid: SkipOpt = False,
        no_wait: NoWaitOpt = False,
        timeout: TimeoutOpt = DEFAULT_TIMEOUT_S,
        as_json: JsonOpt = False,
        chunk_size: ChunkOpt = MAX_ITEMS,
        again: AgainOpt = False,
    ) -> None:
        options = BulkOptions(
            operation, file, _campaign_id(campaign), base_url, api_key, output,
            skip_invalid, no_wait, timeout, as_json, chunk_size, again,
        )  # fmt: skip
        raise typer.Exit(run(options))

    return command


RESUME_HELP = "Running it again with the same file resumes the same task(s)."
bulk_cli.command(
    "link",
    help=f"Attach every number of FILE to the campaign and wait until propagated. {RESUME_HELP}",
)(_command("attach"))
bulk_cli.command(
    "unlink",
    help=f"Detach every number of FILE from the campaign and wait until propagated. {RESUME_HELP}",
)(_command("detach"))


def _is_http_url(raw: str) -> bool:
    try:
        url = httpx.URL(raw)
    except httpx.InvalidURL:
        return False
    return url.scheme in ("http", "https") and bool(url.host)


def _campaign_id(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))  # canonical form: part of the idempotency key
    except ValueError:
        raise fail(f"--campaign must be a campaign id (a UUID), got {raw!r}", 2) from None
