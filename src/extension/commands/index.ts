/**
 * The command table: every command id of `COMMAND_IDS` mapped to its
 * handler. Typed as a total map, so adding an id without a handler (or a
 * handler without an id) does not compile; this is the only place that calls
 * `registerCommand`, which the commands drift test relies on.
 */

import * as vscode from 'vscode';
import { COMMAND_IDS, type CommandKey } from '../command-ids';
import type { Ctx } from '../ctx';
import { analyzeCommands } from './analyze';
import { captureCommands } from './capture';
import { dumpCommands } from './dumps';
import { exportCommands } from './export';
import { serverCommands } from './server';
import type { CommandHandler } from './types';
import { vaSpaceCommands } from './va-space';

const TABLE: { readonly [K in CommandKey]: CommandHandler } = {
  ...analyzeCommands,
  ...vaSpaceCommands,
  ...dumpCommands,
  ...exportCommands,
  ...captureCommands,
  ...serverCommands,
};

export function registerCommands(ctx: Ctx): void {
  for (const key of Object.keys(TABLE) as CommandKey[]) {
    const handler = TABLE[key];
    ctx.push(vscode.commands.registerCommand(COMMAND_IDS[key], (...args: unknown[]) => handler(ctx, ...args)));
  }
}
