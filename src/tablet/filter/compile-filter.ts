/**
 * Compiles a RowFilter (google.bigtable.v2.RowFilter) into an evaluator for
 * one row at a time. Semantics follow data.proto:
 *
 * - chain: each filter sees the previous one's output; interleave: each sees
 *   the input, outputs are merged in canonical order with duplicates kept
 *   (ties: earlier filter first).
 * - condition: the predicate runs on the condition's input (its labels are
 *   discarded); any output cell selects true_filter, else false_filter; an
 *   absent branch outputs nothing.
 * - sink: its input goes straight to the output of the whole filter; its
 *   parent receives nothing. The final output is sink cells and the root's
 *   output merged in canonical order (ties: sink copies first).
 * - cells_per_row_* and cells_per_column_limit count in canonical order, each
 *   duplicate separately.
 *
 * Regexes are compiled once here; evaluation allocates only when it has to
 * (a filter that keeps every cell returns its input array).
 */
import { bytesEqual, compareBytes, EMPTY } from '../../base/bytes.js';
import type { Cell, Row } from '../../model/cell.js';
import type { FilterBound, RowFilter } from '../../model/row-filter.js';
import { compileByteRegex, latin1, type ByteRegex } from './byte-regex.js';
import { compareCellOrder, mergeCells } from './merge-cells.js';
import { filterFieldPath, validateFilter } from './validate-filter.js';

export interface CompiledFilter {
  /**
   * The cells of `row` that pass, with labels and stripped values applied, in
   * canonical order; [] means the row is omitted. `row.cells` must be in
   * canonical order. The result may be `row.cells` itself and output cells
   * may be shared with the input: treat both as read-only.
   */
  apply(row: Row): Cell[];
  /** True when the filter returns every cell unchanged (absent filter, pass_all). */
  readonly passesAll: boolean;
  /**
   * When set, the filter only looks at the newest N cells of each column
   * (it starts with cells_per_column_limit_filter N): a reader may drop older
   * versions before calling apply.
   */
  readonly maxCellsPerColumn?: number;
  /** When set, the filter only looks at the first N cells of the row. */
  readonly maxCellsPerRow?: number;
}

export interface CompileOptions {
  /** Source of randomness for row_sample_filter (default Math.random). */
  random?: () => number;
  /** Field path of the filter in the request, for error messages (default `filter`). */
  field?: string;
}

/**
 * Validates and compiles `f` (undefined = pass everything). Throws
 * InvalidArgumentError naming the offending field (invalid regex, label,
 * range, nesting, ...).
 */
export function compileFilter(f: RowFilter | undefined, opts: CompileOptions = {}): CompiledFilter {
  if (f === undefined || f.kind === 'passAll') {
    return { apply: (row) => row.cells, passesAll: true };
  }
  const field = opts.field ?? 'filter';
  validateFilter(f, field);
  const state: CompileState = { hasSink: false };
  const root = compileNode(f, field, state);
  const ctx: EvalCtx = { key: EMPTY, sink: [], random: opts.random ?? Math.random };
  const hasSink = state.hasSink;
  const lead = leadingLimit(f);

  const apply = (row: Row): Cell[] => {
    const cells = row.cells;
    if (cells.length === 0) return [];
    ctx.key = row.key;
    if (!hasSink) {
      const out = root(cells, ctx);
      return out.length === 0 ? [] : (out as Cell[]);
    }
    const sunk: Cell[] = [];
    ctx.sink = sunk;
    const out = root(cells, ctx);
    if (sunk.length === 0) return out.length === 0 ? [] : (out as Cell[]);
    // Stable sort: ties keep sink copies (in evaluation order) before the root's output.
    const all = out.length === 0 ? sunk : sunk.concat(out);
    all.sort(compareCellOrder);
    return all;
  };
  return {
    apply,
    passesAll: false,
    ...(lead.kind === 'cellsPerColumnLimit' ? { maxCellsPerColumn: lead.n } : {}),
    ...(lead.kind === 'cellsPerRowLimit' ? { maxCellsPerRow: lead.n } : {}),
  };
}

/** Per-row evaluation context, reused across rows (evaluation is synchronous). */
interface EvalCtx {
  key: Buffer;
  sink: Cell[];
  random: () => number;
}

interface CompileState {
  hasSink: boolean;
}

/** Evaluates a sub-filter on `cells` (canonical order; never mutated). */
type Run = (cells: readonly Cell[], ctx: EvalCtx) => readonly Cell[];
type CellPredicate = (c: Cell) => boolean;

/** A compiled sub-filter: per-cell predicates are kept apart so chains can fuse them. */
type Node = { pred: CellPredicate; run?: undefined } | { run: Run; pred?: undefined };

