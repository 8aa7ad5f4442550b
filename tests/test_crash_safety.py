"""Crash safety: a load killed at any point and run again ends as one clean load; the embedded
server's data survives a SIGKILL of the server; a half-started or stale server is recovered
from, or refused, with a message that says what happened.

The loads here are the real command, ``intelgraph load``, run as a child process and killed
with SIGKILL at points drawn from a seeded RNG: either after a random delay (which lands in
start-up, validation, schema creation or the writes) or once a random share of the records has
reached the graph (polled from outside), so kills spread over the node and the relationship
phases. ``--batch-size`` is small so there are well over a hundred batches to interrupt.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from helpers_synthetic import write_dataset
from intelgraph.api import load_paths
from intelgraph.cypher.falkordb.files import _pid_alive
from intelgraph.cypher.falkordb.server import EmbeddedServer
from intelgraph.cypher.falkordb.store import FalkorStore
from intelgraph.errors import ServerError, StoreError

pytestmark = pytest.mark.slow  # dozens of killed loads and servers: minutes

CLI = str(Path(sys.executable).with_name("intelgraph"))
TRIALS = 22
CSV_TRIALS = 8
BATCH = 5
SEED = 20220413


def intelgraph(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=kwargs.pop("cwd", None), **kwargs)


def redis_processes_for(data_dir: Path) -> list[int]:
    """Live redis-server processes whose working directory is ``data_dir`` (Redis chdirs to its
    ``dir``): how many servers own that directory."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (os.path.basename(os.readlink(entry / "exe")) == "redis-server"
                    and Path(os.readlink(entry / "cwd")) == data_dir.resolve()):
                out.append(int(entry.name))
        except OSError:
            continue
    return out


def written(watch: FalkorStore) -> int:
    """Nodes and relationships in the graph, seen from outside the load. The CSV fast path
    deletes an empty graph's key before it creates the graph anew (GRAPH.BULK): for that moment
    the graph does not exist, which FalkorDB reports as an error on a read."""
    try:
        return sum(watch.counts())
    except StoreError as exc:
        if "empty key" in str(exc):
            return 0
        raise


def records_in(watch: FalkorStore, graph: str) -> int | None:
    """Nodes and relationships in another graph of ``watch``'s server (a staging graph), or
    None if there is no such graph — also when it goes between the listing and the count (the
    load renames its staging graph into place, and FalkorDB then reports an empty key)."""
    from redis.exceptions import ResponseError

    if graph not in watch.db.connection.execute_command("GRAPH.LIST"):
        return None
    g = watch.db.select_graph(graph)
    try:
        return sum(g.ro_query(q).result_set[0][0]
                   for q in ("MATCH (n) RETURN count(n)", "MATCH ()-[r]->() RETURN count(r)"))
    except ResponseError as exc:
        if "empty key" in str(exc):
            return None
        raise


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("crash"), "crash", n_entities=150, n_facts=300, n_claims=15,
                         seed=SEED)


@pytest.fixture(scope="module")
def reference(server, dataset):
    """Counts and checksum of one clean load, into a graph of its own."""
    st = FalkorStore(server, graph=f"crashref_{os.getpid()}")
    st.clear()
    load_paths(st, [dataset], batch_size=BATCH)
    ref = (st.counts(), st.checksum())
    st.clear()
    st.close()
    return ref


def kill_during_load(rng: random.Random, args: list[str], watch: FalkorStore, total: int,
                     before_kill=None, delays: float = 0.25) -> tuple[str, int]:
    """Start ``intelgraph load`` and SIGKILL it (or, with ``before_kill``, call that instead) at a
    random point: after a random delay (with probability ``delays``), else once a random number
    of records is in the graph. Returns how the point was chosen and how many records were in
    the graph then."""
    proc = intelgraph(*args)
    try:
        if rng.random() < delays:
            how = "delay"
            deadline = time.monotonic() + rng.uniform(0.0, 1.2)
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.005)
        else:
            how = "progress"
            target = rng.randint(1, total - 1)
            deadline = time.monotonic() + 30
            while proc.poll() is None and time.monotonic() < deadline:
                if written(watch) >= target:
                    break
                time.sleep(0.003)
        seen = written(watch)
        if before_kill is not None:
            before_kill(proc)
        else:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    return how, seen


