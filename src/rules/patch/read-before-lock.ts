/**
 * A field read into a local before the function takes a lock, and written
 * under that lock: the locked section works from a value
 * read outside it, which another holder of the lock may change in between
 * ("drm/amd/amdgpu: fix missing lock for cper.ring->rptr/wptr access":
 * `wptr_old = ring->wptr;` and then `mutex_lock(&ring->adev->cper.ring_lock)`
 * around the loop that advances `ring->wptr`).
 *
 * The function's own code says the field is protected by the lock (it
 * writes the field holding it), so the read belongs inside the section too,
 * as `write-outside-locked-section` reasons for a write after the unlock.
 *
 * Invariants, for precision:
 *   - the lock is one the function takes itself (a lock of any object: the
 *     write under it says it guards the field), and no lock is held at the
 *     read;
 *   - the read is a plain load into a local (`v = p->f`, `T v = p->f & m`),
 *     not an annotated lockless one (`READ_ONCE()`, `atomic_*()`,
 *     `smp_load_acquire()`);
 *   - an optimistic read is quiet: the section compares the field with the
 *     local (`p->f != v`) or reads the field into the local again;
 *   - no code a window leaves out lies between the read and the lock, and
 *     set-up and tear-down functions and a just-allocated object are left
 *     out as the other lock beliefs do.
 */

import { regExpLiteral } from '../../base/regexp-literal';
import { WINDOW_GAP } from '../../parse/c/fragment';
import { defineRule } from '../rule';
import { NO_BELIEF_FUNCTION, scanLocks } from './lock-facts';
import { viewLines } from './lock-view';
import { justAllocated } from './unlocked-field-access';
import {
  functionLabel,
  rowChanged,
  rowLine,
  rowText,
  type HunkReview,
  type ImageSide,
  type PatchIssue,
  type PatchRuleCheck,
} from './review-context';

export const readBeforeLock = defineRule({
  id: 'read-before-lock',
  summary: 'A field is read into a local before the function takes a lock, and written under that lock.',
  defaultSeverity: 'warning',
  tags: ['patch', 'locking'],
  messages: {
    read: '{fn} reads {field} into {local} at line {readLine}, before taking {lock} here, and then writes {field} under {lock} (`{written}`): the locked section starts from a value another holder of {lock} may have changed in between. Read {field} after taking the lock.',
    fixed: 'The patch moves the read of {field} in {fn} under {lock}.',
  },
});

/** `local = …` or the last declarator's initializer of a declaration, the value after `=`. */
const LOAD = /(?:^|[,\s*])([A-Za-z_]\w*)\s*=(?!=)\s*([^;]*);\s*$/;
/** A field of a plain variable read in a value: `p->f` or `*p->f`, not a call through it. */
const FIELD_READ = /(?<![\w>.])([A-Za-z_]\w*->[A-Za-z_]\w*)(?!\s*\(|\s*(?:->|\.)|\w)/g;
/** Reads that say they are lockless on purpose. */
const ANNOTATED = /\b(?:READ_ONCE|atomic\w*|smp_load_acquire|rcu_dereference\w*|test_bit)\s*\(/;

interface Read {
  readonly local: string;
  readonly line: number;
}

export const readBeforeLockCheck: PatchRuleCheck = {
  rule: readBeforeLock,
  fixedMessage: 'fixed',
  check(review: HunkReview, side: ImageSide): PatchIssue[] {
    const issues: PatchIssue[] = [];
    for (const view of review[side]) {
      // A window will do: the read, the lock and the write are all in view, and a lock the function takes no caller holds.
      if (NO_BELIEF_FUNCTION.test(view.ir.name)) continue;
      const lines = viewLines(view);
      const body = lines.map((line) => line.text).join('\n');
      const gaps = view.ir.calls.filter((call) => call.name === WINDOW_GAP).map((call) => call.row);
      /** Fields read into locals with no lock held, the latest read of each. */
      const reads = new Map<string, Read>();
      /** Locks the function takes itself, with the line that takes them. */
      const taken = new Map<string, number>();
      /** Fields whose early read the section makes harmless (compared with it, or read again). */
      const excused = new Set<string>();
      const pending: { field: string; read: Read; lock: string; lockLine: number; writeLine: number }[] = [];
      scanLocks(
        lines,
        review.pairs,
        (event) => {
          if (event.type === 'acquire') {
            if (event.held.length === 0 && !taken.has(event.cls)) taken.set(event.cls, event.line);
            return;
          }
          if (event.type !== 'access' || event.how !== 'write') return;
          const read = reads.get(event.field);
          if (!read) return;
          for (const held of event.held) {
            const lockLine = taken.get(held.cls);
            if (lockLine === undefined || lockLine <= read.line) continue;
            if (gaps.some((gap) => gap > read.line && gap < lockLine)) continue;
            pending.push({ field: event.field, read, lock: held.cls, lockLine, writeLine: event.line });
          }
        },
        (line, code, before, after) => {
          if (before.length > 0 || after.length > 0) {
            // Inside a section: a fresh read or a comparison with the early one excuses it.
            for (const [field, read] of reads) {
              if (!code.includes(field)) continue;
              const local = regExpLiteral(read.local);
              const name = regExpLiteral(field);
              const compared = new RegExp(`${name}\\s*[!=]=\\s*${local}\\b|\\b${local}\\s*[!=]=\\s*\\**${name}`);
              const reread = new RegExp(`(?<![\\w>.])${local}\\s*=(?!=)[^;]*${name}`);
              if (compared.test(code) || reread.test(code)) excused.add(field);
            }
            return;
          }
          const load = LOAD.exec(code);
          if (!load || ANNOTATED.test(load[2] as string)) return;
          FIELD_READ.lastIndex = 0;
          for (let match = FIELD_READ.exec(load[2] as string); match; match = FIELD_READ.exec(load[2] as string)) {
            reads.set(match[1] as string, { local: load[1] as string, line });
          }
        },
      );
      const seen = new Set<string>();
      for (const finding of pending) {
        if (excused.has(finding.field)) continue;
        if (!rowChanged(view, finding.lockLine) && !rowChanged(view, finding.read.line)) continue;
        if (justAllocated(body, finding.field.split('->')[0] as string)) continue;
        const key = `${view.ir.name}|read-before-lock|${finding.field}|${finding.lock}`;
        if (seen.has(key)) continue;
        seen.add(key);
        issues.push({
          view,
          key,
          row: finding.lockLine,
          messageId: 'read',
          data: {
            fn: functionLabel(view),
            field: finding.field,
            local: finding.read.local,
            readLine: rowLine(view, finding.read.line),
            lock: finding.lock,
            written: rowText(view, finding.writeLine),
          },
          related: [
            { row: finding.read.line, message: `${finding.field} read here, no lock held` },
            { row: finding.writeLine, message: `${finding.field} written under ${finding.lock}` },
          ],
        });
      }
    }
    return issues;
  },
};
