// Builds the messaging client core (cmd/switchboard-wasm) to WebAssembly
// into dist/, with Go's wasm_exec.js beside it. Run after vite build, which
// empties dist/.
import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = fileURLToPath(new URL('..', import.meta.url));
const dist = join(web, 'dist');
const go = process.env.GO || 'go';
const goroot = execFileSync(go, ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
execFileSync(
  go,
  ['build', '-trimpath', '-ldflags=-s -w', '-o', join(dist, 'switchboard.wasm'), './cmd/switchboard-wasm'],
  { cwd: join(web, '..'), env: { ...process.env, GOOS: 'js', GOARCH: 'wasm', CGO_ENABLED: '0' }, stdio: 'inherit' },
);
copyFileSync(join(goroot, 'lib', 'wasm', 'wasm_exec.js'), join(dist, 'wasm_exec.js'));
