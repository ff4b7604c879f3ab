/**
 * End-to-end test of the packaged extension in a real VS Code: code-server
 * (VS Code for the browser, installed by scripts/e2e-setup.sh into a cache
 * outside the repository) serves a throwaway profile with the built .vsix
 * installed, and playwright-core drives Debian's Chromium through the
 * workbench as a user would: Quick Open, the command palette, the Problems
 * panel, hovers, notifications, the findings view and the VA-space webview.
 *
 * Every wait is on an event (a DOM selector, a file appearing, an animation
 * finishing) with a deadline; there is no fixed sleep. code-server runs in
 * its own process group and is stopped through it (killing only its PID
 * leaves the extension host running). A screenshot of each step is saved
 * under test-output/e2e/.
 *
 * Run by `npm run test:e2e` (part of `npm test`), which installs what is
 * missing, packages the .vsix and then runs this file with node's runner.
 */

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const CACHE =
  process.env.GPUVM_LENS_E2E_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'gpuvm-lens-e2e');
const CODE_SERVER = path.join(CACHE, 'cs', 'node_modules', '.bin', 'code-server');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const VSIX = process.env.GPUVM_LENS_VSIX || path.join(ROOT, 'gpuvm-lens.vsix');
const SHOTS = path.join(ROOT, 'test-output', 'e2e');
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuvm-lens-e2e-'));
const WS = path.join(WORK, 'ws');
const USER_DATA = path.join(WORK, 'ud');

/** Deadlines: generous for a 2-core CI machine, tight enough to fail fast when something is really wrong. */
const STARTUP_MS = 90_000;
const STEP_MS = 30_000;
/** The deadline of one attempt of a gesture that is retried (see `retrying`). */
const RETRY_MS = 10_000;
/** "A 200 MB trace opens without freezing the editor": analyzed from disk by the server. */
const BIG_TRACE_BYTES = 200 * 1024 * 1024;
const BIG_TRACE_MS = 240_000;

const env = {
  ...process.env,
  XDG_CONFIG_HOME: path.join(WORK, 'home', 'config'),
  XDG_DATA_HOME: path.join(WORK, 'home', 'data'),
  XDG_CACHE_HOME: path.join(WORK, 'home', 'cache'),
};
const csArgs = ['--user-data-dir', USER_DATA, '--extensions-dir', path.join(WORK, 'exts')];

let server;
let browser;
let page;
let shot = 0;
/** Console messages about blocked content (CSP violations) from the workbench and every webview frame. */
const cspViolations = [];

async function screenshot(name) {
  // Park the pointer where it raises no tooltip or hover over what the picture is about.
  await page.mouse.move(200, 520);
  shot += 1;
  await page.screenshot({ path: path.join(SHOTS, `${String(shot).padStart(2, '0')}-${name}.png`) });
}

/** Waits until the element's CSS animations and transitions (e.g. a toast sliding in) have finished. */
async function settled(locator) {
  await locator.evaluate((el) => Promise.all(el.getAnimations({ subtree: true }).map((a) => a.finished.catch(() => undefined))));
}

/**
 * Retries a user gesture whose effect a slow machine can lose (a key that arrives before the editor it
 * is meant for is active, a click on a list row that is being re-rendered): each attempt waits for its
 * own effect with a short deadline, the last attempt's error is the one reported.
 */
async function retrying(body, attempts = 3) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await body(attempt === attempts ? STEP_MS : RETRY_MS);
    } catch (error) {
      if (attempt === attempts) throw error;
    }
  }
}

/** Opens a quick input with `prefix`, first closing one a previous step left open (typing would go there). */
async function quickInput(prefix) {
  const widget = page.locator('.quick-input-widget');
  if (await widget.isVisible()) {
    await page.keyboard.press('Escape');
    await widget.waitFor({ state: 'hidden', timeout: STEP_MS });
  }
  await page.keyboard.press(prefix);
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: STEP_MS });
  return input;
}

/** Runs a command from the palette by its full title. */
async function runCommand(title) {
  const input = await quickInput('F1');
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ timeout: STEP_MS });
  await row.click();
}

/**
 * Types a path into VS Code's simple file dialog (what code-server shows for open and save dialogs) and
 * accepts it. The dialog fills in its start folder asynchronously, so wait for that before typing; for
 * an existing file, wait until the dialog lists it before accepting.
 */
async function answerFileDialog(file, { exists = true } = {}) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: STEP_MS });
  await page.waitForFunction((el) => el.value.length > 0, await input.elementHandle(), { timeout: STEP_MS });
  // The dialog may still rewrite the value once after its first fill (prefixing its folder): type again until it holds.
  for (let attempt = 1; ; attempt++) {
    await input.fill(file);
    if (exists)
      await page
        .locator('.quick-input-list .monaco-list-row', { hasText: path.basename(file) })
        .first()
        .waitFor({ timeout: STEP_MS });
    if ((await input.inputValue()) === file) break;
    assert.ok(attempt < 5, `the file dialog keeps rewriting the path: ${await input.inputValue()}`);
  }
  await page.keyboard.press('Enter');
}

