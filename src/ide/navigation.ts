/**
 * Object identities across a document, for go to definition, find references
 * and document highlight. In a GPUVM script: a BO id leads to its `bo`
 * command and every command naming it; an address leads to the command that
 * created the mapping covering it and every command whose range contains it.
 * In a trace: a VM, VMA or BO pointer leads to the first event touching that
 * object in the replay and to every other one. In any other text, a pointer
 * or id leads to its first occurrence and all the others.
 *
 * Invariant: answers are bounded by `cap` places.
 */

import type { AnalyzedDocument } from './analyzed-document';
import {
  boMentions,
  creationLine,
  identityAt as scriptIdentityAt,
  linesTouching,
  scriptOf,
  stateAfter,
  tokensOf,
  vaCovering,
} from './script-queries';
import { traceNavigation } from './trace-queries';
import { identityAt as textIdentityAt, occurrences } from './trace-line-words';

export interface Place {
  /** 0-based line and character span. */
  readonly line: number;
  readonly start: number;
  readonly end: number;
}

export interface Navigation {
  readonly definition: Place[];
  readonly references: Place[];
}

export const MAX_PLACES = 5000;

function scriptNavigation(snapshot: AnalyzedDocument, line: number, character: number, cap: number): Navigation | undefined {
  const script = scriptOf(snapshot);
  const scriptLine = script.lines[line];
  if (!scriptLine) return undefined;
  const identity = scriptIdentityAt(scriptLine.text, character);
  if (!identity) return undefined;
  const tokenPlace = (index: number, argument: number): Place | undefined => {
    const token = tokensOf(script.lines[index]?.text ?? '')[argument];
    return token ? { line: index, start: token.start, end: token.end } : undefined;
  };
  switch (identity.kind) {
    case 'vm':
      return { definition: [{ line, start: identity.token.start, end: identity.token.end }], references: [] };
    case 'bo': {
      const mentions = boMentions(snapshot, identity.id).slice(0, cap);
      const places = mentions.map(({ index, token }) => ({ line: index, start: token.start, end: token.end }));
      const definition = mentions.filter(({ index }) => script.lines[index]?.command.kind === 'bo').slice(0, 1);
      return {
        definition: definition.map(({ index, token }) => ({ line: index, start: token.start, end: token.end })),
        references: places,
      };
    }
    case 'addr': {
      // A map (or insert) creates what it names: look after it; any other command acts on what existed before it.
      const creates = scriptLine.command.kind === 'map' || scriptLine.command.kind === 'insert';
      const before = creates ? line : line - 1;
      const state = before >= 0 ? stateAfter(snapshot, before) : undefined;
      const va = state?.valid ? vaCovering(state, identity.value) : undefined;
      const created = va ? creationLine(snapshot, va, before) : null;
      const definition = created === null ? [] : [tokenPlace(created, 1) ?? { line: created, start: 0, end: 0 }];
      const references = linesTouching(snapshot, identity.value)
        .slice(0, cap)
        .map((index) => tokenPlace(index, 1))
        .filter((place): place is Place => place !== undefined);
      return { definition, references };
    }
  }
}

function textNavigation(snapshot: AnalyzedDocument, line: number, character: number, cap: number): Navigation | undefined {
  const identity = textIdentityAt(snapshot.lines.line(line), character);
  if (!identity) return undefined;
  const places = occurrences(snapshot.lines, identity.text, cap);
  return { definition: places.slice(0, 1), references: places };
}

export function navigate(snapshot: AnalyzedDocument, line: number, character: number, cap = MAX_PLACES): Navigation | undefined {
  if (snapshot.kind === 'script') return scriptNavigation(snapshot, line, character, cap);
  // A trace object the replay knows leads to the events touching it; anything else to its text occurrences.
  if (snapshot.trace)
    return traceNavigation(snapshot, snapshot.trace, line, character, cap) ?? textNavigation(snapshot, line, character, cap);
  return textNavigation(snapshot, line, character, cap);
}
