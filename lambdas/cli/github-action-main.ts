/**
 * Entry of the GitHub Action's bundle (action/dist/index.js, built by `npm run
 * build:clients`; action.yml runs it with `using: node20`). The runner starts it with the
 * inputs as INPUT_* variables and the workspace as the working directory.
 */
import { errorCommand, runAction } from './github-action.ts';

runAction(process.env, process.stdout).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // A bug, not a refusal: say it as an annotation, with the stack in the log.
    process.stdout.write(errorCommand(`The action failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`));
    if (err instanceof Error && err.stack) process.stdout.write(`${err.stack}\n`);
    process.exitCode = 1;
  },
);