async function clearNotifications() {
  await runCommand('Notifications: Clear All Notifications');
  await page.locator('.notification-toast').first().waitFor({ state: 'detached', timeout: STEP_MS });
}

async function openFile(name, languageName) {
  await retrying(async (timeout) => {
    const input = await quickInput('Control+P');
    await input.fill(name);
    // Click the matching row: Enter would take whichever row is highlighted while the list is still updating.
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
    await row.waitFor({ timeout });
    await row.click();
    await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout });
    // The window title names the active editor: the file is open, not only its tab drawn.
    await page.waitForFunction((n) => globalThis.document.title.includes(n), name, { timeout });
  });
  await page.locator('.statusbar-item', { hasText: languageName }).first().waitFor({ timeout: STEP_MS });
}

async function goToLine(line) {
  await retrying(async (timeout) => {
    const input = await quickInput('Control+G');
    await input.fill(`:${line}`);
    // Accept only once the picker has read the number: before that (or before the opened file is the
    // active text editor, when it says "Open a text editor first") Enter goes nowhere.
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: `Go to line ${line}.` })
      .first()
      .waitFor({ timeout });
    await page.keyboard.press('Enter');
    await page
      .locator('.statusbar-item', { hasText: `Ln ${line},` })
      .first()
      .waitFor({ timeout });
  });
}

async function problemRow(text) {
  const row = page.locator('.markers-panel .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ timeout: STEP_MS });
  return row;
}

/** Types into the Problems panel's filter box (rows outside the visible part of its list are not in the DOM). */
async function filterProblems(text) {
  const filter = page.locator('.markers-panel-action-filter input, .viewpane-filter input').first();
  await filter.waitFor({ timeout: STEP_MS });
  await filter.fill(text);
}

/** Waits (fs.watch, with a deadline) until the extension has written `file` as complete JSON. */
function jsonFileAppears(file, timeoutMs) {
  const ready = () => {
    try {
      JSON.parse(fs.readFileSync(file, 'utf8'));
      return true;
    } catch {
      return false;
    }
  };
  return new Promise((resolve, reject) => {
    if (ready()) return resolve();
    const watcher = fs.watch(path.dirname(file), () => {
      if (ready()) {
        done();
        resolve();
      }
    });
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${file} did not appear within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = () => {
      watcher.close();
      clearTimeout(timer);
    };
  });
}

/** A patch whose single hunk adds `lines` lines to one function. */
function writeLongHunkPatch(file, lines) {
  const body = [];
  for (let i = 0; i < lines; i++) body.push(`+\tregs[${i % 64}] = example_read(vm, ${i});`);
  fs.writeFileSync(
    file,
    [
      'diff --git a/drivers/gpu/drm/example/example_regs.c b/drivers/gpu/drm/example/example_regs.c',
      '--- a/drivers/gpu/drm/example/example_regs.c',
      '+++ b/drivers/gpu/drm/example/example_regs.c',
      `@@ -10,3 +10,${lines + 3} @@ static void example_save(struct example_vm *vm, u32 *regs)`,
      ' {',
      ...body,
      ' \treturn;',
      ' }',
      '',
    ].join('\n'),
  );
}

/** An Xe trace of `bytes` bytes: one VM, then bind/unbind pairs cycling over 4096 mappings. */
function writeBigTrace(file, bytes) {
  const fd = fs.openSync(file, 'w');
  const prefix = '          vkcube-4123    [003] .....  ';
  let time = 1000;
  fs.writeSync(fd, `${prefix}${time.toFixed(6)}: xe_vm_create: dev=0000:03:00.0, vm=000000005e6f7a8b, asid=0x00001, vm flags=0x00008\n`);
  let written = 0;
  let chunk = [];
  for (let n = 0; written < bytes; n++) {
    const vma = (0x10000000 + (n % 4096)).toString(16).padStart(16, '0');
    const start = 0x100000000 + (n % 4096) * 0x200000;
    const range = `start=0x${start.toString(16).padStart(12, '0')}, end=0x${(start + 0x1fffff).toString(16).padStart(12, '0')}`;
    for (const event of ['xe_vma_bind', 'xe_vma_unbind']) {
      time += 0.000013;
      const line = `${prefix}${time.toFixed(6)}: ${event}: dev=0000:03:00.0, vma=${vma}, vm=000000005e6f7a8b, asid=0x00001, ${range}, userptr=0x000000000000\n`;
      chunk.push(line);
      written += line.length;
    }
    if (chunk.length >= 20_000) {
      fs.writeSync(fd, chunk.join(''));
      chunk = [];
    }
  }
  fs.writeSync(fd, chunk.join(''));
  fs.closeSync(fd);
}

/**
 * Makes the workspace a git checkout whose last commit is the change of fix-unlink.patch (a use of the
 * vm_bo after its put), for Review Commits…; the workspace's other files stay untracked.
 */
function commitExampleSeries(dir) {
  const git = (...args) => execFileSync('git', ['-C', dir, '-c', 'user.name=A Developer', '-c', 'user.email=dev@example.org', ...args]);
  const file = path.join(dir, 'drivers', 'gpu', 'drm', 'example', 'example_vm.c');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const before = [
    'static int example_unmap_step(struct drm_gpuva_op *op, void *priv)',
    '{',
    '\tstruct drm_gpuva *va = op->unmap.va;',
    '\tstruct drm_gpuvm_bo *vm_bo = va->vm_bo;',
    '',
    '\tdrm_gpuva_unmap(&op->unmap);',
    '\tdrm_gpuva_unlink(va);',
    '\tkfree(va);',
    '\treturn 0;',
    '}',
    '',
  ];
  fs.writeFileSync(file, before.join('\n'));
  git('init', '-q');
  git('add', file);
  git('commit', '-q', '-m', 'drm/example: unmap step');
  const after = [...before.slice(0, 7), '\tdrm_gpuvm_bo_put(vm_bo);', '\tvm_bo->evicted = false;', ...before.slice(7)];
  fs.writeFileSync(file, after.join('\n'));
  git('commit', '-q', '-a', '-m', 'drm/example: drop the vm_bo reference when unmapping');
}

function extensionHostLog() {
  const logs = path.join(USER_DATA, 'logs');
  if (!fs.existsSync(logs)) return '';
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/exthost/i.test(entry.name) && entry.name.endsWith('.log')) found.push(fs.readFileSync(full, 'utf8'));
    }
  };
  walk(logs);
  return found.join('\n');
}

