"""The dataset format: sources, entities, claims, facts and stances in one YAML or JSON file.

See ``loaders/FORMAT.md`` for the format. Reading is in two passes, as in
FollowTheMoney: first every record is read and checked on its own (kind, fields, types,
evidence), then references are resolved across the file. Every problem found is reported
at once, each naming the file, the record (``line N`` for YAML, ``entities[3]`` for JSON),
the field and the reason; nothing is written unless the whole file is valid.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from intelgraph.errors import InputErrors, Problem
from intelgraph.graph.ids import node_id, relationship_id
from intelgraph.graph.provenance import Contradictions
from intelgraph.graph.schema import Schema, load_schema
from intelgraph.graph.text import TEXT_FIX, text_problem
from intelgraph.loaders.plan import Plan, evidence_text, node_row
from intelgraph.loaders.rules import discriminator

__all__ = ["read_dataset", "dataset_name", "Dataset", "MAX_FIELD_CHARS", "MAX_FILE_BYTES", "MAX_DEPTH"]

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_FIELD_CHARS = 100_000
MAX_DEPTH = 12
SECTIONS = ("sources", "entities", "claims", "facts", "stances")
_REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$")


# -- reading with line numbers, without YAML aliases -------------------------------------
class _Loader(yaml.SafeLoader):
    """A safe loader that records each mapping's line and refuses anchors and aliases
    (a "billion laughs" document is rejected before it is expanded)."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, "YAML aliases (*name) are not allowed in datasets; write the value out",
                event.start_mark)
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise yaml.constructor.ConstructorError(
                None, None, "YAML anchors (&name) are not allowed in datasets; write the value out",
                event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        keys = [self.construct_object(k, deep=True) for k, _ in node.value]
        dup = {k for k in keys if keys.count(k) > 1}
        if dup:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {sorted(map(str, dup))[0]!r} in one record", node.start_mark)
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


# A plain scalar is a boolean or a number only where YAML 1.1 (PyYAML's rules, and what its
# dumper quotes) and YAML 1.2's core schema agree that it is, and on its value; anything else is
# text, refused where a number is expected. So `010` (octal 8 in 1.1, 10 in 1.2), `1:20`
# (sexagesimal 80 in 1.1), `1_000`, `yes`, `no`, `on`, `off` (booleans in 1.1), `1e5` and
# `0o17` (numbers in 1.2 only, written unquoted by a 1.1 dumper) stay text; `iso2: NO` is Norway.
# Timestamps stay text too: dates are checked against the schema, not guessed by YAML.
_YAML11_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("timestamp", "bool", "int", "float")}
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in _YAML11_TAGS]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+)$"),
                              list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?|\.[0-9]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
               r"|\.(?:nan|NaN|NAN))$"), list("-+0123456789."))


def _yaml_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    """An integer in the forms both YAML versions read alike: decimal without leading zeros, 0x hex."""
    text = str(loader.construct_scalar(node))
    return int(text[2:], 16) if text.startswith("0x") else int(text, 10)


_Loader.add_constructor("tag:yaml.org,2002:int", _yaml_int)


