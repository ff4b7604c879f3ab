/**
 * Event decoding: every example line of the fixtures decodes, every
 * event of the tables has a fixture line in each of its layouts, units and
 * identities come out as documented, and a known event with an unknown
 * layout is reported as changed, never decoded by accident.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeEvent, EventDecoder, field, hexField } from '../../../../src/parse/trace/decode-event';
import { unitsOf } from '../../../../src/parse/trace/code-units';
import { EVENT_CLASSES, EVENT_SPECS } from '../../../../src/parse/trace/event-tables';
import { hexValue, pointerKey } from '../../../../src/parse/trace/payload-format';
import { parseTraceLine, type TraceEventLine } from '../../../../src/parse/trace/trace-line';

const FIXTURES = join(__dirname, '..', '..', '..', 'fixtures', 'traces');

function events(file: string): TraceEventLine[] {
  return readFileSync(join(FIXTURES, file), 'utf8')
    .split('\n')
    .map(parseTraceLine)
    .filter((line): line is TraceEventLine => line.kind === 'event');
}

describe('spec example lines', () => {
  const lines = events('spec-examples.trace');
  it('has the examples', () => expect(lines.length).toBeGreaterThan(80));
  it.each(lines.map((line) => ({ name: line.event, line })))('$name decodes', ({ line }) => {
    expect(decodeEvent(line.event, line.payload).status).toBe('decoded');
  });
});

describe('every event and layout of the tables', () => {
  const lines = events('all-events.trace');
  const decoder = new EventDecoder();
  const seen = new Map<string, Set<string>>();
  for (const line of lines) {
    const result = decoder.decode(line.event, line.payload);
    if (result.status !== 'decoded') continue;
    const layouts = seen.get(line.event) ?? new Set<string>();
    layouts.add(result.event.layout.id);
    seen.set(line.event, layouts);
  }
  const expected = EVENT_CLASSES.flatMap((def) => def.events.map((event) => ({ event, layouts: def.layouts.map((layout) => layout.id) })));
  it.each(expected)('$event: every layout has a decoding fixture line', ({ event, layouts }) => {
    expect([...(seen.get(event) ?? [])].sort()).toEqual([...new Set(layouts)].sort());
  });
  it('layout field names match the conversions', () => {
    for (const def of EVENT_CLASSES) for (const layout of def.layouts) expect(layout.fields.length).toBe(layout.compiled.types.length);
  });
});

describe('fields', () => {
  const decode = (event: string, payload: string) => {
    const result = decodeEvent(event, payload);
    if (result.status !== 'decoded') throw new Error(`${event} did not decode`);
    return result.event;
  };

  it('xe v6.17 VMA: inclusive end, hashed pointers', () => {
    const event = decode(
      'xe_vma_bind',
      'dev=0000:03:00.0, vma=00000000a1b2c3d4, vm=000000005e6f7a8b, asid=0x00001, start=0x0001a0000000, end=0x0001a01fffff, userptr=0x000000000000',
    );
    expect(event.layout.id).toBe('xe v6.17');
    expect(field(event, 'end')).toBe('0001a01fffff');
    expect(field(event, 'vm')).toBe('000000005e6f7a8b');
  });

  it('xe pre-split VMA layout with its trailing comma', () => {
    const event = decode(
      'xe_vma_bind',
      'vma=00000000a1b2c3d4, asid=0x00001, start=0x0001a0000000, end=0x0001a01fffff, userptr=0x000000000000,',
    );
    expect(event.layout.id).toBe('xe v6.8');
    expect(field(event, 'userptr')).toBe('000000000000');
  });

  it('xe v6.11 VMA layout: dev= but no vm=, with the trailing comma', () => {
    const event = decode(
      'xe_vma_bind',
      'dev=0000:03:00.0, vma=00000000a1b2c3d4, asid=0x00001, start=0x0001a0000000, end=0x0001a01fffff, userptr=0x000000000000,',
    );
    expect(event.layout.id).toBe('xe v6.11');
    expect(field(event, 'vm')).toBeUndefined();
    expect(field(event, 'start')).toBe('0001a0000000');
  });

  it.each([
    {
      what: 'an added field',
      payload:
        'dev=0000:03:00.0, vma=00000000a1b2c3d4, vm=000000005e6f7a8b, asid=0x00001, start=0x0001a0000000, end=0x0001a01fffff, userptr=0x000000000000, pat_index=3',
      fields: { vm: '000000005e6f7a8b', end: '0001a01fffff', patIndex: '3' },
    },
    {
      what: 'fields in another order, dev= removed',
      payload: 'vma=00000000a1b2c3d4, start=0x0001a0000000, end=0x0001a01fffff, asid=0x00001, userptr=0x000000000000',
      fields: { vma: '00000000a1b2c3d4', start: '0001a0000000', asid: '00001', dev: undefined },
    },
  ])('xe VMA payload with $what decodes as a key=value list', ({ payload, fields }) => {
    const event = decode('xe_vma_bind', payload);
    expect(event.layout.id).toBe('xe key=value');
    for (const [name, value] of Object.entries(fields)) expect(field(event, name)).toBe(value);
  });

  it.each([
    {
      what: 'a field every layout has is missing',
      payload: 'dev=0000:03:00.0, vma=00000000a1b2c3d4, asid=0x00001, start=0x0001a0000000, end=0x0001a01fffff',
    },
    { what: 'a value of the wrong kind', payload: 'vma=00000000a1b2c3d4, asid=0x00001, start=somewhere, end=0x0001a01fffff, userptr=0x0' },
    { what: 'not a key=value list', payload: 'bound vma 00000000a1b2c3d4 at 0x1a0000000' },
  ])('xe VMA payload where $what stays a changed format', ({ payload }) => {
    expect(decodeEvent('xe_vma_bind', payload).status).toBe('changed');
  });

  it('xe v6.12 VM layout', () => {
    expect(decode('xe_vm_create', 'dev=0000:03:00.0, vm=000000005e6f7a8b, asid=0x00001').layout.id).toBe('xe v6.12');
  });

  it('amdgpu map: pages without 0x, inclusive last', () => {
    const event = decode('amdgpu_vm_bo_map', 'bo=00000000d2e1c3b4, start=800100200, last=8001002ff, offset=0000000000, flags=70');
    expect(field(event, 'last')).toBe('8001002ff');
  });

  it('i915 bind with and without mappable', () => {
    expect(
      field(
        decode('i915_vma_bind', 'obj=00000000e3f1a2b4, offset=0x0000000000a40000 size=0x20000, mappable vm=000000004c5d6e7f'),
        'mappable',
      ),
    ).toBe(', mappable');
    expect(field(decode('i915_vma_bind', 'obj=00000000e3f1a2b4, offset=0x0000000100020000 size=0x20000 vm=000000001a2b3c4d'), 'size')).toBe(
      '20000',
    );
    expect(decode('i915_vma_bind', 'obj=00000000e3f1a2b4, offset=0000000100020000 size=20000 vm=000000001a2b3c4d').layout.id).toBe(
      'i915 v4.x',
    );
  });

  it('hex fields read from the line are the values of their strings, zero-padded or not', () => {
    const decoder = new EventDecoder();
    const spec = EVENT_SPECS.get('i915_vma_bind');
    if (!spec) throw new Error('i915_vma_bind is in the tables');
    for (const offset of [
      '0000000000a40000',
      '000fffffffffffff',
      '001fffffffffffff',
      'ffffffffffff0000',
      '0000000000000000',
      '00000000000A4000',
    ]) {
      const payload = `obj=00000000e3f1a2b4, offset=0x${offset} size=0x20000 vm=000000001a2b3c4d`;
      const event = decoder.decodeLine(spec, unitsOf(payload), 0, payload.length);
      if (!event) throw new Error(`${payload} decodes`);
      expect(hexField(event, 'offset')).toStrictEqual(hexValue(offset));
    }
  });

  it('gpu_scheduler both eras', () => {
    expect(
      decode('drm_sched_job_queue', 'dev=0000:03:00.0, fence=2411:1834, ring=gfx_0.0.0, job count:0, hw job count:1, client_id:42').layout
        .id,
    ).toBe('gpu_scheduler v6.17+');
    expect(
      decode('drm_sched_job', 'entity=00000000c3d4e5f6, id=18523, fence=000000003e4f5a6b, ring=gfx_0.0.0, job count:0, hw job count:1')
        .layout.id,
    ).toBe('gpu_scheduler ≤v6.16');
  });

  it('trace-cmd pointers and (nil)', () => {
    const event = decode('amdgpu_vm_bo_unmap', 'bo=(nil), start=800100200, last=8001002ff, offset=0000000000, flags=70');
    expect(pointerKey(field(event, 'bo') ?? '')).toBe('0000000000000000');
    expect(pointerKey('0xffff8881a1b2c3d4')).toBe('ffff8881a1b2c3d4');
  });

  it('a changed layout is reported, not decoded', () => {
    expect(decodeEvent('xe_vma_bind', 'dev=0000:03:00.0, vma=00000000a1b2c3d4, vm=000000005e6f7a8b, start=0x1, last=0x2').status).toBe(
      'changed',
    );
    expect(decodeEvent('amdgpu_vm_bo_map', 'bo=00000000d2e1c3b4, start=800100200').status).toBe('changed');
    expect(decodeEvent('amdgpu_vm_bo_map', 'bo=00000000d2e1c3b4, start=zz, last=8001002ff, offset=0000000000, flags=70').status).toBe(
      'changed',
    );
  });

  it('unknown events are unknown', () => {
    expect(decodeEvent('sched_switch', 'prev_comm=swapper/7').status).toBe('unknown');
    expect(EVENT_SPECS.has('sched_switch')).toBe(false);
  });
});

describe('events whose fields come by name (a binary trace.dat producer)', () => {
  /** A printed value as a producer reading the ring buffer holds it. */
  const asRecord = (value: string, type: string): number | bigint | string => {
    if (type === 'hex' || type === 'ptr')
      return /^(?:0x)?[0-9a-f]+$/i.test(value) ? BigInt(value.startsWith('0x') ? value : '0x' + value) : value;
    if (type === 'dec' || type === 'udec') return /^-?\d+$/.test(value) ? Number(value) : value;
    return value;
  };
  /** Values as the replay reads them: numbers by value, whatever the padding. */
  const normal = (value: string, type: string): string =>
    (type === 'hex' || type === 'ptr') && /^(?:0x)?[0-9a-f]+$/i.test(value)
      ? BigInt(value.startsWith('0x') ? value : '0x' + value).toString()
      : value;

  const lines = events('all-events.trace');
  it.each(lines.map((line) => ({ name: line.event, line })))('$name: a record decodes to the values its printed line does', ({ line }) => {
    const text = decodeEvent(line.event, line.payload);
    expect(text.status).toBe('decoded');
    if (text.status !== 'decoded') return;
    const { layout, values } = text.event;
    const byName = new Map(
      layout.fields.map((name, k) => [
        name.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase()),
        asRecord(values[k] as string, layout.compiled.types[k] as string),
      ]),
    );
    const record = new EventDecoder().decodeRecord(line.event, (name) => byName.get(name));
    expect(record.status).toBe('decoded');
    if (record.status !== 'decoded') return;
    const got = Object.fromEntries(
      record.event.layout.fields.map((name, k) => [
        name,
        normal(record.event.values[k] as string, record.event.layout.compiled.types[k] as string),
      ]),
    );
    const want = Object.fromEntries(
      layout.fields.map((name, k) => [name, normal(values[k] as string, layout.compiled.types[k] as string)]),
    );
    expect(got).toEqual(want);
  });

  it('an unknown event is unknown, a known one lacking fields is changed', () => {
    expect(new EventDecoder().decodeRecord('sched_switch', () => 1).status).toBe('unknown');
    expect(new EventDecoder().decodeRecord('xe_vma_bind', () => undefined).status).toBe('changed');
  });
});