before(async () => {
  for (const [what, file] of [
    ['code-server (run scripts/e2e-setup.sh)', CODE_SERVER],
    ['Chromium (run scripts/e2e-setup.sh)', CHROMIUM],
    ['the packaged extension (run npm run package)', VSIX],
  ]) {
    assert.ok(fs.existsSync(file), `missing ${what}: ${file}`);
  }
  fs.rmSync(SHOTS, { recursive: true, force: true });
  for (const dir of [WS, path.join(USER_DATA, 'User'), SHOTS, path.join(WORK, 'chrome')]) fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(path.join(ROOT, 'test', 'e2e', 'workspace'), WS, { recursive: true });
  // A trace of binary garbage: 64 KiB of deterministic pseudo-random bytes without NUL (so the editor opens it as text).
  const garbage = Buffer.alloc(64 * 1024);
  let x = 12345;
  for (let i = 0; i < garbage.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    garbage[i] = 1 + ((x >>> 16) % 255);
  }
  fs.writeFileSync(path.join(WS, 'garbage.trace'), garbage);
  writeLongHunkPatch(path.join(WS, 'long-hunk.patch'), 10_000);
  // A capture saved under a name that says nothing: Plain Text claims .txt, the extension recognises the content.
  fs.copyFileSync(path.join(WS, 'capture.trace'), path.join(WS, 'run1.txt'));
  // A review mail saved as .txt and a kernel log named .log: recognised by content too.
  fs.copyFileSync(path.join(ROOT, 'examples', 'review', 'gpuvm-obj-lock-destructor-v5-review.txt'), path.join(WS, 'review-mail.txt'));
  fs.copyFileSync(path.join(ROOT, 'examples', 'xe-run', 'dmesg.log'), path.join(WS, 'dmesg.log'));
  fs.copyFileSync(path.join(ROOT, 'examples', 'xe-run', 'trace.txt'), path.join(WS, 'xe-run.trace'));
  // A real trace-cmd recording (binary, version 7, zstd) whose ring buffer lost events.
  fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'trace-dat', 'lost-events-v7-zstd.dat'), path.join(WS, 'capture.dat'));
  writeBigTrace(path.join(WS, 'big.trace'), BIG_TRACE_BYTES);
  commitExampleSeries(WS);
  fs.writeFileSync(
    path.join(USER_DATA, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'extensions.autoUpdate': false,
      'extensions.autoCheckUpdates': false,
      'workbench.enableExperiments': false,
      'workbench.tips.enabled': false,
      'security.workspace.trust.enabled': false,
      'editor.hover.delay': 200,
      'files.simpleDialog.enable': true,
      'window.dialogStyle': 'custom',
    }),
  );
  execFileSync(CODE_SERVER, [...csArgs, '--install-extension', VSIX], { env, stdio: 'pipe' });

  server = spawn(
    CODE_SERVER,
    [
      ...csArgs,
      '--bind-addr',
      '127.0.0.1:0',
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      WS,
    ],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const url = await new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`code-server did not start:\n${output}`)), STARTUP_MS);
    const onData = (data) => {
      output += data;
      const match = /HTTP server listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.on('exit', (code) => reject(new Error(`code-server exited with ${code}:\n${output}`)));
  });

  browser = await chromium.launchPersistentContext(path.join(WORK, 'chrome'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    env,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to (load|execute|apply)/i.test(message.text())) cspViolations.push(message.text());
  });
  await page.goto(`${url.replace(/\/$/, '')}/?folder=${encodeURIComponent(WS)}`);
  await page.locator('.monaco-workbench .part.editor').waitFor({ timeout: STARTUP_MS });
  await page
    .locator('.monaco-workbench')
    .click({ position: { x: 700, y: 400 } })
    .catch(() => undefined);
});

