#!/usr/bin/env node
// The `bazaar` CLI. Its code is compiled to dist/ by `npm run build` (run by `npm ci` via `prepare`).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const main = join(__dirname, '..', 'dist', 'tools', 'cli', 'main.js');
if (!existsSync(main)) {
  console.error('bazaar: dist/ is missing; run `npm run build` in the checkout first');
  process.exit(1);
}
require(main);
