// Finishes dist/ after vite build: tells the service worker which hashed
// assets make up this build, then writes a brotli and a gzip copy beside
// each file worth compressing (name.br, name.gz), which the server sends
// to browsers that accept them. A copy that saves too little is not kept.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

function files(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

// The service worker: the placeholder list becomes this build's assets,
// so a new build is a new worker, which drops what the old one cached.
const assets = files(join(dist, 'assets'))
  .filter((p) => !/\.(br|gz)$/.test(p))
  .map((p) => '/' + relative(dist, p).split('\\').join('/'))
  .sort();
const swPath = join(dist, 'sw.js');
const sw = readFileSync(swPath, 'utf8');
const placeholder = 'const ASSETS = [];';
if (!sw.includes(placeholder)) throw new Error(`public/sw.js must contain "${placeholder}"`);
const version = createHash('sha256').update(assets.join('\n')).digest('hex').slice(0, 12);
writeFileSync(
  swPath,
  sw.replace(placeholder, `const ASSETS = ${JSON.stringify(assets)};`).replace("const VERSION = 'dev';", `const VERSION = '${version}';`),
);

const compressible = /\.(js|mjs|css|wasm|svg|json|txt|map|webmanifest)$/;
for (const p of files(dist)) {
  if (!compressible.test(p)) continue;
  const raw = readFileSync(p);
  const br = brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
      [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
    },
  });
  const gz = gzipSync(raw, { level: 9 });
  // Below 10% saved, the bytes are not worth the decoding.
  if (gz.length < raw.length * 0.9) writeFileSync(`${p}.gz`, gz);
  if (br.length < raw.length * 0.9 && br.length < gz.length) writeFileSync(`${p}.br`, br);
  if (p.endsWith('.wasm')) {
    console.log(`${relative(dist, p)}: ${raw.length} bytes, gzip ${gz.length}, brotli ${br.length}`);
  }
}
