"""XML entities and DTDs are never expanded and never fetched: a workbook declaring any is refused unread.

Excel, WPS and LibreOffice never write `<!DOCTYPE` or `<!ENTITY`. The payloads: billion laughs in the
shared strings, an external entity naming a secret file, one naming an http URL, a bare DOCTYPE, and a
UTF-16 sheet. Each is refused with `file-xml-dtd`, and the secret appears in no output.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import python_calamine as pc
from zipcraft import SHEET1, clean_xlsx, rewrite

from processor import check_file
from processor.core.model import Status

ROOT = Path(__file__).resolve().parents[2]
DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SECRET = "TOP-SECRET-7f3a9c"


def _laughs(root: bytes) -> bytes:
    levels = [b'<!ENTITY lol "lol">'] + [
        b'<!ENTITY lol%d "%s">' % (i, b"".join(b"&lol%s;" % (str(i - 1).encode() if i > 1 else b"") for _ in range(10)))
        for i in range(1, 10)]
    return b"<!DOCTYPE " + root + b" [" + b"".join(levels) + b"]>\n"


def _inject(dtd: bytes, ref: bytes) -> Callable[[bytes], bytes]:
    """Put a DTD after the XML declaration and an entity reference in front of the first 项目名称 text."""
    def edit(data: bytes) -> bytes:
        label = "项目名称".encode()
        return data.replace(DECL, DECL + dtd, 1).replace(label, ref + label, 1)
    return edit


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


def _payloads(tmp_path: Path, secret: Path) -> dict[str, Path]:
    base = clean_xlsx(tmp_path / "base.xlsx")
    strings = "xl/sharedStrings.xml"
    return {
        "laughs": rewrite(base, tmp_path / "laughs.xlsx", edits={strings: _inject(_laughs(b"sst"), b"&lol9;")}),
        "file": rewrite(base, tmp_path / "xxe_file.xlsx", edits={strings: _inject(
            b'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "' + secret.as_uri().encode() + b'">]>\n', b"&xxe;")}),
        "http": rewrite(base, tmp_path / "xxe_http.xlsx", edits={SHEET1: _inject(
            b'<!DOCTYPE worksheet [<!ENTITY % ext SYSTEM "http://127.0.0.1:9/evil.dtd"> %ext;]>\n', b"")}),
        "bare": rewrite(base, tmp_path / "doctype.xlsx", edits={"xl/workbook.xml": _inject(b"<!DOCTYPE workbook>\n", b"")}),
        "utf16": rewrite(base, tmp_path / "utf16.xlsx", edits={strings: lambda d: (
            b'<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE sst [<!ENTITY a "b">]>\n'
            + d.split(b"?>", 1)[1]).decode("utf-8").encode("utf-16")}),
    }


@pytest.mark.parametrize("kind, member", [
    ("laughs", "xl/sharedStrings.xml"), ("file", "xl/sharedStrings.xml"), ("http", SHEET1),
    ("bare", "xl/workbook.xml"), ("utf16", "xl/sharedStrings.xml")])
def test_entity_declarations_are_refused(tmp_path: Path, secret: Path, kind: str, member: str) -> None:
    path = _payloads(tmp_path, secret)[kind]
    result = check_file(path)
    assert result.status is Status.REJECTED
    [found] = result.findings
    assert (found.code, found.severity.value) == ("file-xml-dtd", "error")
    assert f"“{member}”含有 XML 文档类型或实体声明（<!DOCTYPE" in found.message
    assert "正常的 Excel/WPS 文件从不包含" in found.message
    assert SECRET not in repr(result)


def test_no_output_leaks_the_file_entity(tmp_path: Path, secret: Path) -> None:
    """The whole CLI, JSON and table, on a folder of every payload: the secret file's text appears nowhere."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, path in _payloads(tmp_path, secret).items():
        path.rename(inbox / f"{name}.xlsx")
    for args in (["check", str(inbox), "--json"], ["check", str(inbox)]):
        proc = subprocess.run([sys.executable, "-m", "processor", *args], capture_output=True, text=True,
                              encoding="utf-8", timeout=120, cwd=ROOT)
        assert SECRET not in proc.stdout and SECRET not in proc.stderr
        assert "file-xml-dtd" in proc.stdout or "实体声明" in proc.stdout


def test_calamine_itself_never_expands_entities(tmp_path: Path, secret: Path) -> None:
    """A sentinel on the dependency: should the guard ever miss a DTD, calamine refuses the entity
    (quick-xml knows only the five predefined ones) rather than expanding or fetching it."""
    for kind in ("laughs", "file"):
        path = _payloads(tmp_path, secret)[kind]
        with pytest.raises(Exception, match="unrecognized entity") as caught:  # shared strings: read on open
            pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("表").to_python()
        assert SECRET not in str(caught.value)


def test_pictures_and_binary_parts_may_hold_anything(tmp_path: Path, fixtures: Path) -> None:
    """An SVG icon with its DOCTYPE (as illustration programs write them) and a macro project whose bytes
    happen to spell <!DOCTYPE are not XML that calamine parses: the workbook is read as usual."""
    svg = (b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
           b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg xmlns="http://www.w3.org/2000/svg"/>')
    path = clean_xlsx(tmp_path / "icon.xlsx")
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("xl/media/image1.svg", svg)
    assert check_file(path).status is Status.ACCEPTED
    macro = tmp_path / "macro.xlsm"
    macro.write_bytes((fixtures / "seed.xlsm").read_bytes())
    with zipfile.ZipFile(macro, "a") as zf:
        zf.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b'Print "<!DOCTYPE html>"' * 3)
    result = check_file(macro)
    assert result.status is not Status.REJECTED, result.findings
