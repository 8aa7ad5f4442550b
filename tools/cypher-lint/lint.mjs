#!/usr/bin/env node
// Neo4j's own Cypher analyser (@neo4j-cypher/language-support), run offline over a list of
// statements. No server needed: the database schema is the package's mock schema (Neo4j's
// built-in functions and procedures) plus the vocabulary we pass in.
//
// Usage:
//   node lint.mjs [--json] [--allow apoc] [--allow gds] [FILE]      (FILE or stdin)
//
// Input (JSON), either a list of statements or an object with a vocabulary:
//   [{"name": "...", "text": "...", "file": "optional/path", "line": 1}, ...]
//   {"statements": [...], "vocabulary": {"labels": [...], "relationshipTypes": [...],
//    "propertyKeys": [...], "graphSchema": [{"from": "L", "to": "L", "relType": "T"}]}}
// `file`/`line` (1-based line of the statement's first line in that file) only change how
// locations are printed.
//
// Output: one line per diagnostic, `<where>:<line>:<col>: error|warning: <message>`, then a
// summary; with --json, one JSON document {statements, errors, warnings, diagnostics} instead.
// "Parameter $x is not defined" is dropped (parameters are supplied at run time).
// Exit status: 0 no errors (warnings allowed), 1 at least one error, 2 bad input.

import { readFileSync } from 'node:fs';
import { isNotParamError, lintCypherQuery, testData } from '@neo4j-cypher/language-support';

const SEVERITY = { 1: 'error', 2: 'warning', 3: 'info', 4: 'hint' };
const PLUGINS = ['apoc', 'gds'];

function usage(message) {
  process.stderr.write(`lint.mjs: ${message}\nusage: node lint.mjs [--json] [--allow apoc|gds] [FILE]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { json: false, allow: new Set(), file: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') opts.json = true;
    else if (a === '--allow') {
      const what = argv[++i];
      if (!PLUGINS.includes(what)) usage(`--allow takes one of ${PLUGINS.join(', ')}`);
      opts.allow.add(what);
    } else if (a === '-h' || a === '--help') usage('help');
    else if (a.startsWith('-') && a !== '-') usage(`unknown option ${a}`);
    else if (opts.file === null) opts.file = a;
    else usage('at most one input file');
  }
  return opts;
}

// Keep Neo4j's built-in functions and procedures; plugin ones (apoc.*, gds.*) only if allowed,
// since a stock server does not have them.
function filterRegistry(scoped, allow) {
  const out = {};
  for (const [version, registry] of Object.entries(scoped ?? {})) {
    out[version] = Object.fromEntries(
      Object.entries(registry).filter(([name]) => {
        const plugin = PLUGINS.find((p) => name.startsWith(`${p}.`));
        return !plugin || allow.has(plugin);
      }),
    );
  }
  return out;
}

function buildDbSchema(vocabulary, allow) {
  const mock = testData.mockSchema;
  const v = vocabulary ?? {};
  return {
    functions: filterRegistry(mock.functions, allow),
    procedures: filterRegistry(mock.procedures, allow),
    databaseNames: ['neo4j', 'system'],
    aliasNames: [],
    parameters: {},
    // Neo4j 5.26 (the pinned LTS) speaks Cypher 5 only
    defaultLanguage: 'CYPHER 5',
    ...(v.labels ? { labels: [...v.labels] } : {}),
    ...(v.relationshipTypes ? { relationshipTypes: [...v.relationshipTypes] } : {}),
    ...(v.propertyKeys ? { propertyKeys: [...v.propertyKeys] } : {}),
    ...(v.graphSchema ? { graphSchema: v.graphSchema.map((e) => ({ ...e })) } : {}),
  };
}

function readInput(file) {
  const raw = readFileSync(file ?? 0, 'utf8');
  let data;
  try {
    data = JSON.parse(raw);
  } catch (e) {
    usage(`input is not JSON: ${e.message}`);
  }
  const statements = Array.isArray(data) ? data : data?.statements;
  if (!Array.isArray(statements)) usage('input must be a list of {name, text} or {statements: [...]}');
  statements.forEach((s, i) => {
    if (typeof s?.name !== 'string' || typeof s?.text !== 'string') {
      usage(`statement ${i}: expected {name: string, text: string}`);
    }
  });
  return { statements, vocabulary: Array.isArray(data) ? null : data.vocabulary };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const { statements, vocabulary } = readInput(opts.file);
  const dbSchema = buildDbSchema(vocabulary, opts.allow);
  const diagnostics = [];
  for (const stmt of statements) {
    let found;
    try {
      found = lintCypherQuery(stmt.text, dbSchema, { consoleCommandsEnabled: false }).diagnostics;
    } catch (e) {
      // an analyser crash must not pass as "no errors"
      found = [{ severity: 1, message: `the analyser failed on this statement: ${e.message}`,
                 range: { start: { line: 0, character: 0 } } }];
    }
    for (const d of found.filter(isNotParamError)) {
      const line0 = d.range?.start?.line ?? 0;
      const col0 = d.range?.start?.character ?? 0;
      diagnostics.push({
        name: stmt.name,
        file: stmt.file ?? null,
        severity: d.severity ?? 1,
        level: SEVERITY[d.severity ?? 1] ?? 'error',
        message: d.message,
        line: line0 + 1, // within the statement, 1-based
        column: col0 + 1,
        fileLine: stmt.file && Number.isInteger(stmt.line) ? stmt.line + line0 : null,
        deprecated: Boolean(d.tags?.includes?.(2)),
      });
    }
  }
  const errors = diagnostics.filter((d) => d.severity === 1).length;
  const warnings = diagnostics.filter((d) => d.severity === 2).length;
  if (opts.json) {
    process.stdout.write(JSON.stringify({ statements: statements.length, errors, warnings, diagnostics }) + '\n');
  } else {
    for (const d of diagnostics) {
      const where = d.fileLine ? `${d.file}:${d.fileLine}` : `${d.name}:${d.line}`;
      const label = d.fileLine ? ` [${d.name}]` : '';
      process.stdout.write(`${where}:${d.column}: ${d.level}: ${d.message}${label}\n`);
    }
    process.stdout.write(`${statements.length} statements checked: ${errors} error(s), ${warnings} warning(s)\n`);
  }
  process.exitCode = errors > 0 ? 1 : 0;
}

main();
