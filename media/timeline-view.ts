/**
 * The mapping-timeline face of the VA-space webview: one row per mapping of
 * a VM (in address order), a bar from the line that bound it to the line
 * that ended it (open-ended while live at the end), the VM's findings as
 * marks on a strip and as guides across the rows, and a line axis. Clicking
 * a bar opens its bind line, its end cap the unbind line, a mark its finding;
 * double-clicking a bar shows the VA map at the bind.
 *
 * Rows are virtualised: only those on screen (plus a few) are in the DOM,
 * re-rendered on scroll, so a VM with 100k mappings scrolls like one with ten.
 * Runs in the webview sandbox; it reaches the host only through `post`.
 */

import type { Timeline, TimelineBar, TimelineMark } from '../src/protocol/lsp-ext';
import type { FromWebview } from '../src/protocol/webview';
import { barBox, barEnd, lineFraction, type LineWindow, visibleRows, vmLifetime, wholeDocument, zoomWindow } from './timeline-geometry';
import { big, sizeText } from './va-geometry';
import { appendVmPicker } from './vm-picker';

const ROW_PX = 18;
/** Guides drawn across the rows at most (the strip above shows every mark). */
const MAX_GUIDES = 2000;
const SEVERITY_CLASS: Record<number, string> = { 1: 'error', 2: 'warning', 3: 'info', 4: 'hint' };

export interface TimelineHost {
  post(message: FromWebview): void;
  el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K];
  button(label: string, title: string, onClick: () => void): HTMLButtonElement;
}

let lineWindow: LineWindow | null = null;
let shownVm: string | null = null;

function rangeText(bar: TimelineBar): string {
  return `[${bar.start}, ${bar.end})`;
}

function barTitle(bar: TimelineBar, t: Timeline): string {
  const name = bar.key ? `${bar.key} ` : '';
  const bound = `bound on line ${bar.boundLine + 1} by ${bar.boundEvent} (click to open)`;
  const ended =
    bar.unboundLine === null
      ? `live at the end of the document (line ${t.lineCount})`
      : `ended on line ${bar.unboundLine + 1} by ${bar.unboundEvent ?? 'an event'} (click the end to open)`;
  return `${name}${rangeText(bar)} · ${sizeText(big(bar.end) - big(bar.start))}\n${bound}\n${ended}\ndouble-click: VA map at the bind`;
}

function markTitle(mark: TimelineMark): string {
  return `line ${mark.line + 1} · ${mark.rule}\n${mark.message}`;
}