after(async () => {
  await browser?.close().catch(() => undefined);
  if (server?.pid) {
    // Our own process group only: code-server, its extension host and the language server.
    const stopped = new Promise((resolve) => server.once('exit', resolve));
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    const forced = setTimeout(() => {
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 5000);
    await stopped;
    clearTimeout(forced);
  }
  fs.rmSync(WORK, { recursive: true, force: true });
});

/**
 * What the workbench showed when a step failed, in words: a CI log has no screenshot, and "waiting for
 * X" alone does not say whether a quick input was left open or another editor was active.
 */
async function workbenchState() {
  return page
    .evaluate(() => {
      const doc = globalThis.document;
      const texts = (selector) => [...doc.querySelectorAll(selector)].map((el) => el.textContent.trim().slice(0, 80));
      const quick = doc.querySelector('.quick-input-widget');
      const open = quick && quick.style.display !== 'none';
      return [
        `title: ${doc.title}`,
        `active tabs: ${texts('.tabs-container .tab.active').join(' | ')}`,
        `focus: ${doc.activeElement?.className || doc.activeElement?.tagName}`,
        open
          ? `quick input: "${quick.querySelector('input')?.value}" rows: ${texts('.quick-input-list .monaco-list-row').join(' | ')}`
          : 'quick input: closed',
        `status bar: ${texts('.statusbar-item').filter(Boolean).join(' | ')}`,
      ].join('\n');
    })
    .catch((error) => `(workbench state unavailable: ${error.message})`);
}

/** A test step that leaves a screenshot of the workbench behind when it fails, and its state in the error. */
function step(name, body) {
  test(name, async () => {
    try {
      await body();
    } catch (error) {
      await page?.screenshot({ path: path.join(SHOTS, `failed-${name.replace(/\W+/g, '-').slice(0, 60)}.png`) }).catch(() => undefined);
      if (page && error instanceof Error) error.message += `\nworkbench when it failed:\n${await workbenchState()}`;
      throw error;
    }
  });
}

step('a GPUVM script activates the extension and its finding reaches the Problems panel', async () => {
  await openFile('replay.gpuvm', 'GPUVM Script');
  await runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  const row = await problemRow('unknown command: unmapp');
  assert.match(await row.innerText(), /script-bad-command/);
  await screenshot('script-problems');
  const log = extensionHostLog();
  assert.doesNotMatch(log, /Activating extension .gpuvm-lens\.gpuvm-lens. failed/);
});

step('a hover on a script line shows the ops it produced and the VA space after it', async () => {
  await goToLine(5);
  const token = page.locator('.monaco-editor .view-line span', { hasText: /^0x20000$/ }).first();
  await token.hover();
  const hover = page.locator('.monaco-hover', { hasText: 'MAP addr=0x20000 range=0x8000' }).first();
  await hover.waitFor({ state: 'visible', timeout: STEP_MS });
  assert.match(await hover.innerText(), /0x20000/);
  // The VA space after the line is one rendered table, ranges half-open.
  await hover.locator('table td', { hasText: '[0x20000, 0x28000)' }).first().waitFor({ timeout: STEP_MS });
  assert.doesNotMatch(await hover.innerText(), /\|---/);
  await screenshot('script-hover');
  await page.mouse.move(5, 5);
  await page.keyboard.press('Escape');
});

step('a trace opens as a GPUVM trace and its lifetime findings are listed', async () => {
  await openFile('capture.trace', 'GPUVM Trace');
  await runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  await problemRow('trace-unbind-never-bound');
  await problemRow('trace-vm-freed-with-live-mappings');
  await screenshot('trace-problems');
  await openFile('run1.txt', 'GPUVM Trace');
});

step('a patch opens as a GPUVM patch and its review finding is listed', async () => {
  await openFile('fix-unlink.patch', 'GPUVM Patch');
  await runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  await filterProblems('fix-unlink.patch');
  const row = await problemRow('use-after-put');
  assert.match(await row.innerText(), /drm_gpuvm_bo_put/);
  await screenshot('patch-problems');
  await filterProblems('');
});

step('a review mail saved as .txt and a dmesg.log are recognised by content and get their diagnostics', async () => {
  await openFile('review-mail.txt', 'GPUVM Patch');
  // Kernel patches show at the kernel's tab size.
  await page.locator('.statusbar-item', { hasText: 'Tab Size: 8' }).first().waitFor({ timeout: STEP_MS });
  await runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  await filterProblems('review-mail.txt');
  const mail = await problemRow('refcount-read-condition');
  assert.match(await mail.innerText(), /kref_read/);
  await screenshot('review-mail-txt');
  await openFile('dmesg.log', 'GPUVM Kernel Log');
  await filterProblems('dmesg.log');
  const fault = await problemRow('log-gpu-page-fault');
  assert.match(await fault.innerText(), /GPU page fault/);
  // A trace the server holds or one beside the log answers the faults: which mapping covered the address and when it went.
  await screenshot('dmesg-log');
  await filterProblems('log-fault-history');
  const answer = await problemRow('log-fault-history');
  assert.match(await answer.innerText(), /mapping \[0x[0-9a-f]+, 0x[0-9a-f]+\)|mapped by \[0x[0-9a-f]+, 0x[0-9a-f]+\)/);
  await screenshot('dmesg-log-fault-history');
  await filterProblems('');
});

step('a binary trace.dat opens as its trace-cmd report with diagnostics', async () => {
  const input = await quickInput('Control+P');
  await input.fill('capture.dat');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'capture.dat' }).first();
  await row.waitFor({ timeout: STEP_MS });
  await row.click();
  // The custom editor hands the file over to a read-only document of its report.
  await page.locator('.tabs-container .tab.active', { hasText: 'capture.dat.report' }).waitFor({ timeout: STEP_MS });
  await page.locator('.statusbar-item', { hasText: 'GPUVM Trace' }).first().waitFor({ timeout: STEP_MS });
  await page.locator('.view-line', { hasText: '[1374 EVENTS DROPPED]' }).first().waitFor({ timeout: STEP_MS });
  await runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  await filterProblems('capture.dat');
  const lost = await problemRow('trace-lost-events');
  assert.match(await lost.innerText(), /lost 1374 event/);
  await screenshot('trace-dat-report');
  await filterProblems('');
});

