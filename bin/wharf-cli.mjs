#!/usr/bin/env node
// The `wharf` command of package.json's bin (`npx wharf ...` from the checkout). It runs
// the TypeScript CLI in this process through tsx, so signals reach `wharf serve` directly.
// Node resolves the symlink npm puts in node_modules/.bin, so these paths are the checkout's.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../lambdas/cli/main.ts');
