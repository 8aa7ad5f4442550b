"""The embedded server's life cycle: private socket, generated password, persistence,
stale-state recovery."""

from __future__ import annotations

import json
import os
import stat

import pytest

from intelgraph.cypher.falkordb.server import EmbeddedServer
from intelgraph.cypher.falkordb.store import FalkorStore


@pytest.fixture
def own_server(tmp_path):
    srv = EmbeddedServer(tmp_path / "db")
    yield srv
    srv.stop()


@pytest.mark.slow
def test_private_socket_and_password(own_server):
    assert own_server.start() is True
    st = json.loads(own_server.state_file.read_text())
    assert st["socket"] and st["port"] == 0  # no TCP port at all
    assert stat.S_IMODE(os.stat(own_server.password_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(own_server.conf_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(own_server.dir).st_mode) == 0o700
    password = own_server.password_file.read_text().strip()
    assert len(password) >= 32
    # the password is not on the server's command line
    cmdline = open(f"/proc/{st['pid']}/cmdline", "rb").read().decode(errors="replace")
    assert password not in cmdline
    # and a client without it is refused
    import redis

    with pytest.raises(redis.exceptions.AuthenticationError):
        redis.Redis(unix_socket_path=st["socket"]).ping()


def test_start_is_reentrant_and_stop_is_clean(own_server):
    assert own_server.start() is True
    assert own_server.start() is False
    assert own_server.is_running()
    assert own_server.stop() is True
    assert not own_server.is_running()
    assert not own_server.state_file.exists()
    assert own_server.stop() is False


def test_data_survives_sigkill_of_the_server(own_server):
    st = FalkorStore(own_server, graph="g")
    st.write("CREATE (:Entity {id: 'kept'})")
    own_server.kill()
    st2 = FalkorStore(own_server, graph="g")  # restarts it, after clearing the stale record
    assert st2.read("MATCH (n:Entity {id: 'kept'}) RETURN count(n)").scalar() == 1


def test_stale_state_is_recovered(own_server, caplog):
    own_server.dir.mkdir(parents=True, exist_ok=True)
    own_server.state_file.write_text(json.dumps({"pid": 999999, "socket": str(own_server.socket_path), "port": 0}))
    own_server.socket_path.write_text("")  # a leftover socket file
    with caplog.at_level("WARNING"):
        assert own_server.start() is True
    assert "stale" in caplog.text
    assert own_server.is_running()


def test_store_stops_the_server_it_started(tmp_path):
    srv = EmbeddedServer(tmp_path / "db2")
    st = FalkorStore(srv, graph="g")
    assert srv.is_running()
    st.close()
    assert not srv.is_running()


def _rewrite(store) -> str:
    return str(store.db.connection.config_get("auto-aof-rewrite-percentage")["auto-aof-rewrite-percentage"])


def test_big_loads_turn_the_aof_rewrite_off_and_the_last_one_out_turns_it_on(own_server):
    """Overlapping big loads each turn the append-only file's automatic rewrite off; it comes
    back (as the config file has it) only when the last of them ends, and a store opened in
    between does not turn it on under a running load."""
    own_server.start()
    st = FalkorStore(own_server, graph="g", autostart=False)
    conf = _rewrite(st)
    assert conf == "50"
    with own_server.no_aof_rewrite(st.command):
        other = FalkorStore(own_server, graph="h", autostart=False)
        with own_server.no_aof_rewrite(other.command):
            assert _rewrite(st) == "0"
        assert _rewrite(st) == "0"  # the first load still runs
        FalkorStore(own_server, graph="i", autostart=False).close()
        assert _rewrite(st) == "0"
        other.close()
    assert _rewrite(st) == conf
    st.close()


def test_a_store_opened_after_a_killed_big_load_turns_the_aof_rewrite_back_on(own_server, caplog):
    """A big load killed mid-way leaves the rewrite off (its lock died with it); the next store
    to open puts it back and says so."""
    own_server.start()
    st = FalkorStore(own_server, graph="g", autostart=False)
    st.command("CONFIG SET", "auto-aof-rewrite-percentage", 0)  # what the killed load left
    with caplog.at_level("WARNING"):
        again = FalkorStore(own_server, graph="g", autostart=False)
    assert _rewrite(again) == "50"
    assert "interrupted" in caplog.text and "back on" in caplog.text
    again.close()
    st.close()