def test_sigkilled_loads_converge_to_one_clean_load(server, dataset, reference):
    (ref_counts, ref_sum) = reference
    total = sum(ref_counts)
    rng = random.Random(SEED)
    interrupted = {"delay": 0, "progress": 0}
    partial = 0
    started = time.monotonic()
    for trial in range(TRIALS):
        graph = f"crash{trial}_{os.getpid()}"
        watch = FalkorStore(server, graph=graph)
        watch.clear()
        try:
            how, _ = kill_during_load(rng, ["--db", str(server.dir), "--graph", graph, "load", "-q",
                                            "--batch-size", str(BATCH), str(dataset)], watch, total)
            after_kill = sum(watch.counts())
            interrupted[how] += 1
            partial += 0 < after_kill < total
            assert after_kill <= total, "a killed load wrote more records than the whole dataset"
            # run the load again, to completion: every sixth time through the command, else
            # through the library function the command wraps (faster: no interpreter start-up)
            if trial % 6 == 5:
                proc = subprocess.run([CLI, "--db", str(server.dir), "--graph", graph, "load", "-q",
                                       "--batch-size", str(BATCH), str(dataset)], capture_output=True, text=True,
                                      timeout=120)
                assert proc.returncode == 0, proc.stderr
            else:
                load_paths(watch, [dataset], batch_size=BATCH)
            assert watch.counts() == ref_counts, f"trial {trial} (killed by {how} with {after_kill} records)"
            assert watch.checksum() == ref_sum, f"trial {trial} (killed by {how} with {after_kill} records)"
        finally:
            watch.clear()
            watch.close()
    elapsed = time.monotonic() - started
    print(f"\n{TRIALS} SIGKILLed loads ({interrupted}), {partial} left a partial graph; {elapsed:.1f}s")
    # the test must have tested something: most kills land in the middle of the writes
    assert partial >= TRIALS // 2, f"only {partial} of {TRIALS} kills interrupted the writes"


@pytest.fixture(scope="module")
def csv_files(server, tmp_path_factory) -> list[Path]:
    """A synthetic dataset as neo4j-admin CSV (exported from a clean load); bigger than the
    dataset above, as the CSV path writes much faster."""
    from intelgraph.loaders.export_admin import export_neo4j_admin

    src = write_dataset(tmp_path_factory.mktemp("crashcsvsrc"), "crashcsv", n_entities=600, n_facts=1500,
                        n_claims=40, seed=SEED)
    st = FalkorStore(server, graph=f"crashcsvsrc_{os.getpid()}")
    st.clear()
    load_paths(st, [src])
    out = tmp_path_factory.mktemp("crashcsv")
    export_neo4j_admin(st, out)
    st.clear()
    st.close()
    return sorted(out.glob("*.csv"))