step('a trace of binary garbage and a patch with a 10,000-line hunk open, and the server keeps answering', async () => {
  await openFile('garbage.trace', 'GPUVM Trace');
  await runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  await filterProblems('garbage.trace');
  await problemRow('trace-unparsable-line');
  await screenshot('garbage-trace');
  await filterProblems('');
  await openFile('long-hunk.patch', 'GPUVM Patch');
  await page.locator('.monaco-editor .view-line', { hasText: 'regs[' }).first().waitFor({ timeout: STEP_MS });
  await screenshot('long-hunk-patch');
  // The server survived: it still answers requests about other documents (the next steps), and this hover.
  await openFile('replay.gpuvm', 'GPUVM Script');
  await goToLine(5);
  await page
    .locator('.monaco-editor .view-line', { hasText: 'map 0x10000 0x4000' })
    .locator('span span', { hasText: /^0x10000$/ })
    .first()
    .hover();
  await page.locator('.monaco-hover', { hasText: 'MAP addr=0x10000' }).first().waitFor({ state: 'visible', timeout: STEP_MS });
  await page.keyboard.press('Escape');
});

step('Compare Dumps… opens a side-by-side diff of two dumps’ VA spaces', async () => {
  await runCommand('GPUVM: Compare Dumps…');
  for (const [name, title] of [
    ['before.gpuvas', '(1/2)'],
    ['after.gpuvas', '(2/2)'],
  ]) {
    await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ timeout: STEP_MS });
    await answerFileDialog(path.join(WS, name));
  }
  const diff = page.locator('.monaco-diff-editor');
  await diff.waitFor({ timeout: STEP_MS });
  await page.locator('.tabs-container .tab.active', { hasText: 'before.gpuvas ↔ after.gpuvas' }).waitFor({ timeout: STEP_MS });
  // Each side is the canonical listing of one dump's replayed VA space.
  await diff.locator('.original .view-line', { hasText: '# before.gpuvas' }).first().waitFor({ timeout: STEP_MS });
  await diff.locator('.modified .view-line', { hasText: '# after.gpuvas' }).first().waitFor({ timeout: STEP_MS });
  // The mapping the newer dump lost, and the one it gained.
  await diff.locator('.original .view-line', { hasText: '[0x1010000, 0x1020000)' }).first().waitFor({ timeout: STEP_MS });
  await diff.locator('.modified .view-line', { hasText: '[0x200000000, 0x200100000)' }).first().waitFor({ timeout: STEP_MS });
  await screenshot('compare-dumps');
});

