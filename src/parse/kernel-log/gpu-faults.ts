/**
 * Recognisers for the GPU page-fault reports of the drivers that manage a GPU
 * VM, each written from the driver's own format string:
 *
 * - amdgpu gmc v9+ (gmc_v9_0.c, gmc_v10_0.c, …): a `[gfxhub0] no-retry page
 *   fault (src_id:… ring:… vmid:… pasid:…)` line, the task on the same line
 *   or a ` Process … pid … thread … pid …` line, `  in page starting at
 *   address 0x… from [IH ]client …`, `…VM_L2_PROTECTION_FAULT_STATUS:0x…`
 *   and one decoded field per line. Lines of two GPUs may interleave, so an
 *   open report is kept per device.
 * - amdgpu gmc v7/v8: `GPU fault detected: …`, `VM_CONTEXT1_PROTECTION_FAULT_ADDR
 *   0x…` (a page number) and `VM fault (0x.., vmid n, pasid n) at page n, read|write from …`.
 * - Xe: a multi-line report with `\tASID: n` and `\tFaulted Address: 0x…`.
 * - nouveau: `fault 01 [WRITE] at 0000001000 engine … on channel 2 [… vkcube[2742]]`
 *   (older kernels: `write fault at …`); the channel's client name is the VM name.
 * - panthor / panfrost: `Unhandled Page fault in AS0 at VA 0x…` and its detail lines.
 * - msm (adreno): `*** gpu fault: ttbr0=… iova=… dir=READ type=… source=…`.
 *
 * Each recogniser looks at one message and either starts a record, adds to the
 * open record it belongs to, or says the line is not its business.
 */

import { deviceOf } from './dmesg-prefix';
import type { FaultDriver, GpuFaultRecord, VaConflictRecord } from './records';

const AMDGPU_HEADER =
  /\[(\w+)\]\s+(?:(retry|no-retry)\s+)?page fault \(src_id:(\d+) ring:(\d+) vmid:(\d+) pasid:(\d+)(?:, for process (.*?) pid (\d+) thread (.*?) pid (\d+))?\)?/;
const AMDGPU_TASK = /(?:^|\s)(?:Process|in process|for process) (.*?) pid (\d+) thread (.*?) pid (\d+)\)?\s*$/;
const AMDGPU_ADDRESS = /in page starting at address 0x([0-9a-fA-F]+) from (?:IH )?client (\S+)(?: \(([^)]*)\))?/;
const AMDGPU_STATUS = /\b(\w*VM_L2_PROTECTION_FAULT_STATUS):\s*0x([0-9a-fA-F]+)/;
const AMDGPU_FIELD = /\b(Faulty UTCL2 client ID|MORE_FAULTS|WALKER_ERROR|PERMISSION_FAULTS|MAPPING_ERROR|RW):\s*(\S(?:\s*\S)*)\s*$/;
const AMDGPU_OLD_HEADER = /GPU fault detected: (\d+) 0x([0-9a-fA-F]+)(?: for process (.*?) pid (\d+) thread (.*?) pid (\d+))?/;
const AMDGPU_OLD_ADDR = /VM_CONTEXT1_PROTECTION_FAULT_ADDR\s+0x([0-9a-fA-F]+)/;
const AMDGPU_OLD_STATUS = /VM_CONTEXT1_PROTECTION_FAULT_STATUS\s+0x([0-9a-fA-F]+)/;
const AMDGPU_OLD_DECODE = /VM fault \(0x([0-9a-fA-F]+), vmid (\d+)(?:, pasid (\d+))?\) at page (\d+), (read|write) from/;
const AMDGPU_CONFLICT = /bo (\S+) va 0x([0-9a-fA-F]+)-0x([0-9a-fA-F]+) conflict with 0x([0-9a-fA-F]+)-0x([0-9a-fA-F]+)/;
const AMDGPU_DETAIL_HINT = /PROTECTION_FAULT|: 0x|Faulty UTCL2| pid \d|VM fault \(/;
const XE_ASID = /^\s*ASID: (\d+)\s*$/;
const XE_ADDRESS = /^\s*Faulted Address: 0x([0-9a-fA-F]+)\s*$/;
// A field's value is `(?:\s*\S)*` rather than `.*?` before `\s*$`: the lazy form backtracks
// quadratically on a long run of blanks not at the end of the line (seconds on a 100 kB line).
const XE_FIELD = /^\s*(VFID|PDATA|Address Precision|FaultType|AccessType|FaultLevel|EngineClass|EngineInstance): ((?:\s*\S)*)\s*$/;
const NOUVEAU =
  /(?:fault [0-9a-f]{2} \[(\w*)\]|(read|write) fault) at ([0-9a-f]+) .*?reason [0-9a-f]{2} \[([^\]]*)\] on channel (-?\d+) \[[0-9a-f]+ (.*)\]\s*$/;
