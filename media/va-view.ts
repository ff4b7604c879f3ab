/**
 * The VA-space webview: draws one VM's address space as a horizontal map
 * (mappings as bars coloured by backing object, gaps left visible, sparse and
 * kernel-reserved ranges hatched), zoomable from the whole window down to a
 * single page (wheel, drag, keys, buttons), with a time scrubber that asks
 * the extension to replay the document to another line, and a table of the
 * mappings. Clicking a mapping opens the line that created it.
 *
 * Runs in the webview sandbox: no Node, no `vscode` module; it talks to the
 * host only through the typed messages of src/protocol/webview.ts and keeps
 * its state (document, line, VM, zoom) with setState so a reload restores it.
 * Addresses are u64: all arithmetic on them is BigInt, converted to a screen
 * fraction only at the end.
 */

import { mappingBacking } from '../src/protocol/va-backing';
import type { Timeline, VaMapping, VaSpace } from '../src/protocol/lsp-ext';
import type { AddressWindow, FromWebview, ToWebview, VaViewState } from '../src/protocol/webview';
import { renderTimeline } from './timeline-view';
import { appendVmPicker } from './vm-picker';
import {
  type AddressRange,
  big,
  clampView,
  compactLayout,
  fitMappings,
  fraction,
  fullExtent,
  hex,
  hue,
  initialView,
  PAGE,
  sizeText,
} from './va-geometry';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): unknown;
  setState(state: VaViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
/** Rows beyond this are summarised: the table is for reading, the map for overview. */
const MAX_TABLE_ROWS = 500;

let space: VaSpace | null = null;
/** The timeline, while the view shows it instead of the map. */
let timeline: Timeline | null = null;
/**
 * Compact axis (the default): empty stretches collapse to a few pixels so
 * that small mappings in a 48- or 57-bit space are visible; off, the axis is
 * linear in addresses.
 */
let compact = true;
let fileName = '';
let view: AddressRange | null = null;
let saved = readSavedState();

function readSavedState(): VaViewState | null {
  const raw = vscode.getState() as Partial<VaViewState> | undefined;
  return raw && typeof raw.uri === 'string' && typeof raw.line === 'number' ? (raw as VaViewState) : null;
}

// ---------------------------------------------------------------------------
// ---------------------------------------------------------------------------
// State

function currentState(): VaViewState | null {
  if (timeline) return { uri: timeline.uri, line: timeline.vm?.line ?? 0, vm: timeline.vm?.id ?? null, zoom: null, mode: 'timeline' };
  if (!space) return saved;
  return {
    uri: space.uri,
    line: space.line,
    vm: space.vm?.id ?? null,
    zoom: view ? { start: hex(view.start), end: hex(view.end) } : null,
    mode: 'map',
  };
}

function persist(): void {
  const state = currentState();
  if (!state) return;
  saved = state;
  vscode.setState(state);
  vscode.postMessage({ type: 'state', state });
}

// ---------------------------------------------------------------------------
// DOM

const app = document.getElementById('app') as HTMLElement;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label: string, title: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', 'tool', label);
  b.type = 'button';
  b.title = title;
  b.addEventListener('click', onClick);
  return b;
}

function zoomBy(factor: number, anchor = 0.5): void {
  if (!space || !view) return;
  const span = view.end - view.start;
  const next = BigInt(Math.max(1, Math.round(Number(span) * factor)));
  const at = view.start + BigInt(Math.round(Number(span) * anchor));
  const start = at - BigInt(Math.round(Number(next) * anchor));
  view = clampView(start, start + next, space);
  render();
  persist();
}

function panBy(fractionOfView: number): void {
  if (!space || !view) return;
  const span = view.end - view.start;
  const delta = BigInt(Math.round(Number(span) * fractionOfView));
  view = clampView(view.start + delta, view.end + delta, space);
  render();
  persist();
}

