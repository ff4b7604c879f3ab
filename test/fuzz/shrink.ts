/**
 * Delta debugging (Zeller's ddmin, simplified): removes ever smaller chunks of
 * lines, then of characters, as long as the input still fails the same way,
 * so a crash found in a 400-line mutant becomes a fixture of a few lines.
 */

/** Returns the smallest input found for which `fails` still holds, trying at most `budget` candidates. */
export async function shrink(input: string, fails: (candidate: string) => Promise<boolean>, budget = 2000): Promise<string> {
  let tries = 0;
  let best = input;
  for (const separator of ['\n', '']) {
    let parts = best.split(separator);
    let granularity = 2;
    while (parts.length >= 2 && tries < budget) {
      const chunk = Math.ceil(parts.length / granularity);
      let reduced = false;
      for (let start = 0; start < parts.length && tries < budget; start += chunk) {
        const candidate = [...parts.slice(0, start), ...parts.slice(start + chunk)];
        tries++;
        if (await fails(candidate.join(separator))) {
          parts = candidate;
          granularity = Math.max(granularity - 1, 2);
          reduced = true;
          break;
        }
      }
      if (!reduced) {
        if (granularity >= parts.length) break;
        granularity = Math.min(parts.length, granularity * 2);
      }
    }
    best = parts.join(separator);
  }
  return best;
}