const PANTHOR = /Unhandled Page fault in AS(\d+) at VA 0x([0-9a-fA-F]+)/;
const PANTHOR_FIELD =
  /^\s*(Reason|raw fault status|decoded fault status|exception type 0x[0-9A-Fa-f]+|access type 0x[0-9A-Fa-f]+|source id): ?((?:\s*\S)*)\s*$/;
const MSM =
  /\*\*\* gpu fault: (?:cb=\d+ )?ttbr0=([0-9a-f]+) (?:cb0_ttbr0=[0-9a-f]+ cb1_ttbr0=[0-9a-f]+ )?iova=([0-9a-f]+) dir=(\w+) type=(\w+) source=(\S+)/;

/** How many lines after its first line a multi-line report may still grow. */
const REPORT_WINDOW = 16;

function hexValue(text: string): bigint {
  return BigInt('0x' + text);
}

function accessFrom(text: string): GpuFaultRecord['access'] {
  const lower = text.toLowerCase();
  if (lower === 'read' || lower === 'rd' || lower === '0') return 'read';
  if (lower === 'write' || lower === 'wr' || lower === '1') return 'write';
  if (lower === 'atomic' || lower === '2') return 'atomic';
  return undefined;
}

export interface FaultContext {
  readonly line: number;
  readonly timestamp?: number;
  /** `driver device` of the message; computed only for lines that belong to a report. */
  readonly device?: string;
}

/** The context of one line; its device prefix is parsed only when asked for. */
class LineContext implements FaultContext {
  private cachedDevice: string | null | undefined;

  constructor(
    private readonly message: string,
    readonly line: number,
    readonly timestamp?: number,
  ) {}

  get device(): string | undefined {
    if (this.cachedDevice === undefined) this.cachedDevice = deviceOf(this.message) ?? null;
    return this.cachedDevice ?? undefined;
  }
}

/** Collects fault records; open multi-line reports are continued by later lines. */
export class FaultRecognizer {
  /** Open amdgpu reports per device (`amdgpu 0000:03:00.0`). */
  private readonly openAmdgpu = new Map<string, GpuFaultRecord>();
  /** The last Xe or panthor report: their detail lines carry no device prefix. */
  private openMultiLine: GpuFaultRecord | undefined;

  constructor(private readonly emit: (record: GpuFaultRecord | VaConflictRecord) => void) {}

  private start(driver: FaultDriver, context: FaultContext): GpuFaultRecord {
    const record: GpuFaultRecord = {
      kind: 'gpu-fault',
      driver,
      line: context.line,
      endLine: context.line,
      vm: {},
      details: {},
      ...(context.timestamp !== undefined ? { timestamp: context.timestamp } : {}),
      ...(context.device ? { device: context.device } : {}),
    };
    this.emit(record);
    return record;
  }

