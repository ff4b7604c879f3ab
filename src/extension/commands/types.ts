/**
 * The shape of the command table: one handler per command id, receiving the
 * extension context and the arguments VS Code passes (menus pass the clicked
 * resource, code lenses their arguments, the palette nothing).
 */

import type { CommandKey } from '../command-ids';
import type { Ctx } from '../ctx';

export type CommandHandler = (ctx: Ctx, ...args: unknown[]) => unknown;

/** A group of commands, merged into the table by commands/index.ts. */
export type CommandGroup<K extends CommandKey> = { readonly [P in K]: CommandHandler };