function setView(next: { start: bigint; end: bigint } | null): void {
  if (!space) return;
  view = next ? clampView(next.start, next.end, space) : fullExtent(space);
  render();
  persist();
}

function reveal(mapping: VaMapping): void {
  if (mapping.createdAtLine !== null) vscode.postMessage({ type: 'reveal', line: mapping.createdAtLine });
}

function mappingTitle(m: VaMapping): string {
  const object = mappingBacking(m);
  const origin = m.createdAtLine === null ? '' : `\ncreated at line ${m.createdAtLine + 1} (click to open)`;
  return `${m.start}–${m.end} (${sizeText(big(m.range))})\n${object}, offset ${m.offset}${origin}`;
}

/** A mapping bar with its colour, tooltip and click-through. */
function mappingBar(m: VaMapping, a: bigint, b: bigint): HTMLElement {
  const bar = el(
    'div',
    m.kernelReserved ? 'mapping reserved' : m.object !== null ? 'mapping' : m.objectTraced ? 'mapping sparse' : 'mapping untraced',
  );
  if (!m.kernelReserved && m.object !== null) bar.style.backgroundColor = `hsl(${hue(m.object)} 55% 48%)`;
  bar.title = mappingTitle(m);
  bar.dataset.start = m.start;
  bar.dataset.object = m.object ?? '';
  if (m.createdAtLine !== null) {
    bar.classList.add('linked');
    bar.addEventListener('click', () => reveal(m));
  }
  bar.addEventListener('dblclick', (event) => {
    event.preventDefault();
    setView({ start: a, end: b > a ? b : a + PAGE });
  });
  return bar;
}

/** Pixels the map is drawn on (the webview's width less its padding). */
function mapWidthPx(): number {
  return Math.max(200, app.clientWidth - 4);
}

/**
 * The compact map: mappings in address order, each at least a few pixels
 * wide, empty stretches collapsed and labelled with their size. Runs of
 * mappings narrower than a pixel are drawn as one dense bar, so 100k
 * mappings make at most one element per pixel.
 */
function renderCompactMap(s: VaSpace, v: AddressRange): HTMLElement {
  const map = el('div', 'map compact');
  map.setAttribute('role', 'img');
  map.setAttribute('aria-label', `Address space ${hex(v.start)} to ${hex(v.end)}, empty stretches collapsed`);
  const track = el('div', 'track');
  map.append(track);
  const sorted = [...s.mappings].sort((x, y) => (big(x.start) < big(y.start) ? -1 : big(x.start) > big(y.start) ? 1 : 0));
  const width = mapWidthPx();
  const segments = compactLayout(
    sorted.map((m) => ({ start: big(m.start), end: big(m.end) })),
    v,
    width,
  );
  let dense: { x: number; width: number; count: number } | null = null;
  const flushDense = () => {
    if (!dense) return;
    const bar = el('div', 'mapping dense');
    bar.style.left = `${dense.x * 100}%`;
    bar.style.width = `${dense.width * 100}%`;
    bar.title = `${dense.count} mappings too small to draw apart (zoom in)`;
    track.append(bar);
    dense = null;
  };
  for (const segment of segments) {
    if (segment.kind === 'mapping' && segment.width * width < 1) {
      if (dense) {
        dense.width = segment.x + segment.width - dense.x;
        dense.count++;
      } else dense = { x: segment.x, width: segment.width, count: 1 };
      continue;
    }
    flushDense();
    if (segment.kind === 'gap') {
      const gap = el('div', 'gap collapsed');
      gap.style.left = `${segment.x * 100}%`;
      gap.style.width = `${segment.width * 100}%`;
      const size = sizeText(segment.end - segment.start);
      gap.title = `unmapped ${hex(segment.start)}–${hex(segment.end)} (${size})`;
      if (segment.width * width >= 48) gap.append(el('span', 'gap-size', size));
      track.append(gap);
      continue;
    }
    const m = sorted[segment.index] as VaMapping;
    const bar = mappingBar(m, segment.start, segment.end);
    bar.style.left = `${segment.x * 100}%`;
    bar.style.width = `${segment.width * 100}%`;
    track.append(bar);
  }
  flushDense();
  installPointer(map);
  return map;
}

