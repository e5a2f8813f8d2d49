/**
 * PEP 508 dependency specifiers (Requires-Dist), PEP 440 specifier sets (Requires-Python)
 * and extra names, checked as strictly as `packaging` 22+ (what pip uses) parses them, so
 * that a file pip would refuse with InvalidRequirement or InvalidSpecifier is refused at
 * upload instead. Only syntax is checked; nothing is evaluated.
 *
 * Written here rather than taken from npm: the one maintained candidate
 * (pip-requirements-js) parses requirements.txt files, pulls in a grammar engine, and does
 * not check that the versions in a specifier are valid PEP 440. Specifier sets go to
 * `@renovatebot/pep440`, whose `validRange` follows packaging's Specifier rules (`.*` only
 * after `==`/`!=`, `~=` with two release segments, local versions only after `==`/`!=`).
 */
import { validRange } from '@renovatebot/pep440/lib/specifier.js';

/** A requirement, specifier or marker that does not parse; the message says where and why. */
export class RequirementSyntaxError extends Error {}

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const IDENTIFIER = /[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/y;

/** PEP 508's environment markers, with the dotted spellings packaging still accepts (PEP 345). */
const MARKER_VARIABLES = new Set([
  'python_version',
  'python_full_version',
  'os_name',
  'sys_platform',
  'platform_release',
  'platform_system',
  'platform_version',
  'platform_machine',
  'platform_python_implementation',
  'implementation_name',
  'implementation_version',
  'extra',
  // PEP 751 (lock files) adds these two; packaging 25 parses them.
  'extras',
  'dependency_groups',
  'os.name',
  'sys.platform',
  'platform.version',
  'platform.machine',
  'platform.python_implementation',
  'python_implementation',
]);

/** Whether `name` is a valid project or extra name (PEP 508 identifier). */
export function isValidIdentifier(name: string): boolean {
  return NAME.test(name);
}

/** Whether `text` is a valid PEP 440 specifier set (`>=3.9, <4`; empty means any). */
export function isValidSpecifierSet(text: string): boolean {
  const parts = text.split(',').map((part) => part.trim());
  // packaging drops empty parts, so `>=3.9,` is accepted; each remaining part must be one specifier.
  return parts.filter((part) => part !== '').every((part) => validRange(part) && !/^[=!<>~]+\s*$/.test(part));
}

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  ws(): boolean {
    const start = this.pos;
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\t') this.pos++;
    return this.pos > start;
  }

  peek(literal: string): boolean {
    return this.text.startsWith(literal, this.pos);
  }

  eat(literal: string): boolean {
    if (!this.peek(literal)) return false;
    this.pos += literal.length;
    return true;
  }

  /** A keyword (`and`, `in`...) that is a whole word. */
  eatWord(word: string): boolean {
    if (!this.peek(word)) return false;
    const after = this.text[this.pos + word.length];
    if (after !== undefined && /[A-Za-z0-9_.]/.test(after)) return false;
    this.pos += word.length;
    return true;
  }

  match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  fail(expected: string): never {
    const at = this.done ? 'at the end' : `at ${JSON.stringify(this.text.slice(this.pos, this.pos + 12))}`;
    throw new RequirementSyntaxError(`expected ${expected} ${at}`);
  }
}

const VARIABLE = /[A-Za-z_][A-Za-z0-9_.]*/y;
const OPERATOR = /===|==|!=|<=|>=|~=|<|>/y;

function markerValue(c: Cursor): void {
  c.ws();
  if (c.peek('"') || c.peek("'")) {
    const quote = c.text[c.pos]!;
    const end = c.text.indexOf(quote, c.pos + 1);
    if (end === -1) c.fail(`a closing ${quote}`);
    c.pos = end + 1;
    return;
  }
  const start = c.pos;
  const variable = c.match(VARIABLE);
  if (variable === undefined || !MARKER_VARIABLES.has(variable)) {
    c.pos = start;
    c.fail(`a marker variable (python_version, sys_platform, extra...) or a quoted string`);
  }
}

function markerOperator(c: Cursor): void {
  c.ws();
  if (c.match(OPERATOR) !== undefined) return;
  if (c.eatWord('in')) return;
  if (c.eatWord('not')) {
    c.ws();
    if (c.eatWord('in')) return;
    c.fail('"in" after "not"');
  }
  c.fail('a comparison (==, !=, <, <=, >, >=, ~=, ===, in, not in)');
}

function markerAtom(c: Cursor, depth: number): void {
  c.ws();
  if (c.eat('(')) {
    if (depth > 32) c.fail('fewer nested parentheses');
    markerOr(c, depth + 1);
    c.ws();
    if (!c.eat(')')) c.fail('")"');
    return;
  }
  markerValue(c);
  markerOperator(c);
  markerValue(c);
}

function markerOr(c: Cursor, depth: number): void {
  markerAtom(c, depth);
  for (;;) {
    const save = c.pos;
    c.ws();
    if (c.eatWord('and') || c.eatWord('or')) markerAtom(c, depth);
    else {
      c.pos = save;
      return;
    }
  }
}

/** Throws RequirementSyntaxError unless `text` is a PEP 508 environment marker. */
export function checkMarker(text: string): void {
  const c = new Cursor(text);
  markerOr(c, 0);
  c.ws();
  if (!c.done) c.fail('"and", "or" or the end of the marker');
}

/** Throws RequirementSyntaxError unless `text` is a PEP 508 dependency specifier. */
export function checkRequirement(text: string): void {
  const c = new Cursor(text);
  c.ws();
  if (c.match(IDENTIFIER) === undefined) c.fail('a project name');
  c.ws();
  if (c.eat('[')) {
    c.ws();
    if (!c.eat(']')) {
      for (;;) {
        c.ws();
        if (c.match(IDENTIFIER) === undefined) c.fail('an extra name');
        c.ws();
        if (c.eat(']')) break;
        if (!c.eat(',')) c.fail('"," or "]" in the extras');
      }
    }
    c.ws();
  }
  if (c.eat('@')) {
    c.ws();
    const start = c.pos;
    while (!c.done && c.text[c.pos] !== ' ' && c.text[c.pos] !== '\t') c.pos++;
    const url = c.text.slice(start, c.pos);
    if (url === '' || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url)) c.fail('a URL after "@"');
    if (c.done) return;
    if (!c.ws()) c.fail('whitespace after the URL');
  } else {
    const parenthesized = c.eat('(');
    const start = c.pos;
    while (!c.done && !/[;)]/.test(c.text[c.pos]!)) c.pos++;
    const spec = c.text.slice(start, c.pos).trim();
    if (spec !== '' && !isValidSpecifierSet(spec)) {
      throw new RequirementSyntaxError(`${JSON.stringify(spec)} is not a valid PEP 440 version specifier`);
    }
    if (parenthesized && !c.eat(')')) c.fail('")"');
    c.ws();
  }
  if (c.eat(';')) {
    const marker = c.text.slice(c.pos);
    try {
      checkMarker(marker);
    } catch (error) {
      if (error instanceof RequirementSyntaxError) throw new RequirementSyntaxError(`the marker ${JSON.stringify(marker.trim())}: ${error.message}`);
      throw error;
    }
    return;
  }
  if (!c.done) c.fail('a version specifier, ";" and a marker, or the end');
}