  /** Returns true when the message was part of a fault report (the parser passes no over-long line, see KernelLogParser.line). */
  line(message: string, line: number, timestamp?: number): boolean {
    const context = new LineContext(message, line, timestamp);
    return this.amdgpu(message, context) || this.xe(message, context) || this.others(message, context);
  }

  private amdgpuOpen(context: FaultContext): GpuFaultRecord | undefined {
    const record = this.openAmdgpu.get(context.device ?? 'amdgpu');
    return record && context.line - record.endLine <= REPORT_WINDOW ? record : undefined;
  }

  private amdgpu(message: string, context: FaultContext): boolean {
    if (message.includes('page fault (src_id:')) {
      const match = AMDGPU_HEADER.exec(message);
      if (!match) return false;
      const record = this.start('amdgpu', context);
      record.vm.vmid = Number(match[5]);
      record.vm.pasid = Number(match[6]);
      record.details.hub = match[1] as string;
      if (match[2]) record.details.retry = match[2];
      record.details.ring = match[4] as string;
      if (match[7] !== undefined) record.process = `${match[7]} pid ${match[8]} thread ${match[9]} pid ${match[10]}`;
      this.openAmdgpu.set(context.device ?? 'amdgpu', record);
      return true;
    }
    if (message.includes('GPU fault detected:')) {
      const match = AMDGPU_OLD_HEADER.exec(message);
      if (!match) return false;
      const record = this.start('amdgpu', context);
      record.details.source = `${match[1]} 0x${match[2]}`;
      if (match[3] !== undefined) record.process = `${match[3]} pid ${match[4]} thread ${match[5]} pid ${match[6]}`;
      this.openAmdgpu.set(context.device ?? 'amdgpu', record);
      return true;
    }
    if (message.includes('in page starting at address')) {
      const match = AMDGPU_ADDRESS.exec(message);
      if (!match) return false;
      // A report whose first line was lost (log cut) still has an address worth explaining.
      const record = this.amdgpuOpen(context) ?? this.start('amdgpu', context);
      record.address = hexValue(match[1] as string);
      record.addressLine = context.line;
      record.details.client = match[3] ? `${match[2]} (${match[3]})` : (match[2] as string);
      record.endLine = context.line;
      return true;
    }
    const conflict = message.includes('conflict with 0x') ? AMDGPU_CONFLICT.exec(message) : null;
    if (conflict) {
      this.emit({
        kind: 'va-conflict',
        line: context.line,
        requestStart: hexValue(conflict[2] as string),
        requestLast: hexValue(conflict[3] as string),
        existingStart: hexValue(conflict[4] as string),
        existingEnd: hexValue(conflict[5] as string),
        ...(context.timestamp !== undefined ? { timestamp: context.timestamp } : {}),
        ...(context.device ? { device: context.device } : {}),
      });
      return true;
    }
    // Most lines of a log are none of the detail lines below: rule them out cheaply first.
    if (!AMDGPU_DETAIL_HINT.test(message)) return false;
    const open = this.amdgpuOpen(context);
    if (!open) return false;
    const status = AMDGPU_STATUS.exec(message) ?? AMDGPU_OLD_STATUS.exec(message);
    if (status) {
      const [name, value] =
        status.length === 3 && status[2] !== undefined
          ? [status[1] as string, status[2]]
          : ['VM_CONTEXT1_PROTECTION_FAULT_STATUS', status[1] as string];
      open.details[name] = `0x${value}`;
      open.endLine = context.line;
      return true;
    }
    const field = AMDGPU_FIELD.exec(message);
    if (field) {
      open.details[field[1] as string] = field[2] as string;
      if (field[1] === 'RW') open.access = /^0x0*1$/.test(field[2] as string) ? 'write' : 'read';
      open.endLine = context.line;
      return true;
    }
    const task = AMDGPU_TASK.exec(message);
    if (task) {
      open.process = `${task[1]} pid ${task[2]} thread ${task[3]} pid ${task[4]}`;
      open.endLine = context.line;
      return true;
    }
    const oldAddress = AMDGPU_OLD_ADDR.exec(message);
    if (oldAddress) {
      // The register holds a GPU page number (4 KiB pages).
      open.address = hexValue(oldAddress[1] as string) << 12n;
      open.addressLine = context.line;
      open.endLine = context.line;
      return true;
    }
    const decode = AMDGPU_OLD_DECODE.exec(message);
    if (decode) {
      open.vm.vmid = Number(decode[2]);
      if (decode[3] !== undefined) open.vm.pasid = Number(decode[3]);
      if (open.address === undefined) {
        open.address = BigInt(decode[4] as string) << 12n;
        open.addressLine = context.line;
      }
      open.access = decode[5] === 'write' ? 'write' : 'read';
      open.endLine = context.line;
      return true;
    }
    return false;
  }