@pytest.mark.parametrize("early", [False, True], ids=["staged-then-written", "written-while-read"])
def test_sigkilled_csv_loads_converge_to_one_clean_load(server, csv_files, early, monkeypatch):
    """The same for neo4j-admin CSV, which takes the fast path: GRAPH.BULK into an empty graph
    (nodes, then dates converted, then relationships, then the schema), MERGE by internal id
    into a graph that holds something — so a rerun after a kill usually takes the other path.
    ``early``: every load into the empty graph goes through a staging graph while its files are
    read (loaders.early, used for big inputs): a kill then leaves the graph empty or whole,
    never partial, and the staging graph it leaves is dropped by the next load."""
    from intelgraph.cypher.falkordb.staging import staging_name
    from intelgraph.loaders.early import EARLY_MIN_BYTES_ENV

    monkeypatch.setenv(EARLY_MIN_BYTES_ENV, "0" if early else str(1 << 40))
    ref = FalkorStore(server, graph=f"crashcsvref_{os.getpid()}")
    ref.clear()
    load_paths(ref, csv_files)
    ref_counts, ref_sum = ref.counts(), ref.checksum()
    ref.clear()
    ref.close()
    total = sum(ref_counts)
    rng = random.Random(SEED + 3)
    partial = left = mid_write = 0
    states = []
    staged_states = []
    for trial in range(CSV_TRIALS):
        graph = f"crashcsv{trial}_{os.getpid()}"
        watch = FalkorStore(server, graph=graph)
        watch.clear()
        try:
            args = ["--db", str(server.dir), "--graph", graph, "load", "-q", *map(str, csv_files)]
            if early:  # the graph changes in one step at the end: kill once the staging graph holds a
                # random number of records (0: as soon as it is there; a kill timed from its creation
                # alone lands before any record is in it)
                how = "staging"
                target = rng.randint(0, total - 1)
                proc = intelgraph(*args)
                deadline = time.monotonic() + 30
                while proc.poll() is None and time.monotonic() < deadline:
                    staged = records_in(watch, staging_name(graph))
                    if staged is not None and staged >= target:
                        break
                    time.sleep(0.002)
                proc.send_signal(signal.SIGKILL)
                proc.communicate(timeout=30)
            else:
                how, _ = kill_during_load(rng, args, watch, total, delays=0.2)
            after_kill = written(watch)
            partial += 0 < after_kill < total
            states.append(after_kill)
            if early:
                assert after_kill in (0, total), f"trial {trial}: a killed load left {after_kill} records"
                staged = records_in(watch, staging_name(graph))  # what the staging graph held at the kill
                staged_states.append(staged)
                left += staged is not None
                mid_write += staged is not None and 0 < staged < total
            watch.graph = watch.db.select_graph(graph)  # the fast path may have made the graph anew
            load_paths(watch, csv_files)
            assert watch.counts() == ref_counts, f"trial {trial} (killed by {how} with {after_kill} records)"
            assert watch.checksum() == ref_sum, f"trial {trial} (killed by {how} with {after_kill} records)"
            assert staging_name(graph) not in watch.db.connection.execute_command("GRAPH.LIST")
        finally:
            watch.clear()
            watch.close()
    print(f"\n{CSV_TRIALS} SIGKILLed CSV loads, {partial} left a partial graph; records at the kill: {states}"
          + (f"; in the staging graph: {staged_states} of {total}" if early else ""))
    if early:  # the test must have tested something: kills in the middle of the load
        assert left >= CSV_TRIALS // 4, f"only {left} of {CSV_TRIALS} kills left a staging graph behind"
        assert mid_write >= CSV_TRIALS // 4, \
            f"only {mid_write} of {CSV_TRIALS} kills landed while the staging graph was being written: {staged_states}"


@pytest.fixture
def own_server(tmp_path):
    srv = EmbeddedServer(tmp_path / "db")
    yield srv
    try:
        os.kill(int((srv.state() or {}).get("pid", 0)) or 0, signal.SIGCONT)
    except (OSError, ValueError):
        pass
    srv.stop()
    for pid in redis_processes_for(srv.dir):  # anything a failed test left behind
        os.kill(pid, signal.SIGKILL)


def test_sigkill_of_the_server_mid_load_loses_nothing_acknowledged(own_server, dataset, reference):
    """SIGKILL the embedded server itself while a load writes: the loader fails with a clear
    message; after a restart every record the server had acknowledged is still there; the load
    run again converges to the clean graph."""
    ref_counts, ref_sum = reference
    total = sum(ref_counts)
    rng = random.Random(SEED + 1)
    own_server.start()
    for trial in range(3):
        graph = f"srvkill{trial}"
        watch = FalkorStore(own_server, graph=graph)
        watch.clear()
        acknowledged = {}

        def kill_server(proc):
            acknowledged["n"] = sum(watch.counts())  # read, so acknowledged, before the kill
            own_server.kill()
            acknowledged["out"] = proc.communicate(timeout=60)

        kill_during_load(rng, ["--db", str(own_server.dir), "--graph", graph, "load", "-q",
                               "--batch-size", str(BATCH), str(dataset)], watch, total, before_kill=kill_server,
                         delays=0)  # kill once the load is writing (else it would start its own server)
        _, err = acknowledged["out"]
        assert not own_server.is_running()
        if acknowledged["n"] < total:  # the load was still writing when its server died
            assert "error: lost the connection to the embedded server" in err, err
        watch.close()
        restarted = FalkorStore(own_server, graph=graph)  # clears the stale record, restarts
        assert sum(restarted.counts()) >= acknowledged["n"], "acknowledged writes were lost"
        load_paths(restarted, [dataset], batch_size=BATCH)
        assert restarted.counts() == ref_counts
        assert restarted.checksum() == ref_sum
        restarted.clear()
        restarted.close()


