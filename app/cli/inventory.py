"""``numlink numbers sync|import`` and ``numlink audit``: inventory through the API of a running
gateway. ``import`` registers the numbers of a file as batch registration tasks (chunks of up to
10,000, each sent with an Idempotency-Key derived from its content, so running the same command
again resumes) and writes one result row per line, like ``numlink bulk``."""

import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from app.cli.bulk import (
    DEFAULT_TIMEOUT_S,
    DEFAULT_URL,
    ApiKeyOpt,
    BaseUrlOpt,
    FileArg,
    Gateway,
    JsonOpt,
    NoWaitOpt,
    OutputOpt,
    SentChunk,
    SkipOpt,
    TimeoutOpt,
    fail,
    result_rows,
    sent_chunk,
    wait_for,
)
from app.cli.bulk_file import (
    InputFileError,
    chunks,
    default_output,
    idempotency_key,
    invalid_rows,
    numbers_to_send,
    output_problem,
    write_results,
)
from app.inventory.schemas import MAX_BATCH
from numlink_client import NumlinkError, WaitTimeoutError
from numlink_client.models import Audit, BulkTask, Finding

numbers_cli = typer.Typer(no_args_is_help=True, help="The numbers an account holds (via the API)")
FINDINGS_PAGE = 1000
ProviderOpt = Annotated[str, typer.Option("--provider", help="Provider name (as in the API)")]
IMPORT_OUTCOMES = ("registered", "rejected", "failed", "pending", "invalid")
State = TypeVar("State", BulkTask, Audit)


def _poll(
    gateway: Gateway,
    wait: Callable[..., State],
    state_id: str,
    describe: Callable[[State], str],
) -> State:
    """Waits with ``wait`` (a client's waiting helper) until the state is final or the
    deadline passes, showing ``describe(state)`` as it goes; returns the last state."""
    console = Console(stderr=True)
    with console.status("", spinner="dots") as status:
        try:
            return wait(
                state_id,
                on_progress=lambda state: status.update(describe(state)),
                timeout=max(0.0, gateway.deadline - time.monotonic()),
                interval=1.0,
            )
        except WaitTimeoutError as late:
            last: State = late.last
            return last


@numbers_cli.command("sync")
def sync(
    provider: ProviderOpt,
    api_key: ApiKeyOpt,
    base_url: BaseUrlOpt = DEFAULT_URL,
    no_wait: NoWaitOpt = False,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT_S,
    as_json: JsonOpt = False,
) -> None:
    """Import and refresh every number of the org's account at PROVIDER; wait for the counts."""
    gateway = Gateway.open(base_url, api_key, timeout)
    try:
        task = gateway.patiently(partial(gateway.client.phone_numbers.sync, provider=provider))
        if not no_wait:
            task = _poll(
                gateway,
                gateway.client.bulk_tasks.wait,
                task.id,
                lambda t: (
                    f"syncing {provider}: {t.counts.model_dump().get('seen', 0)} numbers seen"
                ),
            )
    except NumlinkError as exc:
        raise fail(str(exc), 3) from None
    finally:
        gateway.close()
    counts = task.counts.model_dump()
    if as_json:
        typer.echo(json.dumps({"task_id": task.id, "status": task.status, **counts}))
    else:
        typer.echo(
            f"sync {provider}: {task.status}; {counts['seen']} seen, {counts['added']} added,"
            f" {counts['updated']} updated, {counts['released']} released (task {task.id})"
        )
        if task.error:
            typer.echo(f"error: {task.error}", err=True)
    raise typer.Exit(0 if task.status == "completed" else 1)


