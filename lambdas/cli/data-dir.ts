/**
 * Where the local index keeps its data unless told: a module of its own, so commands that
 * need the path (wharf import) do not load the whole local server with `serve`.
 */
export function defaultDataDir(): string {
  return process.env['WHARF_DATA_DIR'] || '.wharf';
}
