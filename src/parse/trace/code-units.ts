/**
 * A trace line as code units, the one representation the ftrace tokeniser
 * (`trace-line.ts`) and the payload matcher (`payload-format.ts`) read.
 *
 * A line of printable ASCII is read in place, as the UTF-8 bytes it came in
 * (a `Uint8Array`, no string made); any other line (non-ASCII text, control
 * characters, a line from a JS string that is not ASCII) as its UTF-16 code
 * units (a `Uint16Array`). Either way one unit is one character of the line's
 * string, so every column and length the tokeniser reports is the string's,
 * and both kinds of line decode to exactly what the string would.
 *
 * Also here: the interner that turns the units of an identity (a pointer, a
 * page number, an event name) into one shared string, so a value seen on
 * every line costs one string for the whole trace, not one per line.
 */

export type CodeUnits = Uint8Array | Uint16Array;

/**
 * True when `bytes[start, end)` is printable ASCII (space to `~`), the line
 * the byte path reads in place. Tabs, control characters and non-ASCII bytes
 * send the line to the string path, where the rules for white space, stray
 * bytes and UTF-8 are the string's.
 */
export function isPrintableAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const code = bytes[i] as number;
    if (code < 0x20 || code > 0x7e) return false;
  }
  return true;
}

const encoder = new TextEncoder();

/**
 * Turns strings into units in buffers it reuses: what `of` returns is valid
 * until its next call. One per reader, so two readers never share a buffer.
 */
export class UnitsScratch {
  private bytes = new Uint8Array(4096);
  private wide = new Uint16Array(4096);

  /** The units of `text`: its bytes when it is printable ASCII, else its UTF-16 units. */
  of(text: string): CodeUnits {
    const length = text.length;
    let ascii = true;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x20 || code > 0x7e) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      if (this.bytes.length < length) this.bytes = new Uint8Array(length * 2);
      encoder.encodeInto(text, this.bytes);
      return this.bytes.subarray(0, length);
    }
    if (this.wide.length < length) this.wide = new Uint16Array(length * 2);
    for (let i = 0; i < length; i++) this.wide[i] = text.charCodeAt(i);
    return this.wide.subarray(0, length);
  }
}

const shared = new UnitsScratch();

/** The units of a string, in a buffer the next call reuses (for one-off reads). */
export function unitsOf(text: string): CodeUnits {
  return shared.of(text);
}

/** The UTF-16 units of a string in a buffer of their own. */
export function ownUnits(text: string): Uint16Array {
  const units = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) units[i] = text.charCodeAt(i);
  return units;
}

/** The string of `units[start, end)`. */
export function unitsText(units: CodeUnits, start: number, end: number): string {
  if (end - start <= 0) return '';
  if (end - start < 256) return String.fromCharCode.apply(null, units.subarray(start, end) as unknown as number[]);
  let text = '';
  for (let from = start; from < end; from += 4096) {
    text += String.fromCharCode.apply(null, units.subarray(from, Math.min(end, from + 4096)) as unknown as number[]);
  }
  return text;
}

/** Whether `units[start, start + text.length)` is `text`. */
export function unitsEqual(units: CodeUnits, start: number, text: string): boolean {
  if (start + text.length > units.length) return false;
  for (let k = 0; k < text.length; k++) if (units[start + k] !== text.charCodeAt(k)) return false;
  return true;
}

/**
 * Shared strings for unit ranges: an open-addressing table keyed by a hash of
 * the units, checked unit by unit, so a hit allocates nothing. Bounded: once
 * `limit` strings are held the table starts over (a capture names far fewer
 * live objects than that; the strings already handed out stay valid).
 */
export class UnitInterner {
  private strings: (string | undefined)[];
  private hashes: Int32Array;
  private mask: number;
  private size = 0;

  constructor(private readonly limit = 1 << 16) {
    const slots = 1 << Math.ceil(Math.log2(limit * 2));
    this.strings = new Array<string | undefined>(slots).fill(undefined);
    this.hashes = new Int32Array(slots);
    this.mask = slots - 1;
  }

  intern(units: CodeUnits, start: number, end: number): string {
    const length = end - start;
    let hash = 0x811c9dc5 ^ length;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ (units[i] as number), 0x01000193);
    const strings = this.strings;
    const mask = this.mask;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const found = strings[slot];
      if (found === undefined) {
        if (this.size >= this.limit) {
          this.clear();
          return this.intern(units, start, end);
        }
        const text = unitsText(units, start, end);
        strings[slot] = text;
        this.hashes[slot] = hash;
        this.size++;
        return text;
      }
      if (this.hashes[slot] === hash && found.length === length && unitsEqual(units, start, found)) return found;
    }
  }

  private clear(): void {
    this.strings.fill(undefined);
    this.size = 0;
  }
}