export function renderTimeline(app: HTMLElement, t: Timeline, fileName: string, host: TimelineHost): void {
  const { el, button, post } = host;
  if (shownVm !== (t.vm?.id ?? null) || !lineWindow) lineWindow = vmLifetime(t);
  shownVm = t.vm?.id ?? null;
  const w = lineWindow;
  const rerender = (next: LineWindow) => {
    lineWindow = next;
    renderTimeline(app, t, fileName, host);
  };
  const reveal = (line: number) => post({ type: 'reveal', line });

  const header = el('header');
  header.append(el('span', 'file', fileName));
  appendVmPicker(
    header,
    el,
    t.vms,
    t.vm,
    (vm) => `${vm.label} (line ${vm.line + 1}${vm.freedLine === null ? '' : `–${vm.freedLine + 1}`})`,
    post,
  );
  const live = t.bars.filter((bar) => bar.unboundLine === null).length;
  const total = t.bars.length + t.omitted;
  header.append(
    el(
      'span',
      'summary',
      `${total} mapping${total === 1 ? '' : 's'} over time · ${live} live at the end · ${t.marks.length} finding${t.marks.length === 1 ? '' : 's'}`,
    ),
  );

  const toolbar = el('div', 'toolbar');
  toolbar.append(
    button('VA map', 'Show the VM’s address space (at the line the timeline starts)', () =>
      post({
        type: 'mode',
        mode: 'map',
        vm: t.vm?.vaSpaceId ?? null,
        line: Math.max(0, Math.min(t.lineCount - 1, (t.vm?.freedLine ?? t.lineCount) - 1)),
      }),
    ),
    button('VM lifetime', 'Show the lines the VM lived', () => rerender(vmLifetime(t))),
    button('Whole document', 'Show every line of the document', () => rerender(wholeDocument(t))),
    button('−', 'Zoom out', () => rerender(zoomWindow(w, 2, 0.5, t))),
    button('+', 'Zoom in', () => rerender(zoomWindow(w, 0.5, 0.5, t))),
    el('span', 'view-range', `lines ${w.from + 1}–${w.to} of ${t.lineCount}`),
  );

  const children: HTMLElement[] = [header, toolbar];
  const grid = el('div', 'timeline');
  // Findings strip.
  const strip = el('div', 'tl-row tl-marks');
  strip.append(el('span', 'tl-label', 'findings'));
  const markTrack = el('div', 'tl-track');
  for (const mark of t.marks) {
    const at = lineFraction(mark.line, w);
    if (at === null) continue;
    const dot = el('div', `tl-mark ${SEVERITY_CLASS[mark.severity] ?? 'warning'}`);
    dot.style.left = `${at * 100}%`;
    dot.title = markTitle(mark);
    dot.addEventListener('click', () => reveal(mark.line));
    markTrack.append(dot);
  }
  strip.append(markTrack);
  grid.append(strip);

  // Rows, virtualised.
  const viewport = el('div', 'tl-viewport');
  viewport.setAttribute('role', 'list');
  viewport.setAttribute('aria-label', 'Mapping lifetimes');
  const spacer = el('div', 'tl-spacer');
  spacer.style.height = `${t.bars.length * ROW_PX}px`;
  viewport.append(spacer);
  const guides = el('div', 'tl-guides');
  let drawn = 0;
  for (const mark of t.marks) {
    if (drawn >= MAX_GUIDES) break;
    const at = lineFraction(mark.line, w);
    if (at === null) continue;
    const guide = el('div', `tl-guide ${SEVERITY_CLASS[mark.severity] ?? 'warning'}`);
    guide.style.left = `${at * 100}%`;
    guides.append(guide);
    drawn++;
  }
  spacer.append(guides);
  const rows = el('div', 'tl-rows');
  spacer.append(rows);
  const drawRows = () => {
    const trackPx = Math.max(100, viewport.clientWidth - 240);
    const { first, last } = visibleRows(viewport.scrollTop, viewport.clientHeight || 400, ROW_PX, t.bars.length);
    const out: HTMLElement[] = [];
    for (let index = first; index < last; index++) {
      const bar = t.bars[index] as TimelineBar;
      const row = el('div', 'tl-row');
      row.setAttribute('role', 'listitem');
      row.style.top = `${index * ROW_PX}px`;
      const label = el('span', 'tl-label addr', `${bar.start} · ${sizeText(big(bar.end) - big(bar.start))}`);
      label.title = rangeText(bar);
      const track = el('div', 'tl-track');
      const box = barBox(bar, w, t, trackPx);
      if (box) {
        const life = el('div', bar.unboundLine === null ? 'tl-bar live' : 'tl-bar');
        life.style.left = `${box.left * 100}%`;
        life.style.width = `${box.width * 100}%`;
        life.title = barTitle(bar, t);
        life.dataset.start = bar.start;
        life.dataset.bound = String(bar.boundLine);
        life.addEventListener('click', () => reveal(bar.boundLine));
        life.addEventListener('dblclick', () => post({ type: 'mode', mode: 'map', vm: t.vm?.vaSpaceId ?? null, line: bar.boundLine }));
        if (bar.unboundLine !== null && barEnd(bar, t) <= w.to) {
          const cap = el('div', 'tl-cap');
          cap.title = `ended on line ${bar.unboundLine + 1} by ${bar.unboundEvent ?? 'an event'} (click to open)`;
          const unbound = bar.unboundLine;
          cap.addEventListener('click', (event) => {
            event.stopPropagation();
            reveal(unbound);
          });
          life.append(cap);
        }
        track.append(life);
      }
      row.append(label, track);
      out.push(row);
    }
    rows.replaceChildren(...out);
  };
  let pending = false;
  viewport.addEventListener('scroll', () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      drawRows();
    });
  });
  grid.append(viewport);

  // Line axis under the rows.
  const axis = el('div', 'tl-row tl-axis');
  axis.append(el('span', 'tl-label', 'line'));
  const axisTrack = el('div', 'tl-track');
  for (let i = 0; i <= 4; i++) {
    const line = Math.round(w.from + ((w.to - w.from) * i) / 4);
    const tick = el('span', i === 4 ? 'tick last' : 'tick', String(Math.min(line + 1, t.lineCount)));
    tick.style.left = `${(i / 4) * 100}%`;
    axisTrack.append(tick);
  }
  axis.append(axisTrack);
  grid.append(axis);
  children.push(grid);
  if (t.omitted > 0) children.push(el('p', 'note', `${t.omitted} more mappings of this VM are not shown.`));
  if (t.note) children.push(el('p', 'note', t.note));
  app.replaceChildren(...children);
  app.classList.remove('busy');
  drawRows();
}
