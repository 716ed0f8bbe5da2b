// The node flags `npm start` passes for a build (the `start` script of its package.json), so that the
// bench and soak scripts run each build as it ships. bench/peers/zdr-egress.sh reads them the same way.
import fs from 'node:fs';
import path from 'node:path';

export function startNodeFlags(repo) {
  const start = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).scripts?.start ?? '';
  const m = /^node((?: --?\S+)*) dist\/cli\/index\.js/.exec(start);
  return m ? m[1].trim().split(' ').filter(Boolean) : [];
}