function renderMap(s: VaSpace, v: { start: bigint; end: bigint }): HTMLElement {
  if (compact) return renderCompactMap(s, v);
  const span = v.end - v.start;
  const map = el('div', 'map');
  map.setAttribute('role', 'img');
  map.setAttribute('aria-label', `Address space ${hex(v.start)} to ${hex(v.end)}`);
  const track = el('div', 'track');
  map.append(track);

  for (const gap of s.gaps) {
    const a = big(gap.start);
    const b = big(gap.end);
    if (b <= v.start || a >= v.end) continue;
    const bar = el('div', 'gap');
    const from = a < v.start ? v.start : a;
    const to = b > v.end ? v.end : b;
    bar.style.left = `${fraction(from, v.start, span) * 100}%`;
    bar.style.width = `${fraction(to, v.start, span) * 100 - fraction(from, v.start, span) * 100}%`;
    bar.title = `unmapped ${gap.start}–${gap.end} (${sizeText(b - a)})`;
    track.append(bar);
  }
  for (const m of s.mappings) {
    const a = big(m.start);
    const b = big(m.end);
    if (b < v.start || a > v.end || (b === v.start && a !== b)) continue;
    const from = a < v.start ? v.start : a;
    const to = b > v.end ? v.end : b;
    const bar = mappingBar(m, a, b);
    bar.style.left = `${fraction(from, v.start, span) * 100}%`;
    bar.style.width = `${Math.max(0, fraction(to, v.start, span) - fraction(from, v.start, span)) * 100}%`;
    track.append(bar);
  }
  // Page boundaries once a page is wide enough to see.
  if (span <= 64n * PAGE) {
    for (let page = (v.start / PAGE) * PAGE; page <= v.end; page += PAGE) {
      if (page < v.start) continue;
      const tick = el('div', 'page-tick');
      tick.style.left = `${fraction(page, v.start, span) * 100}%`;
      track.append(tick);
    }
  }
  installPointer(map);
  return map;
}

function renderAxis(v: { start: bigint; end: bigint }): HTMLElement {
  const axis = el('div', 'axis');
  const span = v.end - v.start;
  // Long (high) addresses get fewer labels so they never overlap.
  const ticks = hex(v.end).length > 10 ? 2 : 4;
  for (let i = 0; i <= ticks; i++) {
    const at = v.start + (span * BigInt(i)) / BigInt(ticks);
    const label = el('span', 'tick', hex(at));
    label.style.left = `${(i / ticks) * 100}%`;
    if (i === ticks) label.classList.add('last');
    axis.append(label);
  }
  return axis;
}

let drag: { x: number; start: bigint; end: bigint; width: number } | null = null;

function installPointer(map: HTMLElement): void {
  map.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      const rect = map.getBoundingClientRect();
      const anchor = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
      zoomBy(event.deltaY > 0 ? 1.25 : 0.8, anchor);
    },
    { passive: false },
  );
  map.addEventListener('pointerdown', (event) => {
    if (!view || event.button !== 0) return;
    drag = { x: event.clientX, start: view.start, end: view.end, width: map.getBoundingClientRect().width };
  });
}

window.addEventListener('pointermove', (event) => {
  if (!drag || !space) return;
  const dx = event.clientX - drag.x;
  if (Math.abs(dx) < 3) return;
  const span = drag.end - drag.start;
  const delta = BigInt(Math.round((-dx / drag.width) * Number(span)));
  view = clampView(drag.start + delta, drag.end + delta, space);
  render();
});
window.addEventListener('pointerup', () => {
  if (drag) persist();
  drag = null;
});

