/**
 * Detects what a document is from its content, not its name (the file name
 * is only a tie-breaker): the one content detector of the CLI, the language
 * server and the VS Code extension, which is why it lives in `base`. Looks at
 * the first lines only, so it works on the first chunk of a streamed file.
 */

/** Every kind of input GPUVM Lens understands. */
export type DocumentKind = 'trace' | 'dump' | 'patch' | 'script' | 'kernel-log' | 'unknown';

export const DOCUMENT_KINDS: readonly DocumentKind[] = ['trace', 'dump', 'patch', 'script', 'kernel-log', 'unknown'];

/** How much of the head of a file `detectKind` wants to see. */
export const DETECT_HEAD_BYTES = 64 * 1024;

const SCRIPT_COMMAND =
  /^(vm|bo|map|unmap|madvise|prefetch|bounmap|insert|remove|find|find_first|find_prev|find_next|empty|valid|execlock|execlock_range|dump|bos|lockmode|locklog)(\s|$)/;
const FTRACE_HEADER = /^# tracer: |^# entries-in-buffer|^CPU \d+ is empty|^cpus=\d+/;
// Timestamps may be counter-clock integers; the latency format has no [cpu] brackets.
// `.*?\s\[` and not `.*?\s+\[`: the same lines, but linear on a line of
// spaces (the nested repetition backtracked quadratically).
const FTRACE_EVENT =
  /^\s*\S.*?\s\[\d{3}\]\s+(?:\S{4,5}\s+)?\d+(?:\.\d+)?:\s+\w+:|^\s*\S{1,16}-\d+\s+\d{1,3}[.dDbX]\S{2,5}\s+(?:\d+us.|\d+\.\d+):? ?: \w+:/;
// dmesg (plain, -r, -x, -T), journalctl -k / syslog files, and KASAN or WARN reports pasted without prefixes.
const DMESG_LINE =
  /^(?:<\d>)?\[\s*\d+\.\d+\]\s|^kern\s*:\s*\w+\s*: |^\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ \d]\d [\d:]{8} \d{4}\] |^(?:[A-Z][a-z]{2} [ \d]\d [\d:]{8}(?:\.\d+)?|\d{4}-\d\d-\d\dT\S+) \S+ kernel: |^BUG: KASAN: |^-+\[ cut here \]-+$/;
const PATCH_START = /^(?:diff --git |--- \S|\+\+\+ \S|From [0-9a-f]{40} |From: |Subject: |@@ -\d)/;
// A dump whose first lines were lost still has its VA table header.
const DUMP_HEADER = /^DRM GPU VA space \(|^ VAs \| start +\| range /;

/** The part of each line the patterns look at. */
const DETECT_LINE_CHARS = 512;

/** trace-cmd's binary `trace.dat` magic, `\x17\x08\x44tracing`: read as the lines of its report. */
const TRACE_DAT_MAGIC = '\u0017\u0008Dtracing';
const TRACE_DAT_MAGIC_BYTES = [0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67] as const;

/** True when a file's first bytes are the `trace.dat` magic (the one check of the reader, the CLI and the editor). */
export function isTraceDatHead(head: Uint8Array): boolean {
  return head.length >= TRACE_DAT_MAGIC_BYTES.length && TRACE_DAT_MAGIC_BYTES.every((byte, index) => head[index] === byte);
}

export function detectKind(head: string, path = ''): DocumentKind {
  if (head.startsWith(TRACE_DAT_MAGIC)) return 'trace';
  // Every pattern matches within a line's first few hundred characters, and
  // the cut keeps a head of huge lines from costing more than a head of small ones.
  const lines = head.split('\n', 400).map((line) => line.slice(0, DETECT_LINE_CHARS).replace(/\r$/, ''));
  let script = 0;
  let trace = 0;
  let dmesg = 0;
  let patch = 0;
  for (const line of lines) {
    if (DUMP_HEADER.test(line)) return 'dump';
    if (FTRACE_HEADER.test(line) || FTRACE_EVENT.test(line)) trace++;
    else if (DMESG_LINE.test(line)) dmesg++;
    else if (PATCH_START.test(line) || /^> ?(?:diff --git|@@ -\d|--- a\/)/.test(line)) patch++;
    else if (SCRIPT_COMMAND.test(line.trim())) script++;
  }
  const lower = path.toLowerCase();
  if (trace > 0 && trace >= dmesg) return 'trace';
  if (patch > 0 && /^(?:diff --git |From [0-9a-f]{40} |From: |Subject: |--- \S)/m.test(head)) return 'patch';
  if (dmesg > 0) return 'kernel-log';
  if (script > 0 || lower.endsWith('.gpuvm')) return 'script';
  if (/\.(patch|diff|mbox|eml)$/.test(lower)) return 'patch';
  return 'unknown';
}
