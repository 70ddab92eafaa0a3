"""The numbers file of ``numlink bulk``: a number must be exact E.164 in ASCII digits."""

from pathlib import Path

from app.cli.bulk_file import read_numbers


def test_unicode_digits_are_malformed_lines(tmp_path: Path) -> None:
    source = tmp_path / "fleet.csv"
    source.write_text(
        "number\n"
        "+14155552671\n"
        "+1415555\u0662\u0666\u0667\u0661\n"  # Arabic-Indic digits
        "+\uff11\uff14\uff11\uff15\uff15\uff15\uff15\uff12\uff16\uff17\uff12\n"
        " +14155552673 \n",  # surrounding spaces of a cell are trimmed, as before
        encoding="utf-8",
    )
    parsed = read_numbers(source)
    assert [(n.line, n.number) for n in parsed.numbers] == [
        (2, "+14155552671"),
        (5, "+14155552673"),
    ]
    assert [bad.line for bad in parsed.invalid] == [3, 4]
    assert all("E.164" in bad.reason for bad in parsed.invalid)
