import { describe, expect, it } from 'vitest';
import { learnReleaseWrappers, type LearnSource } from '../../../src/rules/patch/learned-pairs';
import { DEFAULT_RESOURCE_PAIRS, indexPairs } from '../../../src/rules/patch/resource-pairs';

const known = indexPairs(DEFAULT_RESOURCE_PAIRS);
const source = (text: string): LearnSource => ({
  path: 'drivers/gpu/drm/foo/foo_queue.c',
  lines: text.split('\n').map((line, index) => ({ text: line, line: index + 1 })),
});

describe('release wrappers', () => {
  it('learns a function that unlocks a field of its parameter as the release of that field', () => {
    const [pair, ...rest] = learnReleaseWrappers(
      [source('static void foo_queue_unlock(struct foo_dev *fdev, struct foo_queue *q)\n{\n\tspin_unlock(&q->lock);\n}')],
      known,
    );
    expect(rest).toEqual([]);
    expect(pair).toMatchObject({
      what: 'spinlock',
      kind: 'lock',
      release: ['foo_queue_unlock'],
      releaseSlot: 1,
      releasePath: '->lock',
      learnedFrom: 'drivers/gpu/drm/foo/foo_queue.c:3',
    });
  });

  it('does not learn a function that takes the lock itself, nor a named pair the code already knows', () => {
    const learned = learnReleaseWrappers(
      [
        source('static void foo_queue_kick(struct foo_queue *q)\n{\n\tmutex_lock(&q->lock);\n\tfoo_kick(q);\n\tmutex_unlock(&q->lock);\n}'),
        source('void drm_exec_fini(struct drm_exec *exec)\n{\n\tmutex_unlock(&exec->lock);\n}'),
        // Taken by another acquire the same unlock ends.
        source(
          'static int foo_queue_alloc_state(struct foo_queue *q)\n{\n\tif (mutex_lock_interruptible(&q->lock))\n\t\treturn -EINTR;\n\tfoo_alloc(q);\n\tmutex_unlock(&q->lock);\n\treturn 0;\n}',
        ),
      ],
      known,
    );
    expect(learned).toEqual([]);
  });
});
