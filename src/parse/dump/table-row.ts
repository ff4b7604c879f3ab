/**
 * Reads the rows of the `gpuvas` tables: `| 0x…` fields after an indent, five
 * for the VA table, three for nouveau's region table. The canonical layout is
 * read at fixed offsets (the hot path: a busy VM has a million rows);
 * anything else goes through a lenient reader that also says what is wrong.
 */

import type { U64 } from '../../base/u64';

const HEX_FIELD = /^0x([0-9a-fA-F]{1,16})$/;

/** Value of one hex digit, or -1. */
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/** Eight hex digits at `at` as a number, or -1. */
function hex8(text: string, at: number): number {
  let value = 0;
  for (let i = at; i < at + 8; i++) {
    const digit = hexDigit(text.charCodeAt(i));
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/**
 * The canonical row layout, read at fixed offsets without splitting or
 * regular expressions (a dump of a busy VM has a million rows): `| 0x` and 16
 * digits per field, fields 21 characters apart, nothing after the last.
 * Returns undefined for anything else, which `readFields` then explains.
 */
function readCanonicalFields(text: string, count: number, bar: number): U64[] | undefined {
  if (text.length !== bar + 21 * count - 1) return undefined;
  const values: U64[] = [];
  for (let field = 0; field < count; field++) {
    const at = bar + 21 * field;
    if (text.charCodeAt(at) !== 124 || text.charCodeAt(at + 1) !== 32 || text.charCodeAt(at + 2) !== 48 || text.charCodeAt(at + 3) !== 120)
      return undefined;
    if (field < count - 1 && text.charCodeAt(at + 20) !== 32) return undefined;
    const high = hex8(text, at + 4);
    const low = hex8(text, at + 12);
    if (high < 0 || low < 0) return undefined;
    values.push(high === 0 ? BigInt(low) : (BigInt(high) << 32n) | BigInt(low));
  }
  return values;
}

/** Reads `count` `| 0x…` fields from a table row; returns the values or why it failed. */
export function readFields(text: string, count: number): U64[] | string {
  const canonicalBar = count === 5 ? 5 : 13;
  if (text.charCodeAt(canonicalBar) === 124) {
    const canonical = readCanonicalFields(text, count, canonicalBar);
    if (canonical) return canonical;
  }
  const bar = text.indexOf('|');
  if (bar === -1 || text.slice(0, bar).trim() !== '') return 'not a table row';
  const parts = text.slice(bar + 1).split('|');
  if (parts.length !== count) return `expected ${count} fields, found ${parts.length}`;
  const values: U64[] = [];
  for (let i = 0; i < parts.length; i++) {
    const field = (parts[i] as string).trim();
    const match = HEX_FIELD.exec(field);
    if (!match) return `field ${i + 1} ("${field}") is not a 0x-prefixed 64-bit hex number`;
    values.push(BigInt('0x' + (match[1] as string)));
  }
  return values;
}

export function isTableRow(text: string): boolean {
  return /^\s*\|/.test(text);
}
