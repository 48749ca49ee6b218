/** README's "Deploying" haproxy example is deploy/haproxy.cfg itself, the file the replica test runs. */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

it('README shows deploy/haproxy.cfg verbatim', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const config = fs.readFileSync(path.join(root, 'deploy/haproxy.cfg'), 'utf8');
  const block = /^## Deploying\n[\s\S]*?^```haproxy\n([\s\S]*?)^```$/m.exec(readme);
  expect(block?.[1]).toBe(config);
});
