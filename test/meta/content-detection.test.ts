/**
 * One content detector (src/base/detect-kind.ts) for the CLI, the server and
 * the extension. This test keeps what each of them sees from drifting apart:
 * every fixture and example is detected as the kind its folder holds, the
 * editor language the extension switches it to is that kind's language, and
 * the file associations in package.json (extensions, file names) never give
 * a file a GPUVM language other than the one its content shows.
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DETECT_HEAD_BYTES, detectKind, type DocumentKind } from '../../src/base/detect-kind';
import { kindOfLanguage, languageOfKind } from '../../src/protocol/lsp-ext';

const ROOT = resolve(__dirname, '..', '..');

/** Folders whose files are all of one kind. */
const FOLDERS: readonly [string, DocumentKind][] = [
  ['test/fixtures/traces/rules', 'trace'],
  ['test/fixtures/traces/layouts', 'trace'],
  ['test/fixtures/script-rules', 'script'],
  ['test/fixtures/rules', 'patch'],
  ['test/fixtures/dumps', 'dump'],
  ['test/fixtures/kernel-logs', 'kernel-log'],
  ['examples/traces', 'trace'],
  ['examples/scripts', 'script'],
  ['examples/review', 'patch'],
];
const FILES: Readonly<Record<string, DocumentKind>> = {
  'examples/xe-run/dmesg.log': 'kernel-log',
  'examples/xe-run/trace.txt': 'trace',
  'examples/xe-run/gpuvas-later.txt': 'dump',
  'test/fixtures/inputs/capture-saved-as.txt': 'trace',
  'test/fixtures/kernel-logs/with-trace/xe-run.trace': 'trace',
  'test/fixtures/kernel-logs/with-trace/xe-run-asid3.gpuvas': 'dump',
  'test/fixtures/kernel-logs/with-trace/xe-run-asid3-changed.gpuvas': 'dump',
};

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return name.endsWith('.expected') || name.endsWith('.md') || relative(ROOT, path) in FILES ? [] : [path];
  });
}

const cases = [
  ...FOLDERS.flatMap(([folder, kind]) => walk(join(ROOT, folder)).map((path) => ({ file: relative(ROOT, path), kind }))),
  ...Object.entries(FILES).map(([file, kind]) => ({ file, kind })),
];

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { languages: { id: string; extensions?: string[]; filenames?: string[] }[] };
};

/** The GPUVM language package.json gives a file by its name alone, if any. */
function languageByName(file: string): string | undefined {
  const name = basename(file);
  const extension = extname(file);
  return manifest.contributes.languages.find(
    (language) => (language.filenames ?? []).includes(name) || (language.extensions ?? []).includes(extension),
  )?.id;
}

describe('content detection', () => {
  it('covers the fixtures', () => expect(cases.length).toBeGreaterThan(80));

  it.each(cases)('$file is a $kind everywhere', ({ file, kind }) => {
    const head = readFileSync(join(ROOT, file), 'utf8').slice(0, DETECT_HEAD_BYTES);
    expect(detectKind(head, file)).toBe(kind);
    const language = languageOfKind(kind);
    expect(language && kindOfLanguage(language)).toBe(kind);
    const byName = languageByName(file);
    if (byName !== undefined && kindOfLanguage(byName) !== undefined) expect(byName).toBe(language);
  });
});