step('the GPUVM commands are in the palette under one category', async () => {
  const input = await quickInput('F1');
  await input.fill('>GPUVM: ');
  for (const title of [
    'GPUVM: Analyze Trace File…',
    'GPUVM: Compare Dumps…',
    'GPUVM: Review Patch',
    'GPUVM: Export Findings as SARIF…',
    'GPUVM: Copy Capture Recipe',
  ]) {
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: STEP_MS });
  }
  await screenshot('palette');
  await page.keyboard.press('Escape');
});

step('Copy Capture Recipe asks for the driver and copies its trace-cmd line', async () => {
  await runCommand('GPUVM: Copy Capture Recipe');
  const xe = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Intel Xe' }).first();
  await xe.waitFor({ timeout: STEP_MS });
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'AMD amdgpu' }).first().waitFor({ timeout: STEP_MS });
  await screenshot('capture-recipe-pick');
  await xe.click();
  const toast = page.locator('.notification-toast', { hasText: 'Copied the Intel Xe capture command' }).first();
  await toast.waitFor({ state: 'visible', timeout: STEP_MS });
  await settled(toast);
  assert.match(await toast.innerText(), /trace-cmd report -i gpuvm-xe\.dat/);
  await screenshot('capture-recipe-copied');
  await clearNotifications();
});

step('the VA-space view draws the mappings of the VM at the cursor and jumps to their creating line', async () => {
  await openFile('replay.gpuvm', 'GPUVM Script');
  await goToLine(7);
  await runCommand('GPUVM: Show VA Space at Cursor');
  const view = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  const bars = view.locator('.map .mapping');
  await bars.first().waitFor({ timeout: STEP_MS });
  const count = await bars.count();
  assert.ok(count >= 3, `expected the kernel-reserved node and at least two mappings, saw ${count} bars`);
  await view.locator('table.mappings td', { hasText: '0x20000' }).first().waitFor({ timeout: STEP_MS });
  await screenshot('va-space-view');
  // Nonce scripts, a local style sheet and nothing else: the strict policy blocks nothing the view needs.
  assert.deepEqual(
    cspViolations.filter((text) => /webview|vscode-cdn|vscode-resource/i.test(text)),
    [],
  );

  // Zoom in: the view range in the toolbar narrows.
  const range = view.locator('.view-range');
  const before = await range.innerText();
  await view.locator('button.tool', { hasText: 'Fit mappings' }).click();
  await view.locator('.view-range', { hasNotText: before }).waitFor({ timeout: STEP_MS });
  await screenshot('va-space-zoomed');

  // The time scrubber replays to the previous change of the VM: line 6, before the remap split bo 1's mapping.
  await view.locator('button.tool[title="Previous change of this VM"]').click();
  await view.locator('.line-label', { hasText: 'after line 6 of' }).waitFor({ timeout: STEP_MS });
  await view.locator('table.mappings td', { hasText: '0x14000' }).first().waitFor({ timeout: STEP_MS });
  await screenshot('va-space-scrubbed');

  // A mapping's creating line opens in the editor.
  const link = view.locator('a.line-link').first();
  const label = await link.innerText();
  const line = Number(/line (\d+)/.exec(label)?.[1]);
  assert.ok(line > 0, `link label: ${label}`);
  await link.click();
  await page
    .locator('.statusbar-item', { hasText: `Ln ${line},` })
    .first()
    .waitFor({ timeout: STEP_MS });
  await screenshot('va-space-reveal');
});

step('the VA-space view comes back after a window reload with its line and zoom', async () => {
  const view = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  const label = await view.locator('.line-label').innerText();
  const range = await view.locator('.view-range').innerText();
  await runCommand('Developer: Reload Window');
  await page.locator('.monaco-workbench .part.editor').waitFor({ timeout: STARTUP_MS });
  const restored = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  await restored.locator('.map .mapping').first().waitFor({ timeout: STEP_MS });
  await restored.locator('.line-label', { hasText: label }).waitFor({ timeout: STEP_MS });
  await restored.locator('.view-range', { hasText: range }).waitFor({ timeout: STEP_MS });
  await screenshot('va-space-after-reload');
});

step('the "Show VA map" code lens of a trace opens the VA space of its VM, and the cursor picks a moment', async () => {
  await openFile('capture.trace', 'GPUVM Trace');
  const lens = page.locator('.contentWidgets .codelens-decoration a', { hasText: 'Show VA map' }).first();
  await lens.waitFor({ timeout: STEP_MS });
  // The lens names its VM.
  assert.match(await lens.innerText(), /^xe VM [0-9a-f]+: /);
  await lens.click();
  const view = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  await view.locator('header', { hasText: 'capture.trace' }).waitFor({ timeout: STEP_MS });
  // After the second bind (line 9) both mappings of the VM are live.
  await goToLine(9);
  await runCommand('GPUVM: Show VA Space at Cursor');
  await view.locator('.line-label', { hasText: 'after line 9 of' }).waitFor({ timeout: STEP_MS });
  await view.locator('table.mappings td', { hasText: '0x1a0400000' }).first().waitFor({ timeout: STEP_MS });
  await screenshot('va-space-trace');
});

