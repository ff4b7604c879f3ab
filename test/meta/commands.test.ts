/**
 * Drift test between the commands the extension registers and the commands
 * package.json contributes: every contributed command is registered, every
 * registered command is contributed, all sit in the "GPUVM" palette category,
 * and the only `registerCommand` call is the command table's loop (so the
 * table, typed over COMMAND_IDS, really is the whole set).
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_IDS } from '../../src/extension/command-ids';

const ROOT = resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { commands: { command: string; title: string; category?: string }[]; menus: Record<string, { command: string }[]> };
  activationEvents: string[];
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('commands', () => {
  const registered: string[] = Object.values(COMMAND_IDS).sort();
  const contributed = pkg.contributes.commands.map((c) => c.command).sort();

  it('every registered command is contributed in package.json', () => {
    expect(registered.filter((id) => !contributed.includes(id))).toEqual([]);
  });

  it('every contributed command is registered', () => {
    expect(contributed.filter((id) => !registered.includes(id))).toEqual([]);
  });

  it('are all in the GPUVM category with a title', () => {
    for (const command of pkg.contributes.commands) {
      expect(command.category, command.command).toBe('GPUVM');
      expect(command.title.length, command.command).toBeGreaterThan(0);
    }
  });

  it('menus only name contributed commands', () => {
    for (const [menu, entries] of Object.entries(pkg.contributes.menus)) {
      for (const entry of entries) expect(contributed, `${menu}: ${entry.command}`).toContain(entry.command);
    }
  });

  it('are registered in one place only (the command table)', () => {
    const callers = sources(join(ROOT, 'src', 'extension'))
      .filter((path) => /\bregisterCommand\(/.test(readFileSync(path, 'utf8')))
      .map((path) => relative(ROOT, path).replace(/\\/g, '/'));
    expect(callers).toEqual(['src/extension/commands/index.ts']);
  });

  it('activation is on the GPUVM languages and views, never on everything', () => {
    expect(pkg.activationEvents).not.toContain('*');
    expect(pkg.activationEvents.filter((e) => e.startsWith('onStartupFinished'))).toEqual([]);
    for (const language of ['gpuvm-trace', 'gpuvm-dump', 'gpuvm-script', 'gpuvm-patch']) {
      expect(pkg.activationEvents).toContain(`onLanguage:${language}`);
    }
  });
});