@numbers_cli.command("import")
def import_numbers(
    file: FileArg,
    provider: ProviderOpt,
    api_key: ApiKeyOpt,
    base_url: BaseUrlOpt = DEFAULT_URL,
    label: Annotated[str | None, typer.Option(help="Label for every number")] = None,
    output: OutputOpt = None,
    skip_invalid: SkipOpt = False,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT_S,
    as_json: JsonOpt = False,
) -> None:
    """Register every number of FILE at PROVIDER (batches of up to 10,000) and write a result
    CSV. Running it again with the same file resumes the same task(s)."""
    try:
        parsed = numbers_to_send(file, skip_invalid)
    except InputFileError as exc:
        for bad in exc.invalid:
            typer.echo(bad.message(), err=True)
        raise fail(str(exc), 2) from None
    out = output or default_output(file)
    problem = output_problem(file, out)
    if problem:
        raise fail(problem, 2)
    gateway = Gateway.open(base_url, api_key, timeout)
    sent: list[SentChunk] = []
    try:
        for chunk in chunks(parsed.numbers, MAX_BATCH):
            numbers = [n.number for n in chunk]
            key = idempotency_key("register", f"{provider}:{label or ''}", numbers)
            batch = partial(
                gateway.client.phone_numbers.create_batch,
                provider=provider, numbers=numbers, label=label, idempotency_key=key,
            )  # fmt: skip
            sent.append(sent_chunk(chunk, gateway.patiently(batch)))
        finished = wait_for(gateway, sent, "registering")
        rows = invalid_rows(parsed.invalid)
        for chunk_sent in sent:
            rows.extend(result_rows(gateway, chunk_sent))
    except NumlinkError as exc:
        raise fail(str(exc), 3) from None
    finally:
        gateway.close()
    try:
        write_results(out, rows)
    except OSError as exc:
        raise fail(f"cannot write {out}: {exc}", 2) from None
    outcomes = Counter(row.outcome for row in rows)
    counts = {"total": len(rows), **{name: outcomes[name] for name in IMPORT_OUTCOMES}}
    ids = [chunk_sent.task_id for chunk_sent in sent]
    if as_json:
        summary = {"task_ids": ids, "counts": counts, "finished": finished, "output": str(out)}
        typer.echo(json.dumps(summary))
    else:
        listed = ", ".join(f"{counts[name]} {name}" for name in IMPORT_OUTCOMES)
        typer.echo(f"import: {len(rows)} numbers, {listed}; results in {out}")
    raise typer.Exit(0 if counts["registered"] == len(rows) else 1)


KINDS = ("missing_at_provider", "unknown_to_numlink", "wrong_campaign", "status_mismatch",
         "not_on_campaign")  # fmt: skip


def audit(
    api_key: ApiKeyOpt,
    campaign: Annotated[str | None, typer.Option("--campaign", help="Campaign id")] = None,
    provider: Annotated[str | None, typer.Option(help="Every campaign of a provider")] = None,
    messaging_profile: Annotated[
        str | None,
        typer.Option("--messaging-profile", help="A number pool that must be on --campaign"),
    ] = None,
    repair: Annotated[bool, typer.Option("--repair", help="Bring the numbers back")] = False,
    base_url: BaseUrlOpt = DEFAULT_URL,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT_S,
    as_json: JsonOpt = False,
) -> None:
    """Compare what the provider holds with numlink and print the findings (exit 1 if any is
    left unrepaired)."""
    campaign_id = None
    if campaign is not None:
        try:
            campaign_id = str(uuid.UUID(campaign))
        except ValueError:
            raise fail(f"--campaign must be a campaign id (a UUID), got {campaign!r}", 2) from None
    gateway = Gateway.open(base_url, api_key, timeout)
    try:
        create = partial(
            gateway.client.audits.create, campaign_id=campaign_id, provider=provider,
            messaging_profile_id=messaging_profile, repair=repair,
        )  # fmt: skip
        created = gateway.patiently(create)
        report = _poll(
            gateway,
            gateway.client.audits.wait,
            created.id,
            lambda a: f"auditing: {a.counts.total} findings so far",
        )
        findings = list(gateway.client.audits.findings(report.id, limit=FINDINGS_PAGE))
    except NumlinkError as exc:
        raise fail(str(exc), 3) from None
    finally:
        gateway.close()
    if as_json:
        listed = [f.model_dump(mode="json") for f in findings]
        typer.echo(json.dumps({"audit": report.model_dump(mode="json"), "findings": listed}))
    else:
        _print_findings(report, findings)
    unrepaired = sum(1 for f in findings if not f.repaired)
    raise typer.Exit(0 if report.status == "completed" and not unrepaired else 1)


def _print_findings(report: Audit, findings: list[Finding]) -> None:
    console = Console()
    if findings:
        table = Table(title=f"audit {report.id}")
        for column in ("number", "kind", "numlink campaign", "provider campaign", "repaired"):
            table.add_column(column)
        for f in findings:
            table.add_row(
                f.number, f.kind, f.numlink_campaign_id or "-",
                f.provider_campaign_id or "-", "yes" if f.repaired else "no",
            )  # fmt: skip
        console.print(table)
    counts = report.counts.model_dump()
    by_kind = ", ".join(f"{counts[k]} {k}" for k in KINDS if counts[k])
    typer.echo(
        f"audit {report.status}: {counts['total']} findings"
        f"{' (' + by_kind + ')' if by_kind else ''}, {counts['repaired']} repaired"
    )
    if report.error:
        typer.echo(f"error: {report.error}", err=True)
