/**
 * "GPUVM: Copy Capture Recipe": asks for the driver and copies the
 * `trace-cmd record` line that captures the events the model replays.
 */

import * as vscode from 'vscode';
import { CAPTURE_RECIPES, recordCommand, reportCommand, type CaptureRecipe } from '../capture-recipe';
import type { Ctx } from '../ctx';
import type { CommandGroup } from './types';

type RecipeItem = vscode.QuickPickItem & { readonly recipe: CaptureRecipe };

async function copyCaptureRecipe(_ctx: Ctx, driver?: unknown): Promise<string | undefined> {
  let recipe = CAPTURE_RECIPES.find((r) => r.driver === driver);
  if (!recipe) {
    const items: RecipeItem[] = CAPTURE_RECIPES.map((r) => ({
      label: r.label,
      description: r.description,
      detail: recordCommand(r),
      recipe: r,
    }));
    const picked = await vscode.window.showQuickPick(items, { title: 'GPUVM: Copy Capture Recipe', placeHolder: 'Driver to capture' });
    recipe = picked?.recipe;
  }
  if (!recipe) return undefined;
  const record = recordCommand(recipe);
  await vscode.env.clipboard.writeText(record);
  const report = reportCommand(recipe);
  // Not awaited: a notification's promise resolves only when it is dismissed.
  void vscode.window
    .showInformationMessage(
      `Copied the ${recipe.label} capture command. Run it as root, stop it with Ctrl-C, then: ${report}`,
      'Copy Report Command',
    )
    .then((choice) => (choice ? vscode.env.clipboard.writeText(report) : undefined));
  return record;
}

export const captureCommands: CommandGroup<'copyCaptureRecipe'> = { copyCaptureRecipe };
