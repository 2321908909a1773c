// Builds the messaging client core (cmd/switchboard-wasm) to WebAssembly
// into wasm/, with Go's wasm_exec.js beside it. It runs before vite build:
// src/messaging/core.ts imports both with ?url, so Vite copies them into
// dist/assets/ under names carrying a hash of their content.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = fileURLToPath(new URL('..', import.meta.url));
const out = join(web, 'wasm');
const go = process.env.GO || 'go';
const goroot = execFileSync(go, ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
mkdirSync(out, { recursive: true });
execFileSync(
  go,
  ['build', '-trimpath', '-ldflags=-s -w', '-o', join(out, 'switchboard.wasm'), './cmd/switchboard-wasm'],
  { cwd: join(web, '..'), env: { ...process.env, GOOS: 'js', GOARCH: 'wasm', CGO_ENABLED: '0' }, stdio: 'inherit' },
);
copyFileSync(join(goroot, 'lib', 'wasm', 'wasm_exec.js'), join(out, 'wasm_exec.js'));