  private multiLineOpen(driver: FaultDriver, context: FaultContext): GpuFaultRecord | undefined {
    const record = this.openMultiLine;
    return record && record.driver === driver && context.line - record.line <= REPORT_WINDOW ? record : undefined;
  }

  private xe(message: string, context: FaultContext): boolean {
    const asid = message.includes('ASID: ') ? XE_ASID.exec(message) : null;
    if (asid) {
      const record = this.start('xe', context);
      record.vm.asid = Number(asid[1]);
      this.openMultiLine = record;
      return true;
    }
    const open = this.multiLineOpen('xe', context);
    if (!open) return false;
    const address = XE_ADDRESS.exec(message);
    if (address) {
      open.address = hexValue(address[1] as string);
      open.addressLine = context.line;
      open.endLine = context.line;
      return true;
    }
    const field = XE_FIELD.exec(message);
    if (field) {
      open.details[field[1] as string] = field[2] as string;
      if (field[1] === 'AccessType') open.access = accessFrom(field[2] as string);
      open.endLine = context.line;
      return true;
    }
    return false;
  }

  private others(message: string, context: FaultContext): boolean {
    if (message.includes(' on channel ') && message.includes('fault')) {
      const match = NOUVEAU.exec(message);
      if (!match) return false;
      const record = this.start('nouveau', context);
      record.address = hexValue(match[3] as string);
      record.addressLine = context.line;
      const access = accessFrom((match[1] ?? match[2] ?? '') as string);
      if (access) record.access = access;
      record.details.reason = match[4] as string;
      record.details.channel = match[5] as string;
      if (match[6] && match[6] !== 'unknown') record.vm.name = match[6];
      return true;
    }
    if (message.includes('Unhandled Page fault in AS')) {
      const match = PANTHOR.exec(message);
      if (!match) return false;
      const record = this.start('panthor', context);
      record.vm.addressSpace = Number(match[1]);
      record.address = hexValue(match[2] as string);
      record.addressLine = context.line;
      this.openMultiLine = record;
      return true;
    }
    if (message.includes('*** gpu fault:')) {
      const match = MSM.exec(message);
      if (!match) return false;
      const record = this.start('msm', context);
      record.vm.ttbr0 = hexValue(match[1] as string);
      record.address = hexValue(match[2] as string);
      record.addressLine = context.line;
      const access = accessFrom(match[3] as string);
      if (access) record.access = access;
      record.details.type = match[4] as string;
      record.details.source = match[5] as string;
      return true;
    }
    const open = this.multiLineOpen('panthor', context);
    if (open) {
      const field = PANTHOR_FIELD.exec(message);
      if (field) {
        const name = field[1] as string;
        if (name.startsWith('access type')) {
          const access = accessFrom(field[2] as string);
          if (access) open.access = access;
        }
        open.details[name.replace(/ 0x[0-9A-Fa-f]+$/, '')] = name.includes('0x')
          ? `${name.slice(name.indexOf('0x'))}: ${field[2]}`
          : (field[2] as string);
        open.endLine = context.line;
        return true;
      }
    }
    return false;
  }
}