def test_persistence_settings_are_the_documented_ones(own_server):
    """appendonly + appendfsync always (every acknowledged write is on disk), no RDB snapshots,
    and the module docstring says so."""
    import redis

    from intelgraph.cypher.falkordb import server as falkor

    own_server.start()
    r = redis.Redis(**own_server.connection_kwargs())
    assert r.config_get("appendonly")["appendonly"] == "yes"
    assert r.config_get("appendfsync")["appendfsync"] == "always"
    assert r.config_get("save")["save"] == ""
    doc = falkor.__doc__
    assert "appendfsync always" in doc and "SIGKILL" in doc


# -- half-started and stale servers ----------------------------------------------------------
def test_record_naming_a_live_process_that_is_not_the_server(own_server, caplog):
    """server.json names a pid that now belongs to another program (pid reuse after a crash or
    a reboot): the record is stale. It is cleared with a message, the other program is left
    alone, and a server starts."""
    other = subprocess.Popen(["sleep", "60"])
    try:
        own_server.dir.mkdir(parents=True)
        own_server.state_file.write_text(json.dumps({"pid": other.pid, "socket": str(own_server.socket_path),
                                                     "port": 0}))
        t0 = time.monotonic()
        with caplog.at_level("WARNING"):
            assert own_server.start() is True
        assert time.monotonic() - t0 < 5, "no waiting for a process that is not a server"
        assert own_server.is_running()
        assert other.poll() is None, "the unrelated process was touched"
        assert f"pid {other.pid}" in caplog.text and "not" in caplog.text and "stale" in caplog.text, caplog.text
    finally:
        other.kill()
        other.wait()


def test_server_running_without_its_record_is_adopted_not_duplicated(own_server, caplog):
    """A start interrupted after the server was spawned but before its record was written
    leaves a live server and no server.json: the next start must use that server, not start a
    second one on the same files."""
    own_server.start()
    st = FalkorStore(own_server, graph="g", autostart=False)
    st.write("CREATE (:Entity {id: 'kept'})")
    st.close()
    pid = own_server.state()["pid"]
    own_server.state_file.unlink()
    with caplog.at_level("WARNING"):
        assert own_server.start() is False  # nothing new was started
    assert own_server.state()["pid"] == pid
    assert redis_processes_for(own_server.dir) == [pid]
    assert f"pid {pid}" in caplog.text, caplog.text
    st = FalkorStore(own_server, graph="g", autostart=False)
    assert st.read("MATCH (n:Entity {id: 'kept'}) RETURN count(n)").scalar() == 1
    st.close()


def test_server_adopted_for_a_command_stops_with_it(own_server, caplog):
    """A command killed after it spawned its on-demand server but before it wrote the record
    leaves a server nobody will stop. The next command adopts it as on demand too, so it stops
    when that command's store closes instead of running on for good (seen: servers left
    behind by killed `intelgraph db status` runs)."""
    own_server.start(on_demand=True)
    pid = own_server.state()["pid"]
    own_server.state_file.unlink()
    with caplog.at_level("WARNING"):
        st = FalkorStore(own_server, graph="g")
    assert "running without a valid record" in caplog.text, caplog.text
    assert st.started_here is False and own_server.state()["on_demand"] is True
    assert redis_processes_for(own_server.dir) == [pid]
    st.close()
    assert not _pid_alive(pid) and redis_processes_for(own_server.dir) == []


def test_db_start_keeps_a_server_started_for_a_command(own_server):
    """`intelgraph db start` while a command's on-demand server runs makes that server a lasting
    one: it keeps running after the command ends, as `db start` promised."""
    st = FalkorStore(own_server, graph="g")
    pid = own_server.state()["pid"]
    assert own_server.state()["on_demand"] is True
    assert EmbeddedServer(own_server.dir).start() is False  # already running
    st.close()
    assert own_server.state()["on_demand"] is False
    assert _pid_alive(pid) and own_server.is_running()


def test_half_written_record_is_recovered(own_server):
    own_server.start()
    pid = own_server.state()["pid"]
    own_server.state_file.write_text('{"pid": ')  # torn write
    assert own_server.start() is False
    assert redis_processes_for(own_server.dir) == [pid]
    assert own_server.is_running()


def test_server_that_answers_nothing_is_refused_with_a_clear_message(own_server):
    """A server process that is alive but does not answer (here: stopped with SIGSTOP) is not
    replaced — a second server on the same files would corrupt them — and the message names the
    pid, says it does not answer and what to do."""
    own_server.start()
    pid = own_server.state()["pid"]
    os.kill(pid, signal.SIGSTOP)
    try:
        fresh = EmbeddedServer(own_server.dir)
        fresh.answer_wait_s = 0.5
        with pytest.raises(ServerError) as info:
            fresh.start()
        text = info.value.message()
        assert f"pid {pid}" in text and "does not answer" in text and "kill" in text, text
        assert str(own_server.log_file) in text
        assert redis_processes_for(own_server.dir) == [pid]
    finally:
        os.kill(pid, signal.SIGCONT)
    assert own_server.is_running()