step('the VA-space view of a 48-bit Xe VM draws every mapping several pixels wide on its compact axis', async () => {
  await openFile('xe-run.trace', 'GPUVM Trace');
  // After line 16 VM 000000005e6f7a8b maps 2 MiB at 0x1a0000000 and a 1 MiB userptr at 0x7f3a5c000000: 128 TiB apart.
  await goToLine(16);
  await runCommand('GPUVM: Show VA Space at Cursor');
  const view = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  await view.locator('.line-label', { hasText: 'after line 16 of' }).waitFor({ timeout: STEP_MS });
  const bars = view.locator('.map.compact .mapping');
  await bars.first().waitFor({ timeout: STEP_MS });
  const widths = [];
  for (let i = 0; i < (await bars.count()); i++) widths.push((await bars.nth(i).boundingBox())?.width ?? 0);
  assert.equal(widths.length, 2, `bars: ${widths.join(', ')}`);
  for (const width of widths) assert.ok(width >= 4, `a mapping is only ${width.toFixed(1)} px wide: ${widths.join(', ')}`);
  // The empty stretch between them is collapsed and labelled with its size.
  await view.locator('.gap.collapsed .gap-size', { hasText: 'TiB' }).first().waitFor({ timeout: STEP_MS });
  await screenshot('va-space-compact-axis');
});

step('the timeline of the Xe VM shows each mapping from its bind to its unbind, and a bar opens its bind line', async () => {
  const view = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  await view.locator('button', { hasText: 'Timeline' }).click();
  const bars = view.locator('.tl-bar');
  await bars.first().waitFor({ timeout: STEP_MS });
  // VM 000000005e6f7a8b binds three mappings in xe-run.trace; each lifetime is a bar at least a few pixels wide.
  const boxes = [];
  for (let i = 0; i < (await bars.count()); i++) boxes.push(await bars.nth(i).boundingBox());
  assert.ok(boxes.length >= 2, `bars: ${boxes.length}`);
  for (const box of boxes) assert.ok((box?.width ?? 0) >= 3, `a lifetime is only ${box?.width} px wide`);
  // Unbound mappings end in a cap that opens the unbind; the mapping unbound on line 28 is one of them.
  await view.locator('.tl-bar .tl-cap').first().waitFor({ timeout: STEP_MS });
  await view.locator('.view-range', { hasText: 'lines' }).waitFor({ timeout: STEP_MS });
  await screenshot('timeline-xe');
  const bound = Number(await bars.first().getAttribute('data-bound'));
  await bars.first().click();
  await page
    .locator('.statusbar-item', { hasText: `Ln ${bound + 1},` })
    .first()
    .waitFor({ timeout: STEP_MS });
  // And back to the map.
  await view.locator('button', { hasText: 'VA map' }).click();
  await view.locator('.map').first().waitFor({ timeout: STEP_MS });
});

step('Show Mapping Timeline on a trace shows its findings as marks on the VM timeline', async () => {
  await openFile('capture.trace', 'GPUVM Trace');
  // The VM's lens offers the timeline too (clicking it is the command below with the VM preset).
  await page
    .locator('.contentWidgets .codelens-decoration a', { hasText: /^Timeline$/ })
    .first()
    .waitFor({ timeout: STEP_MS });
  await goToLine(9);
  await runCommand('GPUVM: Show Mapping Timeline');
  const view = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  await view.locator('.tl-bar').first().waitFor({ timeout: STEP_MS });
  await view.locator('.tl-mark').first().waitFor({ timeout: STEP_MS });
  assert.match(await view.locator('header .summary').innerText(), /finding/);
  await screenshot('timeline-findings');
});

step('Analyze as… overrides the kind of a document', async () => {
  await openFile('review-mail.txt', 'GPUVM Patch');
  await runCommand('GPUVM: Analyze as…');
  const plain = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Plain text' }).first();
  await plain.waitFor({ timeout: STEP_MS });
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Kernel log' }).first().waitFor({ timeout: STEP_MS });
  await screenshot('analyze-as');
  await plain.click();
  await page.locator('.statusbar-item', { hasText: 'Plain Text' }).first().waitFor({ timeout: STEP_MS });
  await runCommand('GPUVM: Analyze as…');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Kernel patch or review mail' }).first().click();
  await page.locator('.statusbar-item', { hasText: 'GPUVM Patch' }).first().waitFor({ timeout: STEP_MS });
});

