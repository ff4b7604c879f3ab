/**
 * Every kernel-produced replay vector as one test: the script is replayed and
 * its output compared line block by line block; a failure names the first
 * script line whose output differs.
 */

import { describe, expect, it } from 'vitest';
import { parseScript } from '../../../src/parse/script/parse-script';
import { runScript } from '../../../src/model/script-runner';
import { loadVectorGroups } from '../../helpers/vectors';

const groups = loadVectorGroups();

describe('kernel replay vectors', () => {
  it('are present', () => {
    expect(groups.length).toBeGreaterThan(0);
  });
  for (const group of groups) {
    describe(group.group, () => {
      for (const vector of group.vectors) {
        it(vector.name, () => {
          const result = runScript(parseScript(vector.script.join('\n')));
          for (let i = 0; i < vector.script.length; i++) {
            const got = result.blocks[i] ?? [];
            const want = vector.expected[i] ?? [];
            expect(got, `output of line ${i + 1}: ${vector.script[i]}`).toEqual(want);
          }
          expect(result.teardown, 'teardown output').toEqual(vector.teardown ?? []);
          expect(result.leaks, 'objects left allocated after teardown').toEqual([]);
        });
      }
    });
  }
});
