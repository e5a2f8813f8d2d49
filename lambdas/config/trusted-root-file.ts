/**
 * Reading a Sigstore trusted_root.json named by configuration (WHARF_SIGSTORE_TRUSTED_ROOT,
 * `wharf serve --sigstore-trusted-root`), once at start-up: a file that is missing or not
 * JSON stops the start with its name. Its content is checked when the verifier loads.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './environment.ts';

export function readTrustedRoot(file: string): unknown {
  const resolved = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(resolved, 'utf8');
  } catch (err) {
    throw new ConfigError(`The Sigstore trusted root ${resolved} cannot be read (${(err as Error).message}): give a trusted_root.json file, or leave it unset for Sigstore's public-good root.`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigError(`The Sigstore trusted root ${resolved} is not JSON: give a trusted_root.json file as Sigstore's TUF repository serves it.`);
  }
}