const NONE: readonly Cell[] = Object.freeze([]) as readonly Cell[];
const identity: Run = (cells) => cells;
const blockAll: Run = () => NONE;

function compileNode(f: RowFilter, path: string, state: CompileState): Run {
  const n = compileAny(f, path, state);
  return n.run ?? filterBy(n.pred);
}

function compileAny(f: RowFilter, path: string, state: CompileState): Node {
  const field = filterFieldPath(path, f);
  switch (f.kind) {
    case 'passAll':
      return { run: identity };
    case 'blockAll':
      return { run: blockAll };
    case 'chain':
      return { run: compileChain(f.filters.map((c, i) => compileAny(c, `${field}.filters[${i}]`, state))) };
    case 'interleave':
      return { run: compileInterleave(f.filters.map((c, i) => compileNode(c, `${field}.filters[${i}]`, state))) };
    case 'condition': {
      const p = compileAny(f.predicate, `${field}.predicate_filter`, state);
      const t = f.trueFilter === undefined ? blockAll : compileNode(f.trueFilter, `${field}.true_filter`, state);
      const e = f.falseFilter === undefined ? blockAll : compileNode(f.falseFilter, `${field}.false_filter`, state);
      const pred = p.pred;
      const run = p.run;
      if (pred !== undefined) return { run: (cells, ctx) => (cells.some(pred) ? t(cells, ctx) : e(cells, ctx)) };
      return { run: (cells, ctx) => (run!(cells, ctx).length > 0 ? t(cells, ctx) : e(cells, ctx)) };
    }
    case 'sink':
      state.hasSink = true;
      return {
        run: (cells, ctx) => {
          const sink = ctx.sink;
          for (let i = 0; i < cells.length; i++) sink.push(cells[i]!);
          return NONE;
        },
      };
    case 'rowKeyRegex': {
      const re = compileByteRegex(latin1(f.regex), field);
      return { run: (cells, ctx) => (re.matchBytes(ctx.key) ? cells : NONE) };
    }
    case 'rowSample': {
      const p = f.probability;
      return { run: (cells, ctx) => (ctx.random() < p ? cells : NONE) };
    }
    case 'familyNameRegex':
      return { pred: familyPredicate(compileByteRegex(f.regex, field)) };
    case 'columnQualifierRegex':
      return { pred: qualifierPredicate(compileByteRegex(latin1(f.regex), field)) };
    case 'valueRegex': {
      const re = compileByteRegex(latin1(f.regex), field);
      return { pred: (c) => re.matchBytes(c.value) };
    }
    case 'columnRange': {
      const family = f.family;
      const inRange = rangePredicate(f.startQualifier, f.endQualifier);
      return { pred: (c) => c.family === family && inRange(c.qualifier) };
    }
    case 'valueRange': {
      const inRange = rangePredicate(f.start, f.end);
      return { pred: (c) => inRange(c.value) };
    }
    case 'valueBitmask': {
      const mask = f.mask;
      return { pred: (c) => bitmaskMatches(c.value, mask) };
    }
    case 'timestampRange': {
      const start = f.startMicros;
      const end = f.endMicros ?? Infinity;
      return { pred: (c) => c.timestamp >= start && c.timestamp < end };
    }
    case 'cellsPerRowOffset': {
      const n = f.n;
      return { run: n === 0 ? identity : (cells) => (cells.length <= n ? NONE : cells.slice(n)) };
    }
    case 'cellsPerRowLimit': {
      const n = f.n;
      return { run: (cells) => (cells.length <= n ? cells : cells.slice(0, n)) };
    }
    case 'cellsPerColumnLimit':
      return { run: columnLimit(f.n) };
    case 'stripValue':
      return { run: stripValues };
    case 'applyLabel':
      return { run: labeller(f.label) };
  }
}

/** Keeps the cells satisfying `pred`; returns the input itself when all do. */
function filterBy(pred: CellPredicate): Run {
  return (cells) => {
    const n = cells.length;
    let i = 0;
    while (i < n && pred(cells[i]!)) i++;
    if (i === n) return cells;
    const out = cells.slice(0, i);
    for (i++; i < n; i++) {
      const c = cells[i]!;
      if (pred(c)) out.push(c);
    }
    return out;
  };
}

/** A chain; runs of adjacent per-cell predicates are fused into one pass. */
function compileChain(nodes: Node[]): Run {
  const runs: Run[] = [];
  let preds: CellPredicate[] = [];
  const flush = (): void => {
    if (preds.length === 0) return;
    runs.push(filterBy(allOf(preds)));
    preds = [];
  };
  for (const n of nodes) {
    if (n.pred !== undefined) preds.push(n.pred);
    else if (n.run !== identity) {
      flush();
      runs.push(n.run);
    }
  }
  flush();
  if (runs.length === 0) return identity;
  if (runs.length === 1) return runs[0]!;
  return (cells, ctx) => {
    let cur = cells;
    for (let i = 0; i < runs.length; i++) {
      if (cur.length === 0) return NONE;
      cur = runs[i]!(cur, ctx);
    }
    return cur;
  };
}