function renderScrubber(s: VaSpace): HTMLElement {
  const box = el('div', 'scrubber');
  const steps = s.changeLines.length > 0 ? [...s.changeLines] : [];
  const slider = el('input', 'slider');
  slider.type = 'range';
  slider.min = '0';
  slider.setAttribute('aria-label', 'Replay up to line');
  const label = el('span', 'line-label');
  const lineOf = (index: number): number => (steps.length > 0 ? (steps[index] ?? s.line) : index);
  if (steps.length > 0) {
    slider.max = String(steps.length - 1);
    let index = steps.findIndex((line) => line > s.line) - 1;
    if (index < 0) index = steps[steps.length - 1]! <= s.line ? steps.length - 1 : 0;
    slider.value = String(index);
  } else {
    slider.max = String(Math.max(0, s.lineCount - 1));
    slider.value = String(s.line);
  }
  const describe = (line: number): string => `after line ${line + 1} of ${s.lineCount}`;
  label.textContent = describe(s.line);
  slider.addEventListener('input', () => {
    label.textContent = describe(lineOf(Number(slider.value)));
  });
  slider.addEventListener('change', () => scrubTo(lineOf(Number(slider.value))));
  const previous = steps.filter((line) => line < s.line).pop();
  const next = steps.find((line) => line > s.line);
  const back = button('◀', 'Previous change of this VM', () => previous !== undefined && scrubTo(previous));
  const forward = button('▶', 'Next change of this VM', () => next !== undefined && scrubTo(next));
  back.disabled = previous === undefined;
  forward.disabled = next === undefined;
  box.append(el('span', 'caption', 'Time'), back, slider, forward, label);
  return box;
}

function scrubTo(line: number): void {
  vscode.postMessage({ type: 'scrub', line });
}

function renderTable(s: VaSpace): HTMLElement {
  const table = el('table', 'mappings');
  const head = el('tr');
  for (const title of ['start', 'end', 'size', 'object', 'offset', 'created']) head.append(el('th', undefined, title));
  table.append(head);
  for (const m of s.mappings.slice(0, MAX_TABLE_ROWS)) {
    const row = el('tr', m.kernelReserved ? 'reserved' : '');
    const object = mappingBacking(m, s.objects.find((o) => o.id === m.object)?.label ?? m.object);
    const swatch = el('span', 'swatch');
    if (!m.kernelReserved && m.object !== null) swatch.style.backgroundColor = `hsl(${hue(m.object)} 55% 48%)`;
    const objectCell = el('td');
    objectCell.append(swatch, document.createTextNode(object));
    row.append(
      el('td', 'addr', m.start),
      el('td', 'addr', m.end),
      el('td', undefined, sizeText(big(m.range))),
      objectCell,
      el('td', 'addr', m.offset),
    );
    const created = el('td');
    if (m.createdAtLine !== null) {
      const link = el('a', 'line-link', `line ${m.createdAtLine + 1}`);
      link.href = '#';
      link.addEventListener('click', (event) => {
        event.preventDefault();
        reveal(m);
      });
      created.append(link);
    } else {
      created.textContent = '—';
    }
    row.append(created);
    row.addEventListener('dblclick', () =>
      setView({ start: big(m.start), end: big(m.end) > big(m.start) ? big(m.end) : big(m.start) + PAGE }),
    );
    table.append(row);
  }
  if (s.mappings.length > MAX_TABLE_ROWS) {
    const more = el('tr');
    const cell = el('td', 'more', `… ${s.mappings.length - MAX_TABLE_ROWS} more mappings (zoom the map to see them)`);
    cell.colSpan = 6;
    more.append(cell);
    table.append(more);
  }
  return table;
}

