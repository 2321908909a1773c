// Go embeds web/dist, so the directory must exist in a fresh clone. Vite
// empties it on every build; put the tracked placeholder back.
import { writeFileSync, existsSync } from 'node:fs';

const keep = new URL('../dist/.keep', import.meta.url);
if (!existsSync(keep)) writeFileSync(keep, '');
