/**
 * Which kernel calls count as sleeping for `sleep-under-spinlock`: the
 * documented sleepers, and allocations only when their GFP flags allow reclaim.
 */

import { describe, expect, it } from 'vitest';
import { sleepingCall } from '../../../src/rules/patch/sleeping-calls';

describe('sleepingCall', () => {
  it('knows the kernel calls that always sleep', () => {
    expect(sleepingCall('mutex_lock', ['&vm->lock'])).toMatch(/may sleep/);
    expect(sleepingCall('set_pages_wb', ['p', '1'])).toMatch(/set_pages_wb/);
    expect(sleepingCall('dma_fence_wait', ['fence', 'false'])).toMatch(/may sleep/);
  });

  it('leaves alone what does not sleep, or drops its spinlock to sleep', () => {
    expect(sleepingCall('mutex_trylock', ['&vm->lock'])).toBeUndefined();
    expect(sleepingCall('spin_lock', ['&vm->lock'])).toBeUndefined();
    expect(sleepingCall('wait_event_lock_irq', ['wq', 'cond', 'lock'])).toBeUndefined();
  });

  it('lets the GFP flags decide for allocations', () => {
    expect(sleepingCall('kzalloc', ['sizeof(*p)', 'GFP_KERNEL'])).toMatch(/GFP_KERNEL/);
    expect(sleepingCall('kmalloc', ['n', 'GFP_NOFS|__GFP_NOWARN'])).toMatch(/GFP_NOFS/);
    expect(sleepingCall('kzalloc', ['sizeof(*p)', 'GFP_ATOMIC'])).toBeUndefined();
    expect(sleepingCall('kmalloc', ['n', 'gfp'])).toBeUndefined();
  });
});
