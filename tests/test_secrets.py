"""Secrets: the Neo4j password comes only from the environment, a named env file or a prompt, and
is never in argv, logs, error messages or reports; the embedded server's generated password is
never on a command line, in ``db status``, its log or a report; the embedded server listens
only on a unix socket, or on loopback when the socket path would be too long.

Every command here is the real ``intelgraph`` CLI in a child process whose logging is at DEBUG
for everything (the Neo4j driver, intelgraph, redis), and every byte it prints — stdout, stderr,
the logs — and every file it writes is searched for the password.

For "wrong password" the test needs a Bolt endpoint that refuses a login. No Neo4j server runs
here, so :class:`RefusingBolt` is one: it speaks just enough Bolt 5.0 (the handshake, then a
FAILURE ``Neo.ClientError.Security.Unauthorized`` to HELLO) and records what it receives —
which lets the test check that the password really was sent, so that its absence from the
output means something.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path

import click
import pytest

from intelgraph.cli import cli
from intelgraph.config import Settings
from intelgraph.cypher.falkordb.server import EmbeddedServer

PY = sys.executable
# run the CLI with every logger at DEBUG, logging to stderr
RUN_CLI = ("import logging, sys; logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, "
           "format='%(name)s %(levelname)s %(message)s'); from intelgraph.cli import main; main()")


def run_cli(args: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-c", RUN_CLI, *args], env=env, cwd=cwd, input=stdin, capture_output=True,
                          text=True, timeout=120, start_new_session=True)  # no controlling terminal


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "INTELGRAPH_"))}
    env.update(extra)
    return env


def assert_absent(secret: str, *texts: str | bytes) -> None:
    for text in texts:
        hay = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
        assert secret.encode() not in hay, f"the password leaked into: {hay[:2000]!r}"


def new_password() -> str:
    return "pw-" + secrets.token_hex(12)


# -- a Bolt endpoint that refuses every login ---------------------------------------------------
def _pack_str(s: str) -> bytes:
    b = s.encode()
    return (bytes([0x80 + len(b)]) if len(b) < 16 else bytes([0xD0, len(b)])) + b


class RefusingBolt:
    """Accepts Bolt connections on 127.0.0.1 and agrees on Bolt 5.2 (the oldest the driver's
    notification filter accepts): HELLO is answered with SUCCESS, LOGON — which carries the
    credentials — with FAILURE Unauthorized."""

    HELLO, LOGON = 0x01, 0x6A
    SUCCESS = (b"\xB1\x70\xA2" + _pack_str("server") + _pack_str("Neo4j/5.26.0")
               + _pack_str("connection_id") + _pack_str("bolt-1"))
    FAILURE = (b"\xB1\x7F\xA2" + _pack_str("code") + _pack_str("Neo.ClientError.Security.Unauthorized")
               + _pack_str("message") + _pack_str("The client is unauthorized due to authentication failure."))

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.received = bytearray()
        self.logins = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _recv_exact(self, conn: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise ConnectionError
            data += chunk
        self.received += data
        return data

    def _message(self, conn: socket.socket) -> bytes:
        data = b""
        while True:
            (size,) = struct.unpack(">H", self._recv_exact(conn, 2))
            if size == 0:
                return data
            data += self._recv_exact(conn, size)

    @staticmethod
    def _send(conn: socket.socket, message: bytes) -> None:
        conn.sendall(struct.pack(">H", len(message)) + message + b"\x00\x00")

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                try:
                    conn.settimeout(10)
                    self._recv_exact(conn, 20)  # magic + four version proposals
                    conn.sendall(b"\x00\x00\x02\x05")  # Bolt 5.2
                    while True:
                        msg = self._message(conn)
                        if len(msg) > 1 and msg[1] == self.HELLO:
                            self._send(conn, self.SUCCESS)
                        elif len(msg) > 1 and msg[1] == self.LOGON:
                            self.logins += 1
                            self._send(conn, self.FAILURE)
                        # anything else (GOODBYE, RESET): read on until the driver hangs up
                except (OSError, ConnectionError, struct.error):
                    pass

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def bolt():
    srv = RefusingBolt()
    yield srv
    srv.close()


# -- the command line takes no password ---------------------------------------------------------
def _all_params(command: click.Command, path: str = "intelgraph"):
    for p in command.params:
        yield path, p
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _all_params(sub, f"{path} {name}")


def test_no_command_takes_a_password_argument():
    offenders = [(path, opt) for path, p in _all_params(cli) for opt in getattr(p, "opts", [])
                 if "pass" in opt.lower() and opt != "--ask-password"]
    assert offenders == []
    ask = next(p for _, p in _all_params(cli) if "--ask-password" in getattr(p, "opts", []))
    assert ask.is_flag, "--ask-password is a flag: the password is typed at the prompt, not given"


def test_password_on_the_command_line_is_refused(tmp_path):
    pw = new_password()
    out = run_cli(["--engine", "neo4j", "--uri", "bolt://127.0.0.1:1", "--password", pw, "db", "status"],
                  clean_env(), tmp_path)
    assert out.returncode == 2 and "No such option" in out.stderr
    assert_absent(pw, out.stdout, out.stderr.replace(f"--password {pw}", ""))  # click names only the option


def test_settings_never_show_the_password(tmp_path, monkeypatch):
    pw = new_password()
    monkeypatch.setenv("NEO4J_PASSWORD", pw)
    monkeypatch.delenv("INTELGRAPH_ENV_FILE", raising=False)
    s = Settings.from_env(engine="neo4j", uri="bolt://127.0.0.1:1")
    assert s.neo4j_password == pw
    assert_absent(pw, repr(s), str(s))


# -- Neo4j: environment, env file, prompt; unreachable, refused, URI with credentials ------------
def _neo4j_cases(tmp_path: Path, pw: str, uri: str):
    """(name, env, cwd, stdin, extra args): the three ways a password may be given."""
    dotenv_dir = tmp_path / "with-dotenv"
    dotenv_dir.mkdir()
    (dotenv_dir / ".env").write_text(f"# local settings\nNEO4J_URI={uri}\nNEO4J_PASSWORD='{pw}'\n")
    (dotenv_dir / ".env").chmod(0o600)
    plain = tmp_path / "plain"
    plain.mkdir()
    return [
        ("environment", clean_env(NEO4J_PASSWORD=pw, NEO4J_URI=uri), plain, None, []),
        ("env file", clean_env(), dotenv_dir, None, ["--env-file", ".env"]),
        ("prompt", clean_env(NEO4J_URI=uri), plain, pw + "\n", ["--ask-password"]),
    ]


@pytest.mark.slow
def test_unreachable_neo4j(tmp_path):
    pw = new_password()
    for name, env, cwd, stdin, extra in _neo4j_cases(tmp_path, pw, "bolt://127.0.0.1:1"):
        out = run_cli(["--engine", "neo4j", *extra, "db", "status"], env, cwd, stdin)
        assert out.returncode == 1, (name, out.stderr[-2000:])
        assert "error: cannot reach Neo4j at bolt://127.0.0.1:1" in out.stderr, (name, out.stderr[-2000:])
        assert "neo4j" in out.stderr and "DEBUG" in out.stderr, "the driver's debug log was captured"
        assert_absent(pw, out.stdout, out.stderr)


@pytest.mark.slow
def test_refused_credentials(tmp_path, bolt):
    pw = new_password()
    uri = f"bolt://127.0.0.1:{bolt.port}"
    for name, env, cwd, stdin, extra in _neo4j_cases(tmp_path, pw, uri):
        before = bytes(bolt.received)
        out = run_cli(["--engine", "neo4j", "--user", "analyst", *extra, "db", "status"], env, cwd, stdin)
        assert out.returncode == 1, (name, out.stderr[-2000:])
        assert f"error: Neo4j at {uri} refused the credentials for user 'analyst'" in out.stderr, \
            (name, out.stderr[-3000:])
        sent = bytes(bolt.received)[len(before):]
        assert pw.encode() in sent, f"{name}: the password never reached the server, so the test proves nothing"
        assert "C: LOGON" in out.stderr, "the driver's message log was captured"
        assert_absent(pw, out.stdout, out.stderr)


@pytest.mark.slow
def test_credentials_in_the_uri_are_refused_without_echo(tmp_path):
    pw = new_password()
    for uri in (f"bolt://neo4j:{pw}@127.0.0.1:1", f"neo4j+s://analyst:{pw}@db.example.org"):
        out = run_cli(["--engine", "neo4j", "db", "status"], clean_env(NEO4J_URI=uri, NEO4J_PASSWORD="x"), tmp_path)
        assert out.returncode == 1
        assert "error: the Neo4j URI carries a user name or password" in out.stderr, out.stderr[-2000:]
        assert "NEO4J_PASSWORD" in out.stderr  # says where the password goes instead
        assert_absent(pw, out.stdout, out.stderr)


def test_missing_password_says_where_to_put_it(tmp_path):
    out = run_cli(["--engine", "neo4j", "--uri", "bolt://127.0.0.1:1", "db", "status"], clean_env(), tmp_path)
    assert out.returncode == 1
    assert "no Neo4j password given" in out.stderr and "never on the command line" in out.stderr


# -- the embedded server -------------------------------------------------------------------------
def _listening(pid: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Addresses of the TCP sockets process ``pid`` listens on (from /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            m = re.fullmatch(r"socket:\[(\d+)\]", os.readlink(fd))
        except OSError:
            continue
        if m:
            inodes.add(m.group(1))
    out = []
    for table in ("tcp", "tcp6"):
        path = Path(f"/proc/net/{table}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(local.split(":")[0])
            # /proc prints each 32-bit word in host (little-endian) order
            words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
            out.append(ipaddress.ip_address(words))
    return out


@pytest.fixture
def embedded(tmp_path):
    srv = EmbeddedServer(tmp_path / "db")
    srv.start()  # kept running across the commands below, like `intelgraph db start`
    yield srv
    srv.stop()


@pytest.mark.slow
def test_embedded_password_stays_out_of_argv_output_logs_and_reports(embedded, tmp_path):
    secret = embedded.password_file.read_text().strip()
    neo4j_pw = new_password()
    env = clean_env(NEO4J_PASSWORD=neo4j_pw)  # set, though unused: it must not leak either
    base = ["--db", str(embedded.dir), "--graph", "secrets"]
    outputs = []
    for args in (["load", "--sample", "-q"], ["db", "status"], ["db", "status", "--format", "json"],
                 ["report", "centrality", "--out", str(tmp_path / "report"), "--projection", "actors"],
                 ["query", "run", "connections", "-p", "from", "PMF", "-p", "to", "Russia"],
                 ["cypher", "MATCH (n) RETURN n.nope +"],  # refused by the engine: an error message
                 ["cypher", "CREATE (:Entity {id: 'x'})"]):  # a write run read-only: another error
        out = run_cli(base + args, env, tmp_path)
        outputs.append(out)
    assert [o.returncode for o in outputs] == [0, 0, 0, 0, 0, 1, 1], [o.stderr[-1500:] for o in outputs]
    assert "error: FalkorDB refused the query" in outputs[5].stderr
    status = json.loads(outputs[2].stdout)
    assert status["nodes"] > 50
    pid = embedded.state()["pid"]
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    report_files = [p.read_bytes() for p in (tmp_path / "report").iterdir()]
    assert len(report_files) >= 5
    for secret_value in (secret, neo4j_pw):
        assert_absent(secret_value, cmdline, embedded.log_file.read_bytes(), embedded.state_file.read_bytes(),
                      *[o.stdout for o in outputs], *[o.stderr for o in outputs], *report_files)


def test_embedded_server_listens_on_a_private_socket_only(embedded):
    st = embedded.state()
    assert st["socket"] and st["port"] == 0
    assert _listening(st["pid"]) == []  # no TCP port at all
    sock = Path(st["socket"])
    assert sock.is_socket() and (sock.stat().st_mode & 0o077) == 0
    assert (embedded.dir.stat().st_mode & 0o077) == 0
    assert (embedded.password_file.stat().st_mode & 0o077) == 0


@pytest.mark.slow
def test_embedded_server_on_tcp_listens_on_loopback_only(tmp_path):
    """Where the socket path would be too long for the OS, the server takes a TCP port: on
    127.0.0.1 (and ::1) only, still behind the generated password."""
    import redis

    srv = EmbeddedServer(tmp_path / ("long-" * 20) / "db")
    assert len(str(srv.socket_path)) > 100
    try:
        srv.start()
        st = srv.state()
        assert st["socket"] is None and st["port"] > 0
        addresses = _listening(st["pid"])
        assert addresses and all(a.is_loopback for a in addresses), addresses
        secret = srv.password_file.read_text().strip()
        assert_absent(secret, Path(f"/proc/{st['pid']}/cmdline").read_bytes())
        with pytest.raises(redis.exceptions.AuthenticationError):
            redis.Redis(host="127.0.0.1", port=st["port"]).ping()
        assert redis.Redis(host="127.0.0.1", port=st["port"], password=secret).ping()
    finally:
        srv.stop()


# -- the same on a live Neo4j: a real login, a real load, a real refusal -------------------------
@pytest.mark.slow  # a live Neo4j (started privately when none is named): ~96 s of the 'not slow' loop
def test_live_neo4j_password_never_printed(request, tmp_path):
    """Against the real server, at DEBUG everywhere: a load and a query with the password from
    the environment or the prompt print no byte of it; a wrong password is refused by the
    server with the project's message, and not echoed either."""
    from conftest import open_neo4j, wipe_neo4j

    uri, user, pw = request.getfixturevalue("neo4j_settings")
    st = open_neo4j(request)
    plain = tmp_path / "plain"
    plain.mkdir()
    try:
        ways = [("environment", clean_env(NEO4J_URI=uri, NEO4J_USER=user, NEO4J_PASSWORD=pw), None, []),
                ("prompt", clean_env(NEO4J_URI=uri, NEO4J_USER=user), pw + "\n", ["--ask-password"])]
        for name, env, stdin, extra in ways:
            for args in (["load", "--sample", "-q"], ["cypher", "MATCH (n:Entity) RETURN count(n) AS n"],
                         ["db", "status"]):
                out = run_cli(["--engine", "neo4j", *extra, *args], env, plain, stdin)
                assert out.returncode == 0, (name, args, out.stderr[-3000:])
                assert "neo4j" in out.stderr and "DEBUG" in out.stderr, "the driver's debug log was captured"
                assert_absent(pw, out.stdout, out.stderr)
        assert st.counts()[0] > 0  # the loads really reached the server
        # a wrong password for a user that does not exist (so no real account is locked out)
        wrong = new_password()
        out = run_cli(["--engine", "neo4j", "--user", "analyst", "db", "status"],
                      clean_env(NEO4J_URI=uri, NEO4J_PASSWORD=wrong), plain)
        assert out.returncode == 1, out.stderr[-2000:]
        assert f"error: Neo4j at {uri} refused the credentials for user 'analyst'" in out.stderr, out.stderr[-3000:]
        assert "Traceback" not in out.stderr
        assert_absent(wrong, out.stdout, out.stderr)
        assert_absent(pw, out.stdout, out.stderr)
        assert not any(p.is_file() and pw.encode() in p.read_bytes() for p in tmp_path.rglob("*"))
    finally:
        wipe_neo4j(st)
        st.close()