class _DuplicateKey(Exception):
    pass


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all different (JSON parsers keep the last of two silently)."""
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


def _depth(obj: Any, limit: int, level: int = 0) -> bool:
    if level > limit:
        return False
    if isinstance(obj, dict):
        return all(_depth(v, limit, level + 1) for v in obj.values())
    if isinstance(obj, list):
        return all(_depth(v, limit, level + 1) for v in obj)
    return True


def _parse(path: Path, text: str) -> Any:
    name = str(path)
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text, object_pairs_hook=_json_object)
        except _DuplicateKey as exc:
            raise InputErrors([Problem(name, "(file)", str(exc.args[0]),
                                       f"duplicate key {exc.args[0]!r} in one object (JSON would keep the last)",
                                       "keep one of the two")]) from None
        except json.JSONDecodeError as exc:
            raise InputErrors([Problem(name, f"line {exc.lineno}", "(file)", f"not valid JSON: {exc.msg}",
                                       "fix the JSON syntax at that line")]) from None
        except RecursionError:
            raise InputErrors([Problem(name, "(file)", "(file)", "nested too deeply",
                                       f"datasets nest at most {MAX_DEPTH} levels")]) from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}" if mark else "(file)"
        reason = exc.problem or exc.context or "invalid YAML"
        raise InputErrors([Problem(name, line, "(file)", f"not valid YAML: {reason}",
                                   "fix the YAML at that line")]) from None
    except yaml.YAMLError as exc:
        raise InputErrors([Problem(name, "(file)", "(file)", f"not valid YAML: {exc}", "fix the YAML")]) from None
    except RecursionError:
        raise InputErrors([Problem(name, "(file)", "(file)", "nested too deeply",
                                   f"datasets nest at most {MAX_DEPTH} levels")]) from None


def _read_text(path: Path) -> str:
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputErrors([Problem(name, "(file)", "(file)", f"cannot read the file: {exc.strerror}",
                                   "check the path")]) from None
    if size > MAX_FILE_BYTES:
        raise InputErrors([Problem(name, "(file)", "(file)", f"file is {size} bytes, over the {MAX_FILE_BYTES} limit",
                                   "split it into several datasets")])
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 byte-order mark carries no meaning; strip it
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputErrors([Problem(name, "(file)", "(file)", "file is UTF-16, not UTF-8",
                                   "save it as UTF-8")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputErrors([Problem(name, f"line {line}", "(file)", f"not UTF-8 (byte {exc.start})",
                                   "save the file as UTF-8")]) from None


# -- the dataset ---------------------------------------------------------------------
@dataclass
class Dataset:
    """A validated dataset: its plan, and what it holds, for reports and tests."""

    path: Path
    name: str
    plan: Plan
    refs: dict[str, str] = field(default_factory=dict)  # local ref -> node id
    source_texts: dict[str, str] = field(default_factory=dict)  # source id -> document text
    quotes: list[tuple[str, str, str]] = field(default_factory=list)  # (record, source ref, quote)


class _Reader:
    def __init__(self, path: Path, data: Any, schema: Schema, known_ids: set[str] | None):
        self.path, self.name, self.data, self.schema = path, str(path), data, schema
        self.problems: list[Problem] = []
        self.plan = Plan(schema)
        self.refs: dict[str, str] = {}
        self.ref_kind: dict[str, str] = {}
        self.ref_where: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        self.quotes: list[tuple[str, str, str]] = []
        self.known_ids = known_ids or set()
        self.reliability: dict[str, str] = {}
        self.rel_said = Contradictions(schema)  # what each source gave each fact (it must not contradict itself)

    # helpers
    def where(self, section: str, i: int, rec: Any) -> str:
        if isinstance(rec, dict) and "__line__" in rec:
            return f"line {rec['__line__']} ({section}[{i}])"
        return f"{section}[{i}]"

    def bad(self, where: str, fld: str, reason: str, fix: str = "") -> None:
        self.problems.append(Problem(self.name, where, fld, reason, fix))

    def text_ok(self, where: str, fld: str, value: Any, multiline: bool | None = None) -> bool:
        """The length limit; and the text rule (:mod:`intelgraph.graph.text`) for a value that is
        not a typed property (``multiline``: whether it may span lines). Property values meet
        that rule in :meth:`PropertySpec.coerce`, which knows their type."""
        if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
            self.bad(where, fld, f"{len(value)} characters, over the {MAX_FIELD_CHARS} limit",
                     "shorten the field (keep long documents as source files)")
            return False
        problem = text_problem(value, multiline) if isinstance(value, str) and multiline is not None else None
        if problem is not None:
            self.bad(where, fld, problem, TEXT_FIX)
            return False
        return True

    def resolve(self, where: str, fld: str, ref: Any, families: tuple[str, ...] | None = None) -> str | None:
        if not isinstance(ref, str) or not ref:
            self.bad(where, fld, f"expected a reference (a ref from this file or a node id), got {str(ref)[:80]!r}")
            return None
        if ref in self.refs:
            kind = self.ref_kind[ref]
            if families and not any(self.schema.kind(kind).is_a(f) for f in families):
                self.bad(where, fld, f"{ref!r} is a {kind}, but this field takes {' or '.join(families)}",
                         "point it at a record of the right kind")
                return None
            return self.refs[ref]
        if ref in self.known_ids:
            return ref
        self.bad(where, fld, f"unknown reference {ref!r}",
                 "define a record with this ref in the file, or use the id of a node already in the graph")
        return None

    def evidence(self, where: str, rec: dict[str, Any], required: bool) -> tuple[list[str], list[str]]:
        items = rec.get("evidence")
        if items is None:
            if required:
                self.bad(where, "evidence", "missing: every record needs its source(s) and a verbatim quote",
                         "add evidence: [{source: <source ref>, quote: \"...\"}]")
            return [], []
        if not isinstance(items, list) or not items:
            self.bad(where, "evidence", "expected a non-empty list of {source, quote}")
            return [], []
        sources, evidence = [], []
        for j, item in enumerate(items):
            fld = f"evidence[{j}]"
            if not isinstance(item, dict) or set(item) - {"source", "quote", "__line__"}:
                self.bad(where, fld, "expected {source: <ref>, quote: <text>} and nothing else")
                continue
            src = self.resolve(where, f"{fld}.source", item.get("source"), ("Source",))
            quote = item.get("quote")
            if not isinstance(quote, str) or not quote.strip():
                self.bad(where, f"{fld}.quote", "missing or empty quote", "copy the words from the source")
                continue
            if not self.text_ok(where, f"{fld}.quote", quote, multiline=True) or src is None:
                continue
            self.check_quote(where, f"{fld}.quote", item.get("source"), src, quote)
            sources.append(src)
            evidence.append(evidence_text(src, quote))
        return sources, evidence

    def check_quote(self, where: str, fld: str, src_ref: str, src_id: str, quote: str) -> None:
        self.quotes.append((where, src_ref, quote))
        text = self.texts.get(src_id)
        if text is not None and quote not in text:
            self.bad(where, fld, f"quote not found verbatim in the text of source {src_ref!r}: {quote[:80]!r}",
                     "copy the quote exactly as it stands in the source file")

    def props(self, where: str, kind: str, rec: dict[str, Any], reserved: set[str]) -> dict[str, Any]:
        spec = self.schema.kind(kind).properties
        out: dict[str, Any] = {}
        for k, v in rec.items():
            if k in reserved or k == "__line__":
                continue
            if k not in spec:
                self.bad(where, k, f"{kind} has no property {k!r}",
                         f"use one of: {', '.join(sorted(spec))}")
                continue
            if not self.text_ok(where, k, v):
                continue
            try:
                out[k] = spec[k].coerce(v)
            except ValueError as exc:
                self.bad(where, k, str(exc))
        for k, s in spec.items():
            if s.required and out.get(k) in (None, "", []) and k not in reserved:
                self.bad(where, k, f"required for a {kind}", f"give the {kind} a {k}")
        return out

    def kind_of(self, where: str, rec: dict[str, Any], family: str) -> str | None:
        kind = rec.get("kind")
        allowed = self.schema.kinds_of(family)
        if kind not in allowed:
            self.bad(where, "kind", f"unknown or wrong kind {kind!r}", f"use one of: {', '.join(allowed)}")
            return None
        return kind

    def declare(self, where: str, rec: dict[str, Any], kind: str, nid: str) -> None:
        ref = rec.get("ref")
        if not isinstance(ref, str) or not _REF_RE.match(ref):
            self.bad(where, "ref", f"expected a short handle (letters, digits, _ . : -), got {ref!r}",
                     "give every record a unique ref, e.g. ref: pmf")
            return
        if ref in self.refs:
            if self.refs[ref] != nid or self.ref_kind[ref] != kind:
                self.bad(where, "ref", f"{ref!r} is already used at {self.ref_where[ref]}",
                         "give each record its own ref")
            return
        self.refs[ref], self.ref_kind[ref], self.ref_where[ref] = nid, kind, where

    def section(self, name: str) -> list[Any]:
        value = self.data.get(name, [])
        if value is None:
            return []
        if not isinstance(value, list):
            self.bad(name, name, f"expected a list of records, got {type(value).__name__}")
            return []
        return value

    def record_ok(self, section: str, i: int, rec: Any) -> bool:
        if not isinstance(rec, dict):
            self.bad(f"{section}[{i}]", "(record)", f"expected a mapping of fields, got {type(rec).__name__}")
            return False
        return True

    # pass 1: declare every node so references can be resolved in any order
    def key_id(self, where: str, kind: str, props: dict[str, Any]) -> str | None:
        key = self.schema.kind(kind).key
        values = [props.get(k) for k in key]
        if any(v in (None, "") for v in values):
            return None  # the missing required property is already reported
        return node_id(kind, values)

    def run(self) -> None:
        if not isinstance(self.data, dict):
            self.bad("(file)", "(file)", "a dataset is a mapping with sections "
                     + ", ".join(SECTIONS), "start the file with `dataset: <name>`")
            return
        extra = set(self.data) - {"dataset", "description", "__line__", *SECTIONS}
        for k in sorted(extra):
            self.bad("(file)", k, "unknown section", f"use: dataset, description, {', '.join(SECTIONS)}")
        if not isinstance(self.data.get("dataset"), str) or not self.data.get("dataset"):
            self.bad("(file)", "dataset", "missing dataset name", "start the file with `dataset: <name>`")
        else:
            self.text_ok("(file)", "dataset", self.data["dataset"], multiline=False)
        if isinstance(self.data.get("description"), str):
            self.text_ok("(file)", "description", self.data["description"], multiline=True)
        node_recs: list[tuple[str, str, dict[str, Any], str, dict[str, Any], str]] = []

        # sources first: their texts are needed to check quotes
        for i, rec in enumerate(self.section("sources")):
            where = self.where("sources", i, rec)
            if not self.record_ok("sources", i, rec):
                continue
            kind = self.kind_of(where, rec, "Source")
            if kind is None:
                continue
            props = self.props(where, kind, rec, {"ref", "kind", "evidence", "file"})
            nid = self.key_id(where, kind, props)
            if nid is None:
                continue
            self.declare(where, rec, kind, nid)
            if "file" in rec and not self.text_ok(where, "file", rec["file"], multiline=False):
                continue
            if "file" in rec:
                base = self.path.parent.resolve()
                fpath = (base / str(rec["file"])).resolve()
                if (not isinstance(rec["file"], str) or Path(rec["file"]).is_absolute()
                        or base not in fpath.parents or not fpath.is_file()):
                    self.bad(where, "file", f"no such file beside the dataset: {rec['file']!r}",
                             "put the document's text in the dataset's folder and give its relative path")
                else:
                    import hashlib

                    raw = fpath.read_bytes()
                    self.texts[nid] = raw.decode("utf-8", errors="replace")
                    props["sha256"] = hashlib.sha256(raw).hexdigest()
            if props.get("reliability"):
                self.reliability[nid] = props["reliability"]
            node_recs.append(("sources", where, rec, kind, props, nid))

        for i, rec in enumerate(self.section("entities")):
            where = self.where("entities", i, rec)
            if not self.record_ok("entities", i, rec):
                continue
            kind = self.kind_of(where, rec, "Entity")
            if kind is None:
                continue
            if self.schema.kind(kind).is_a("Source") or kind == "Claim":
                self.bad(where, "kind", f"{kind} records belong in the "
                         f"{'sources' if kind != 'Claim' else 'claims'} section")
                continue
            reserved = {"ref", "kind", "evidence", "claims", "from", "to", "via", "carried_by"}
            if kind == "Leg":
                rec = {"name": f"{rec.get('shipment')} leg {rec.get('order')}", **rec}
            props = self.props(where, kind, rec, reserved)
            if kind == "Leg" and isinstance(props.get("shipment"), str):
                # the leg is keyed by its shipment's id, resolved below once all refs are known
                node_recs.append(("entities", where, rec, kind, props, ""))
                continue
            nid = self.key_id(where, kind, props)
            if nid is None:
                continue
            self.declare(where, rec, kind, nid)
            node_recs.append(("entities", where, rec, kind, props, nid))

        # legs: key is (shipment id, order)
        for idx, (sec, where, rec, kind, props, nid) in enumerate(node_recs):
            if kind != "Leg" or nid:
                continue
            ship = self.resolve(where, "shipment", props["shipment"], ("Shipment",))
            if ship is None or props.get("order") is None:
                continue
            props["shipment"] = ship
            nid = node_id("Leg", [ship, props["order"]])
            self.declare(where, rec, kind, nid)
            node_recs[idx] = (sec, where, rec, kind, props, nid)

        claim_recs = []
        for i, rec in enumerate(self.section("claims")):
            where = self.where("claims", i, rec)
            if not self.record_ok("claims", i, rec):
                continue
            src_ref = rec.get("source")
            src = self.resolve(where, "source", src_ref, ("Source",))
            reserved = {"ref", "kind", "source", "attributed_to", "about", "evidence"}
            defaults = {"name": str(rec.get("statement", ""))[:120]}
            if src in self.reliability:
                defaults["reliability"] = self.reliability[src]  # the source's grade unless the claim says
            props = self.props(where, "Claim", {**defaults, **{k: v for k, v in rec.items() if v is not None}},
                               reserved)
            if src is None or not props.get("statement"):
                continue
            props["source"] = src
            nid = node_id("Claim", [src, props["statement"]])
            self.declare(where, rec, "Claim", nid)
            if isinstance(props.get("quote"), str):
                self.check_quote(where, "quote", src_ref, src, props["quote"])
            claim_recs.append((where, rec, props, nid))

        if self.problems:
            return  # references below would only repeat the problems above
        # the claims, known before pass 2: legs and facts rest on them
        self.claim_refs = {rec.get("ref"): nid for _, rec, _, nid in claim_recs}
        self.claim_sources = {nid: (props["source"], evidence_text(props["source"], props["quote"]))
                              for _, _, props, nid in claim_recs}

        # the same entity described twice: two sources may differ (both values are kept), one
        # source must not contradict itself
        said = Contradictions(self.schema)
        for sec, where, rec, kind, props, nid in node_recs:
            hit = said.refusal(kind, nid, props, self.record_sources(sec, rec, nid), where)
            if hit is not None:
                self.bad(where, *hit)
        if self.problems:
            return

        # pass 2: nodes with provenance, then relationships
        for sec, where, rec, kind, props, nid in node_recs:
            if kind == "Leg":  # a leg rests on claims and/or evidence, as a fact does
                sources, evidence, claim_ids = self.provenance(where, rec)
                if sources:
                    self.plan.add_node(kind, node_row(self.schema, kind, nid, props, sources, evidence, claim_ids))
                    self.leg_links(where, rec, props, nid, sources, evidence, claim_ids)
                continue
            required = not (sec == "sources" and nid in self.texts)
            sources, evidence = self.evidence(where, rec, required)
            if sec == "sources" and nid in self.texts:
                sources = sorted({*sources, nid})
                if not evidence:  # a document we hold is its own evidence: name the file
                    evidence = [evidence_text(nid, f"(the text of {rec['file']}, sha256 {props['sha256']})")]
            self.plan.add_node(kind, node_row(self.schema, kind, nid, props, sources, evidence))

        # a claim's grading stays on the claim: the links of a claim carry its id, never its grade
        for where, rec, props, nid in claim_recs:
            src = props["source"]
            ev = [evidence_text(src, props["quote"])]
            self.plan.add_node("Claim", node_row(self.schema, "Claim", nid, props, [src], ev, [nid]))
            self.rel(where, "ASSERTS", src, nid, [src], ev, [nid])
            for fld, rtype, fam in (("attributed_to", "ATTRIBUTED_TO", ("Source", "Actor")),
                                    ("about", "ABOUT", None)):
                targets = rec.get(fld, [])
                if not isinstance(targets, list):
                    self.bad(where, fld, "expected a list of refs")
                    continue
                for j, ref in enumerate(targets):
                    tid = self.resolve(where, f"{fld}[{j}]", ref, fam)
                    if tid:
                        self.rel(where, rtype, nid, tid, [src], ev, [nid])

        for i, rec in enumerate(self.section("facts")):
            where = self.where("facts", i, rec)
            if self.record_ok("facts", i, rec):
                self.fact(where, rec)
        for i, rec in enumerate(self.section("stances")):
            where = self.where("stances", i, rec)
            if self.record_ok("stances", i, rec):
                self.stance(where, rec)

    def record_sources(self, sec: str, rec: dict[str, Any], nid: str) -> list[str]:
        """The sources a node record's evidence names (and a source whose text we hold: itself)."""
        items = rec.get("evidence") if isinstance(rec.get("evidence"), list) else []
        refs = [i.get("source") for i in items if isinstance(i, dict) and isinstance(i.get("source"), str)]
        return [self.refs.get(r, r) for r in refs] + ([nid] if sec == "sources" and nid in self.texts else [])

    def rel(self, where: str, rtype: str, start: str, end: str, sources, evidence, claims=(),
            props: dict[str, Any] | None = None, discriminator: tuple[Any, ...] = ()) -> None:
        """A relationship of the dataset. It stores no grade (a dataset grades claims, not facts);
        only a CSV row may grade a tie directly."""
        rt = self.schema.rel(rtype)
        for side, nid in (("from", start), ("to", end)):
            kind = self.plan.node_kind.get(nid)
            if kind and not self.schema.allowed_endpoint(rt, kind, side):
                allowed = rt.from_kinds if side == "from" else rt.to_kinds
                self.bad(where, side, f"{rtype} cannot {'start at' if side == 'from' else 'end at'} a {kind}",
                         f"it joins {', '.join(rt.from_kinds)} to {', '.join(rt.to_kinds)}"
                         if allowed else "")
                return
        plain, dates = self.schema.split_dates(rt.properties, props or {})
        rid = relationship_id(rtype, start, end, discriminator, symmetric=rt.symmetric)
        hit = self.rel_said.refusal(rtype, rid, {**plain, **dates}, sources, where)
        if hit is not None:  # two sources may give a fact's value differently (both kept); one must not
            self.bad(where, f"props.{hit[0]}", *hit[1:])
            return
        if rt.symmetric and end < start:
            start, end = end, start
        self.plan.add_rel(rtype, {"id": rid, "s": start, "t": end, "props": plain, "dates": dates,
                                  "sources": sources, "evidence": evidence, "claims": list(claims),
                                  "reliability": None, "credibility": None})

    def rel_props(self, where: str, rtype: str, rec: dict[str, Any], prefix: str = "props.") -> dict[str, Any] | None:
        """A record's relationship properties, checked; errors name each field as ``prefix`` + its
        name (a stance's ``date`` is a field of the stance itself)."""
        raw = rec.get("props", {}) or {}
        if not isinstance(raw, dict):
            self.bad(where, "props", "expected a mapping of relationship properties")
            return None
        spec = self.schema.rel(rtype).properties
        out = {}
        for k, v in raw.items():
            if k == "__line__":
                continue
            if k not in spec:
                self.bad(where, f"{prefix}{k}", f"relationships have no property {k!r}",
                         f"use one of: {', '.join(sorted(spec))}")
                continue
            try:
                out[k] = spec[k].coerce(v)
            except ValueError as exc:
                self.bad(where, f"{prefix}{k}", str(exc))
        return out

    def provenance(self, where: str, rec: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
        """Evidence of a fact or leg: its own, plus that of the claims it rests on. No grade: a
        fact's grades are its claims', read from them when asked (``fact-support`` fragment)."""
        claim_ids: list[str] = []
        sources: list[str] = []
        evidence: list[str] = []
        claims = rec.get("claims", [])
        if not isinstance(claims, list):
            self.bad(where, "claims", "expected a list of claim refs")
            claims = []
        for j, ref in enumerate(claims):
            cid = self.claim_refs.get(ref) if isinstance(ref, str) else None
            if cid is None:
                self.bad(where, f"claims[{j}]", f"unknown claim {ref!r}", "name a ref from the claims section")
                continue
            src, ev = self.claim_sources[cid]
            claim_ids.append(cid)
            sources.append(src)
            evidence.append(ev)
        own_s, own_e = self.evidence(where, rec, required=not claim_ids)
        return sources + own_s, evidence + own_e, claim_ids

    def fact(self, where: str, rec: dict[str, Any]) -> None:
        extra = set(rec) - {"type", "from", "to", "props", "claims", "evidence", "__line__"}
        for k in sorted(extra):
            self.bad(where, k, "unknown field in a fact", "use: type, from, to, props, claims, evidence")
        rtype = rec.get("type")
        if not isinstance(rtype, str) or rtype not in self.schema.relationship_types or self.schema.rel(rtype).stance:
            allowed = [t for t, r in self.schema.relationship_types.items() if not r.stance]
            self.bad(where, "type", f"unknown relationship type {rtype!r}", f"use one of: {', '.join(allowed)}")
            return
        start = self.resolve(where, "from", rec.get("from"))
        end = self.resolve(where, "to", rec.get("to"))
        props = self.rel_props(where, rtype, rec)
        if start is None or end is None or props is None:
            return
        sources, evidence, claim_ids = self.provenance(where, rec)
        if not sources:
            return
        self.rel(where, rtype, start, end, sources, evidence, claim_ids, props=props,
                 discriminator=discriminator(props))

    def stance(self, where: str, rec: dict[str, Any]) -> None:
        extra = set(rec) - {"type", "by", "target", "source", "quote", "date", "note", "__line__"}
        for k in sorted(extra):
            self.bad(where, k, "unknown field in a stance", "use: type, by, target, source, quote, date, note")
        rtype = rec.get("type")
        stances = self.schema.stance_types()
        if not isinstance(rtype, str) or rtype not in stances:
            self.bad(where, "type", f"unknown stance {rtype!r}", f"use one of: {', '.join(stances)}")
            return
        by = self.resolve(where, "by", rec.get("by"), ("Actor", "Source"))
        target_ref = rec.get("target")
        target = ((self.claim_refs.get(target_ref) if isinstance(target_ref, str) else None)
                  or self.resolve(where, "target", target_ref, ("Claim", "Source")))
        src_ref = rec.get("source")
        src = self.resolve(where, "source", src_ref, ("Source",))
        quote = rec.get("quote")
        if not isinstance(quote, str) or not quote.strip():
            self.bad(where, "quote", "a stance needs the quote that reports it", "copy the words from the source")
            return
        if by is None or target is None or src is None or not self.text_ok(where, "quote", quote, multiline=True):
            return
        self.check_quote(where, "quote", src_ref, src, quote)
        props = self.rel_props(where, rtype, {"props": {k: rec[k] for k in ("date", "note") if k in rec}}, prefix="")
        if props is None:
            return
        self.rel(where, rtype, by, target, [src], [evidence_text(src, quote)], props=props)

    def leg_links(self, where, rec, props, nid, sources, evidence, claims) -> None:
        """The leg's place in its shipment and route: each of these facts rests on the leg's claims."""
        self.rel(where, "HAS_LEG", props["shipment"], nid, sources, evidence, claims)
        for fld, rtype, fam in (("from", "DEPARTS_FROM", ("Place",)), ("to", "ARRIVES_AT", ("Place",))):
            if rec.get(fld) is None:
                continue
            pid = self.resolve(where, fld, rec.get(fld), fam)
            if pid:
                self.rel(where, rtype, nid, pid, sources, evidence, claims)
        for fld, rtype, fam in (("via", "PASSES_THROUGH", ("Place",)), ("carried_by", "CARRIED", ("Vessel", "Actor"))):
            values = rec.get(fld, [])
            if not isinstance(values, list):
                self.bad(where, fld, "expected a list of refs")
                continue
            for j, ref in enumerate(values):
                tid = self.resolve(where, f"{fld}[{j}]", ref, fam)
                if tid:
                    if rtype == "CARRIED":
                        self.rel(where, rtype, tid, nid, sources, evidence, claims)
                    else:
                        self.rel(where, rtype, nid, tid, sources, evidence, claims)


def dataset_name(path: Path) -> str | None:
    """The ``dataset`` name a dataset file declares, read through the same guarded reading as
    :func:`read_dataset` (size and nesting limits, duplicate keys); None if it declares none or
    cannot be read (its load then names the problem)."""
    try:
        data = _parse(path, _read_text(path))
    except InputErrors:
        return None
    name = data.get("dataset") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None


def read_dataset(path: str | Path, schema: Schema | None = None, known_ids: set[str] | None = None) -> Dataset:
    """Read and validate a dataset file; raise :class:`InputErrors` listing every problem."""
    path = Path(path)
    schema = schema or load_schema()
    text = _read_text(path)
    data = _parse(path, text)
    if not _depth(data, MAX_DEPTH):
        raise InputErrors([Problem(str(path), "(file)", "(file)", f"nested more than {MAX_DEPTH} levels deep",
                                   "datasets are flat lists of records")])
    reader = _Reader(path, data, schema, known_ids)
    reader.run()
    if reader.problems:
        raise InputErrors(reader.problems)
    return Dataset(path=path, name=data.get("dataset", path.stem), plan=reader.plan, refs=reader.refs,
                   source_texts=reader.texts, quotes=reader.quotes)