step('Analyze Trace File… has the server read the file from disk and lists its findings in the tree', async () => {
  await runCommand('GPUVM: Analyze Trace File…');
  await answerFileDialog(path.join(WS, 'capture.trace'));
  const tree = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Findings' }) });
  await tree
    .locator('.monaco-list-row', { hasText: 'capture.trace' })
    .filter({ hasText: '2 findings' })
    .first()
    .waitFor({ timeout: STEP_MS });
  const finding = tree.locator('.monaco-list-row', { hasText: 'no such mapping was ever bound' }).first();
  await finding.waitFor({ timeout: STEP_MS });
  const toast = page.locator('.notification-toast', { hasText: 'capture.trace: 2 findings' }).first();
  await toast.waitFor({ state: 'visible', timeout: STEP_MS });
  await settled(toast);
  await screenshot('analyze-trace-file');
  await clearNotifications();

  // A finding in the tree opens the file at its line (the unbind on line 11).
  // Grouped by what the Problems panel cannot show: the VM and the mapping each finding is about.
  await tree.locator('.monaco-list-row', { hasText: 'xe VM 000000005e6f7a8b' }).first().waitFor({ timeout: STEP_MS });
  await finding.click();
  await page.locator('.statusbar-item', { hasText: 'Ln 11,' }).first().waitFor({ timeout: STEP_MS });
  await screenshot('findings-tree-reveal');
});

step('a 200 MB trace is analyzed from disk with a progress notification while the editor stays responsive', async () => {
  await runCommand('GPUVM: Analyze Trace File…');
  await answerFileDialog(path.join(WS, 'big.trace'));
  const progress = page.locator('.notification-toast', { hasText: 'GPUVM: analyzing big.trace' }).first();
  await progress.waitFor({ state: 'visible', timeout: STEP_MS });
  await settled(progress);
  await screenshot('big-trace-progress');
  // The editor is not frozen while the server reads: the palette opens and answers.
  const palette = await quickInput('F1');
  await palette.fill('>GPUVM: Copy');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'GPUVM: Copy Capture Recipe' }).first().waitFor({ timeout: STEP_MS });
  await page.keyboard.press('Escape');
  const tree = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Findings' }) });
  await tree.locator('.monaco-list-row', { hasText: 'big.trace' }).filter({ hasText: 'lines' }).first().waitFor({ timeout: BIG_TRACE_MS });
  await screenshot('big-trace-analyzed');
  await clearNotifications();
});

step('Review Patch lists the active patch in the findings view', async () => {
  await openFile('fix-unlink.patch', 'GPUVM Patch');
  await runCommand('GPUVM: Review Patch');
  const tree = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Findings' }) });
  await tree
    .locator('.monaco-list-row', { hasText: 'fix-unlink.patch' })
    .filter({ hasText: '· patch ·' })
    .first()
    .waitFor({ timeout: STEP_MS });
  await screenshot('review-patch');
  await clearNotifications();
});

step('Review Commits… opens a commit of the workspace checkout as a patch and lists its findings', async () => {
  await runCommand('GPUVM: Review Commits…');
  // The input box replaces the palette in the same widget: wait for its own value before accepting it.
  const input = page.locator('.quick-input-widget input');
  await page.waitForFunction((el) => el.value === 'HEAD', await input.elementHandle(), { timeout: STEP_MS });
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: 'HEAD.patch' }).waitFor({ timeout: STEP_MS });
  await page.locator('.statusbar-item', { hasText: 'GPUVM Patch' }).first().waitFor({ timeout: STEP_MS });
  await page
    .locator('.view-line', { hasText: 'Subject: [PATCH] drm/example: drop the vm_bo reference' })
    .first()
    .waitFor({ timeout: STEP_MS });
  await filterProblems('HEAD.patch');
  const row = await problemRow('use-after-put');
  assert.match(await row.innerText(), /drm_gpuvm_bo_put/);
  await screenshot('review-commits');
  await filterProblems('');
});

step('Export Findings as SARIF… writes every finding to a SARIF file', async () => {
  const target = path.join(WS, 'findings.sarif');
  await runCommand('GPUVM: Export Findings as SARIF…');
  await answerFileDialog(target, { exists: false });
  await jsonFileAppears(target, STEP_MS);
  const sarif = JSON.parse(fs.readFileSync(target, 'utf8'));
  const rules = new Set(sarif.runs[0].results.map((result) => result.ruleId));
  for (const rule of ['script-bad-command', 'trace-unbind-never-bound', 'use-after-put'])
    assert.ok(rules.has(rule), `${rule} in ${[...rules]}`);
  const toast = page.locator('.notification-toast', { hasText: 'exported' }).first();
  await toast.waitFor({ state: 'visible', timeout: STEP_MS });
  await settled(toast);
  await screenshot('export-sarif');
});

step('Restart Language Server brings the server back and diagnostics return', async () => {
  await openFile('replay.gpuvm', 'GPUVM Script');
  await runCommand('GPUVM: Restart Language Server');
  await page.locator('.statusbar-item', { hasText: 'GPUVM Lens language server restarted' }).first().waitFor({ timeout: STEP_MS });
  await runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  await filterProblems('replay.gpuvm');
  await problemRow('unknown command: unmapp');
  await filterProblems('');
  await screenshot('server-restarted');
});