def test_a_server_that_hangs_mid_command_ends_in_an_error_and_stop_kills_it(own_server, caplog):
    """A server that stops answering while a command waits on it (here: SIGSTOP after the store
    connected; FalkorDB's main thread was once seen stuck like this) ends that command with an
    error naming the pid and what to do, not an endless wait; later commands fail at once; and
    `stop` kills the server when it neither exits nor answers, losing nothing acknowledged."""
    own_server.start()
    own_server.answer_wait_s = 0.5
    st = FalkorStore(own_server, graph="g", timeout=0.5, autostart=False)
    st.server.answer_wait_s = 0.5
    st.stall_grace_s = 0.2
    st.write("CREATE (:Entity {id: 'kept'})")
    raw = FalkorStore(own_server, graph="g", autostart=False)  # for the loaders' raw commands
    pid = own_server.state()["pid"]
    os.kill(pid, signal.SIGSTOP)
    t0 = time.monotonic()
    with caplog.at_level("WARNING"), pytest.raises(ServerError) as info:
        st.read("MATCH (n) RETURN count(n)")
    took = time.monotonic() - t0
    assert 0.7 <= took < 10, took  # its limit, the grace, the unanswered PING; not forever
    text = info.value.message()
    assert f"pid {pid}" in text and "stopped answering" in text, text
    assert f"intelgraph --db {own_server.dir} db stop" in text, text
    assert "redis-server (T" in caplog.text  # the threads' states (T: stopped) are logged for a bug report
    t0 = time.monotonic()
    with pytest.raises(ServerError, match="stopped answering"):
        st.read("RETURN 1")  # no second wait
    with pytest.raises(ServerError, match="stopped answering"):
        raw.command("GRAPH.LIST")  # nor for another store of that server
    assert time.monotonic() - t0 < 0.5
    raw.close()
    st.close()  # not a user of an on-demand server: leaves it alone
    assert _pid_alive(pid)
    with caplog.at_level("WARNING"):
        assert own_server.stop() is True
    assert not _pid_alive(pid) and redis_processes_for(own_server.dir) == []
    assert "killed it" in caplog.text
    own_server.start()
    again = FalkorStore(own_server, graph="g", autostart=False)
    assert again.read("MATCH (n:Entity {id: 'kept'}) RETURN count(n)").scalar() == 1
    again.close()


def test_cli_recovers_from_a_hung_server_with_db_stop(own_server):
    """As a user meets a hung server: the command says which pid does not answer and to run
    `intelgraph db stop`; that stops it (killing it, as SIGTERM goes unheeded); the next
    command starts a fresh server and finds every acknowledged write."""
    own_server.start()
    st = FalkorStore(own_server, graph="g", autostart=False)
    st.write("CREATE (:Entity {id: 'kept'})")
    st.close()
    pid = own_server.state()["pid"]
    os.kill(pid, signal.SIGSTOP)
    db = ["--db", str(own_server.dir), "--graph", "g"]
    out = subprocess.run([CLI, *db, "db", "status"], capture_output=True, text=True, timeout=150)
    assert out.returncode != 0
    assert f"pid {pid}" in out.stderr and "does not answer" in out.stderr and "db stop" in out.stderr, out.stderr
    assert redis_processes_for(own_server.dir) == [pid]  # never a second server beside it
    out = subprocess.run([CLI, *db, "db", "stop"], capture_output=True, text=True, timeout=150)
    assert out.returncode == 0 and "stopped" in out.stdout, out.stderr
    assert "killed it" in out.stderr and not _pid_alive(pid)
    out = subprocess.run([CLI, *db, "db", "status", "--format", "json"], capture_output=True, text=True, timeout=150)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["nodes"] == 1