function render(): void {
  if (!space) return;
  const s = space;
  const v = view ?? initialView(s);
  view = v;
  const header = el('header');
  header.append(el('span', 'file', fileName));
  appendVmPicker(
    header,
    el,
    s.vms,
    s.vm,
    (vm) => vm.label,
    (message) => vscode.postMessage(message),
  );
  const user = s.mappings.filter((m) => !m.kernelReserved).length;
  header.append(
    el('span', 'summary', `${user} mapping${user === 1 ? '' : 's'} · ${s.objects.length} object${s.objects.length === 1 ? '' : 's'}`),
  );

  const toolbar = el('div', 'toolbar');
  toolbar.append(
    button('Whole window', 'Show the VM’s whole address window (Home)', () => setView(null)),
    button('Fit mappings', 'Zoom to the mapped part of the window (F)', () => setView(fitMappings(s))),
    button('−', 'Zoom out (-)', () => zoomBy(2)),
    button('+', 'Zoom in (+)', () => zoomBy(0.5)),
    button('Timeline', 'Show when each mapping of this VM was bound and unbound', () =>
      vscode.postMessage({ type: 'mode', mode: 'timeline', vm: s.vm?.id ?? null, line: s.line }),
    ),
    button(
      compact ? 'Linear axis' : 'Compact axis',
      compact ? 'Draw addresses to scale (C)' : 'Collapse empty stretches so small mappings show (C)',
      () => toggleCompact(),
    ),
    el(
      'span',
      'view-range',
      `${hex(v.start)}–${hex(v.end)} · ${sizeText(v.end - v.start)} · ${Number((v.end - v.start) / PAGE).toLocaleString('en-US')} pages`,
    ),
  );

  const children: HTMLElement[] = [
    header,
    toolbar,
    renderMap(s, v),
    compact ? el('div', 'axis-note', 'compact axis: empty stretches collapsed, their sizes shown') : renderAxis(v),
    renderScrubber(s),
  ];
  if (s.note) children.push(el('p', 'note', s.note));
  children.push(renderTable(s));
  app.replaceChildren(...children);
  app.classList.remove('busy');
}

function toggleCompact(): void {
  compact = !compact;
  render();
}

function showMessage(text: string, className: string): void {
  app.replaceChildren(el('p', className, text));
}

document.addEventListener('keydown', (event) => {
  if (!space || timeline || (event.target instanceof HTMLElement && ['INPUT', 'SELECT'].includes(event.target.tagName))) return;
  switch (event.key) {
    case '+':
    case '=':
      zoomBy(0.5);
      break;
    case '-':
      zoomBy(2);
      break;
    case 'ArrowLeft':
      panBy(-0.25);
      break;
    case 'ArrowRight':
      panBy(0.25);
      break;
    case 'Home':
      setView(null);
      break;
    case 'f':
      setView(fitMappings(space));
      break;
    case 'c':
      toggleCompact();
      break;
    default:
      return;
  }
  event.preventDefault();
});

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const message = event.data;
  switch (message.type) {
    case 'timeline':
      timeline = message.timeline;
      fileName = message.fileName;
      renderTimeline(app, timeline, fileName, { post: (m) => vscode.postMessage(m), el, button });
      persist();
      break;
    case 'space': {
      timeline = null;
      const previous = space;
      space = message.space;
      fileName = message.fileName;
      const sameVm = previous ? previous.uri === space.uri && previous.vm?.id === space.vm?.id : false;
      const restore: AddressWindow | null =
        !previous && saved && saved.uri === space.uri && saved.vm === (space.vm?.id ?? null) ? saved.zoom : null;
      if (restore) view = clampView(big(restore.start), big(restore.end), space);
      else if (!sameVm) view = null;
      else if (view) view = clampView(view.start, view.end, space);
      render();
      persist();
      break;
    }
    case 'loading':
      app.classList.add('busy');
      if (!space && !timeline) showMessage(`Replaying to line ${message.line + 1}…`, 'placeholder');
      break;
    case 'error':
      app.classList.remove('busy');
      showMessage(message.message, 'error');
      break;
  }
});

vscode.postMessage({ type: 'ready', state: saved });
