"""Files and folders the system refuses (issue 14 item 13): every command, against a read-only
data folder, ``--db`` pointing at a file, an unwritable or blocked ``--out``, a name longer than
255 bytes, and a missing or unreadable input, ends with the project's error — exit status 1, a
message naming the path, a hint — never a Python traceback.

The commands are enumerated from the click group, so a new command must say here how it is
run (and which of the paths it uses) or this test fails. Each command runs under each condition
on a path it uses (and the commands that use no store under every condition). Permissions mean
nothing to root (CI runs as root), so the matrix runs twice: as root, then in a forked child
that has dropped to user ``nobody`` (``setgroups``/``setgid``/``setuid``, as ``setpriv --reuid=65534
--regid=65534 --clear-groups`` would — a forked child, because the interpreter may live where
``nobody`` cannot read, e.g. under ``/root``; the first run has imported what the commands need),
in a folder that user owns. The installed command itself is run too, for the conditions root
meets as well, to see its real standard error.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

import pytest

NOBODY = 65534
LONG = "n" * 300  # one path component over the usual 255-byte limit

#: How each command is run: its arguments given the output path and the input file (None: a
#: valid one), and which paths it uses — "db" (the data folder), "out", "input".
COMMANDS = {
    "db status": (lambda out, inp: ["db", "status"], {"db"}),
    "db start": (lambda out, inp: ["db", "start"], {"db"}),
    "db stop": (lambda out, inp: ["db", "stop"], {"db"}),
    "db reset": (lambda out, inp: ["db", "reset", "--yes"], {"db"}),
    "db repair": (lambda out, inp: ["db", "repair"], {"db"}),
    "db finish-import": (lambda out, inp: ["db", "finish-import"], {"db"}),
    "db migrate": (lambda out, inp: ["db", "migrate"], {"db"}),
    "db history": (lambda out, inp: ["db", "history"], {"db"}),
    "history": (lambda out, inp: ["history", "--format", "json"], {"db"}),
    "unload": (lambda out, inp: ["unload", "--dataset", "pmf-weapons-2022", "--dry-run"], {"db"}),
    "load": (lambda out, inp: ["load", inp] if inp else ["load", "--sample", "-q"], {"db", "input"}),
    "query list": (lambda out, inp: ["query", "list"], set()),
    "query show": (lambda out, inp: ["query", "show", "stances"], set()),
    "query run": (lambda out, inp: ["query", "run", "stances"], {"db"}),
    "cypher": (lambda out, inp: ["cypher", "RETURN 1"], {"db"}),
    "show": (lambda out, inp: ["show", "Iran"], {"db"}),
    "report centrality": (lambda out, inp: ["report", "centrality", "--out", out], {"db", "out"}),
    "export neo4j-admin": (lambda out, inp: ["export", "neo4j-admin", out], {"db", "out"}),
    "export browser-favorites": (lambda out, inp: ["export", "browser-favorites", out + ".zip"], {"out"}),
    "export browser": (lambda out, inp: ["export", "browser", out], {"out"}),
    "generate": (lambda out, inp: ["generate", out, "-n", "100"], {"out"}),
    "demo": (lambda out, inp: ["demo", "--out", out], {"db", "out"}),
    "config show": (lambda out, inp: ["config", "show"], set()),
}


def _conditions(w: Path) -> list[tuple[str, str, dict[str, str]]]:
    """(name, the path it uses, {"db"|"out"|"input": value}) for the work folder ``w``."""
    return [
        ("read-only data folder", "db", {"db": str(w / "ro")}),
        ("--db is a file", "db", {"db": str(w / "afile")}),
        ("--db under a file", "db", {"db": str(w / "afile" / "db")}),
        ("--db name too long", "db", {"db": str(w / LONG)}),
        ("unwritable --out", "out", {"out": str(w / "ro" / "out")}),
        ("--out under a file", "out", {"out": str(w / "afile" / "out")}),
        ("--out name too long", "out", {"out": str(w / LONG)}),
        ("missing input", "input", {"input": str(w / "missing.yaml")}),
        ("unreadable input", "input", {"input": str(w / "secret.yaml")}),
        ("unreadable CSV input", "input", {"input": str(w / "secret.csv")}),
        ("missing CSV input", "input", {"input": str(w / "missing.csv")}),
        ("input name too long", "input", {"input": str(w / (LONG + ".yaml"))}),
        ("CSV input name too long", "input", {"input": str(w / (LONG + ".csv"))}),
        ("input is a folder", "input", {"input": str(w / "folder.yaml")}),
    ]


def _commands() -> dict[str, object]:
    from intelgraph.cli import cli

    def walk(group, path=()):
        for name, cmd in group.commands.items():
            if hasattr(cmd, "commands"):
                yield from walk(cmd, (*path, name))
            else:
                yield " ".join((*path, name)), cmd

    return dict(walk(cli))


def run_matrix(w: Path, good_db: str) -> list[dict[str, object]]:
    """Every command under the conditions on paths it uses, in this process (as whoever runs it)."""
    from click.testing import CliRunner

    from intelgraph.cli import cli

    runner = CliRunner()
    out: list[dict[str, object]] = []
    start = runner.invoke(cli, ["--db", good_db, "db", "start"])
    assert start.exit_code == 0, start.output
    try:
        for name in _commands():
            argv, uses = COMMANDS[name]
            for cond, kind, paths in _conditions(w):
                if kind not in uses and "db" in uses:
                    continue  # a store command under a condition on a path it does not use: nothing to see
                db = paths.get("db", good_db)
                args = ["--db", db, *argv(paths.get("out", str(w / "fresh" / name.replace(" ", "-"))),
                                          paths.get("input"))]
                res = runner.invoke(cli, args)
                exc = res.exception
                out.append({"command": name, "condition": cond, "kind": kind, "uses": kind in uses,
                            "path": paths[kind], "exit": res.exit_code, "output": res.output,
                            "exception": None if exc is None or isinstance(exc, SystemExit) else repr(exc)})
    finally:
        runner.invoke(cli, ["--db", good_db, "db", "stop"])
    return out


def _prepare(w: Path) -> None:
    """The work folder, owned by ``nobody``: a data folder, a read-only folder, a file, an
    unreadable dataset and CSV file, a folder named like a dataset."""
    for d in ("db", "ro", "folder.yaml", "fresh", "mpl"):
        (w / d).mkdir(mode=0o700)
    (w / "afile").write_text("not a folder\n")
    for name in ("secret.yaml", "secret.csv"):
        (w / name).write_text("dataset: x\n" if name.endswith("yaml") else ":ID,name\n")
    for p in [w, *w.iterdir()]:
        os.chown(p, NOBODY, NOBODY)
    (w / "ro").chmod(0o500)
    for name in ("secret.yaml", "secret.csv"):
        (w / name).chmod(0o000)


def _as_nobody(w: Path) -> list[dict[str, object]]:
    """:func:`run_matrix` in a forked child running as ``nobody``, its results through a pipe."""
    r, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            os.environ.update(HOME=str(w), MPLCONFIGDIR=str(w / "mpl"))
            for k in [k for k in os.environ if k.startswith(("INTELGRAPH_", "NEO4J_"))]:
                del os.environ[k]
            os.chdir(w)
            data = json.dumps(run_matrix(w, str(w / "db"))).encode()
            with os.fdopen(wfd, "wb") as fh:
                fh.write(data)
            code = 0
        except BaseException:  # noqa: BLE001 - said on stderr, seen by the parent as a status
            traceback.print_exc()
        finally:
            os._exit(code)
    os.close(wfd)
    with os.fdopen(r, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the matrix as nobody failed (its stderr is above)"
    return json.loads(data)


@pytest.fixture(scope="module")
def matrix(tmp_path_factory) -> dict[str, list[dict[str, object]]]:
    folders = [Path(tempfile.mkdtemp(prefix="intelgraph-fs-", dir="/tmp")) for _ in range(2)]  # nobody reaches /tmp
    root_db = tmp_path_factory.mktemp("rootdb") / "db"
    try:
        for w in folders:
            _prepare(w)
            os.chmod(w, 0o755)
        as_root = run_matrix(folders[0], str(root_db))  # (and it imports what the commands need)
        return {"root": as_root, "nobody": _as_nobody(folders[1])}
    finally:
        for w in folders:
            (w / "ro").chmod(0o700)
            shutil.rmtree(w, ignore_errors=True)


def test_every_command_says_how_it_is_run():
    missing = sorted(set(_commands()) - set(COMMANDS))
    assert not missing, f"add these commands to COMMANDS in {__file__}: {missing}"


#: Conditions that root's privileges get past (it may write a read-only folder, read a mode-000 file)
PERMISSIONS = {"read-only data folder", "unwritable --out", "unreadable input", "unreadable CSV input"}


@pytest.mark.slow
@pytest.mark.parametrize("who", ["root", "nobody"])
def test_every_command_ends_in_an_error_naming_the_path_not_a_traceback(matrix, who):
    results = matrix[who]
    assert results, "the matrix ran nothing"
    assert {r["condition"] for r in results} == {c for c, _, _ in _conditions(Path("/"))}
    problems = []
    for r in results:
        where = f"{r['command']!r} with {r['condition']}"
        if r["exception"] is not None:
            problems.append(f"{where}: a traceback ({r['exception']})")
        elif not r["uses"] or (who == "root" and r["condition"] in PERMISSIONS):
            continue
        elif r["exit"] == 0:
            problems.append(f"{where}: exit status 0: {r['output'][-300:]!r}")
        elif r["exit"] == 2 and "Error: Invalid value" in r["output"] and r["path"] in r["output"]:
            continue  # click refused the argument itself (a folder given as a file): a usage error
        elif r["exit"] != 1 or r["path"] not in r["output"] or "hint:" not in r["output"]:
            problems.append(f"{where}: exit {r['exit']}, no error naming {r['path'][-60:]!r} with a hint: "
                            f"{r['output'][-400:]!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_the_installed_command_prints_no_traceback(tmp_path):
    """The real entry point (not the test runner), as root, for the paths root cannot bypass."""
    cli = str(Path(sys.executable).with_name("intelgraph"))
    afile = tmp_path / "afile"
    afile.write_text("x")
    for args, path in ((["--db", str(afile), "db", "status"], str(afile)),
                       (["--db", str(tmp_path / LONG), "cypher", "RETURN 1"], str(tmp_path / LONG)),
                       (["generate", str(afile / "out")], str(afile / "out")),
                       (["export", "browser", str(tmp_path / LONG)], str(tmp_path / LONG))):
        proc = subprocess.run([cli, *args], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
        assert path in proc.stderr and "hint:" in proc.stderr, proc.stderr