def test_a_load_ends_in_an_error_when_its_server_hangs(own_server, tmp_path, monkeypatch):
    """A server that hangs in the middle of a CSV load (SIGSTOP as its first GRAPH.BULK goes
    out) ends the load in the hung-server error, with every limit cut short, rather than
    holding it forever; after `stop` and a restart the graph is as it was (empty) and the same
    load completes."""
    gen = tmp_path / "gen"
    out = subprocess.run([CLI, "generate", "--relationships", "3000", "--seed", "1", str(gen)], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    csvs = sorted(gen.glob("*.csv"))
    own_server.start()
    pid = own_server.state()["pid"]
    monkeypatch.setattr(FalkorStore, "load_limit_s", 0.3)
    monkeypatch.setattr(FalkorStore, "stall_grace_s", 0.2)
    monkeypatch.setattr(EmbeddedServer, "answer_wait_s", 0.5)
    sent = []

    def stop_at_first_bulk(point, **at):  # the fault hook (docs/reliability.md#fault-injection)
        if point == "bulk-append" and not sent:
            sent.append(point)
            os.kill(pid, signal.SIGSTOP)

    st = FalkorStore(own_server, graph="g", timeout=0.3, autostart=False)
    st.faults = stop_at_first_bulk  # (and the staging graph's store, made from it)
    t0 = time.monotonic()
    with pytest.raises(ServerError, match="stopped answering"):
        load_paths(st, csvs)
    assert sent and time.monotonic() - t0 < 30
    st.close()
    assert own_server.stop() is True and not _pid_alive(pid)
    own_server.start()
    again = FalkorStore(own_server, graph="g", autostart=False)
    assert again.counts() == (0, 0)
    stats = load_paths(again, csvs)
    assert again.counts() == (stats.nodes, stats.relationships) and stats.relationships > 2000
    again.close()
    assert again._watcher is not None and (again._watcher.join(5) or not again._watcher.is_alive())


def test_a_busy_server_is_waited_for_past_the_grace(own_server):
    """A reply later than the watch's deadline is no error while the server still answers PING
    (a query runs on a worker thread; the main thread answers): the watch looks again rather
    than giving up on a busy server."""
    own_server.start()
    st = FalkorStore(own_server, graph="g", autostart=False)
    own_server.answer_wait_s = 0.3
    st.stall_grace_s = 0.0
    asked = []
    answers = own_server._answers
    own_server._answers = lambda st_: asked.append(1) or answers(st_)
    t0 = time.monotonic()
    with st._watched(0.05):  # the watch is due after 50 ms; the query takes well over a second
        res = st.graph.ro_query("UNWIND range(1, 12000000) AS x RETURN count(x)", timeout=60000)
    assert res.result_set == [[12000000]]
    assert asked, f"the query ended in {time.monotonic() - t0:.2f}s, before the watch looked"
    assert st._hung is None
    st.close()


def test_cli_killed_while_it_starts_the_server(tmp_path):
    """Kill ``intelgraph`` at random moments while it auto-starts a server in a fresh data
    directory; the next command must find exactly one working server, never two.

    Once in CI the server itself hung right after such a kill (its main thread stuck: PING and
    SIGTERM went unanswered; not reproduced in 1,000 runs here). Should that recur, the next
    command must end with the error naming the hung server, `db stop` must get rid of it, and
    the command after must work; the test says so in a warning, with the threads' states."""
    rng = random.Random(SEED + 2)
    data = tmp_path / "db"
    srv = EmbeddedServer(data)
    status = [CLI, "--db", str(data), "--graph", "g", "db", "status", "--format", "json"]
    try:
        for trial in range(5):
            proc = intelgraph("--db", str(data), "--graph", "g", "db", "status")
            time.sleep(rng.uniform(0.2, 0.9))
            proc.kill()
            proc.communicate()
            out = subprocess.run(status, capture_output=True, text=True, timeout=150)
            if out.returncode != 0 and ("stopped answering" in out.stderr or "does not answer" in out.stderr):
                warnings.warn(f"trial {trial}: the embedded server hung after a killed client:\n{out.stderr}")
                stop = subprocess.run([CLI, "--db", str(data), "db", "stop"], capture_output=True, text=True,
                                      timeout=150)
                assert stop.returncode == 0, stop.stderr
                assert redis_processes_for(data) == []
                out = subprocess.run(status, capture_output=True, text=True, timeout=150)
            assert out.returncode == 0, out.stderr
            assert json.loads(out.stdout)["nodes"] == 0
            assert len(redis_processes_for(data)) <= 1, f"trial {trial}: two servers on one directory"
    finally:
        srv.stop()
        for pid in redis_processes_for(data):
            os.kill(pid, signal.SIGKILL)