function allOf(preds: CellPredicate[]): CellPredicate {
  if (preds.length === 1) return preds[0]!;
  if (preds.length === 2) {
    const [a, b] = preds as [CellPredicate, CellPredicate];
    return (c) => a(c) && b(c);
  }
  return (c) => {
    for (let i = 0; i < preds.length; i++) if (!preds[i]!(c)) return false;
    return true;
  };
}

function compileInterleave(runs: Run[]): Run {
  return (cells, ctx) => {
    let out: readonly Cell[] = NONE;
    for (let i = 0; i < runs.length; i++) out = mergeCells(out, runs[i]!(cells, ctx));
    return out;
  };
}

/** Family regex; a row's cells come grouped by family, so the last answer is cached. */
function familyPredicate(re: ByteRegex): CellPredicate {
  let lastFamily: string | undefined;
  let lastResult = false;
  return (c) => {
    if (c.family !== lastFamily) {
      lastFamily = c.family;
      lastResult = re.matchString(c.family);
    }
    return lastResult;
  };
}

/** Qualifier regex; versions of a column are adjacent, so the last answer is cached. */
function qualifierPredicate(re: ByteRegex): CellPredicate {
  let lastQualifier: Buffer | undefined;
  let lastResult = false;
  return (c) => {
    const q = c.qualifier;
    if (lastQualifier === undefined || (q !== lastQualifier && !bytesEqual(q, lastQualifier))) {
      lastQualifier = q;
      lastResult = re.matchBytes(q);
    }
    return lastResult;
  };
}

/** Absent start = "" inclusive; absent end = infinity. */
function rangePredicate(start: FilterBound | undefined, end: FilterBound | undefined): (b: Buffer) => boolean {
  const s = start?.value;
  const sClosed = start?.closed ?? true;
  const e = end?.value;
  const eClosed = end?.closed ?? false;
  return (b) => {
    if (s !== undefined) {
      const d = compareBytes(b, s);
      if (d < 0 || (d === 0 && !sClosed)) return false;
    }
    if (e !== undefined) {
      const d = compareBytes(b, e);
      if (d > 0 || (d === 0 && !eClosed)) return false;
    }
    return true;
  };
}

function bitmaskMatches(value: Buffer, mask: Buffer): boolean {
  if (value.length !== mask.length) return false;
  for (let i = 0; i < mask.length; i++) {
    const m = mask[i]!;
    if ((value[i]! & m) !== m) return false;
  }
  return true;
}

/** Keeps the first n cells of each column (columns are contiguous in canonical order). */
function columnLimit(n: number): Run {
  return (cells) => {
    let out: Cell[] | undefined;
    let seen = 0;
    let prev: Cell | undefined;
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i]!;
      if (prev === undefined || c.family !== prev.family || (c.qualifier !== prev.qualifier && !bytesEqual(c.qualifier, prev.qualifier))) {
        seen = 0;
      }
      prev = c;
      seen++;
      if (seen <= n) {
        if (out !== undefined) out.push(c);
      } else if (out === undefined) {
        out = cells.slice(0, i);
      }
    }
    return out ?? cells;
  };
}

const stripValues: Run = (cells) => {
  const out = new Array<Cell>(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    out[i] = c.value.length === 0 ? c : copyCell(c, EMPTY, c.labels);
  }
  return out;
};

function labeller(label: string): Run {
  // One shared, frozen label list per transformer keeps allocation per cell to the cell itself.
  const only = Object.freeze([label]) as string[];
  return (cells) => {
    const out = new Array<Cell>(cells.length);
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i]!;
      const labels = c.labels === undefined || c.labels.length === 0 ? only : [...c.labels, label];
      out[i] = copyCell(c, c.value, labels);
    }
    return out;
  };
}

function copyCell(c: Cell, value: Buffer, labels: string[] | undefined): Cell {
  return labels === undefined
    ? { family: c.family, qualifier: c.qualifier, timestamp: c.timestamp, value }
    : { family: c.family, qualifier: c.qualifier, timestamp: c.timestamp, value, labels };
}

/** The limit filter a filter starts with (following the first element of chains), if any. */
function leadingLimit(f: RowFilter): RowFilter {
  let cur = f;
  while (cur.kind === 'chain' && cur.filters.length > 0) cur = cur.filters[0]!;
  return cur;
}
