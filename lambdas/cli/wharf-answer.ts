/**
 * Reading what a server answered to a CLI command. Wharf's API answers JSON objects, and
 * its errors are `{"error": "..."}`; anything else (an HTML page, another API's JSON, a
 * proxy's 404) means --url points somewhere else, and that is said in one line instead of
 * dumping the page.
 */

export class NotWharfError extends Error {}

export interface Answer {
  readonly status: number;
  readonly contentType: string | null;
  readonly text: string;
}

/** The one line that says the server at `url` is not a Wharf. */
export function notWharfMessage(url: string, answer: Answer): string {
  const type = answer.contentType?.split(';')[0]?.trim() || 'no content type';
  // A short plain-text line may say what the server is; a page never goes to the terminal.
  const firstLine = answer.text.trim().split('\n')[0]?.trim() ?? '';
  const said = type === 'text/plain' && firstLine ? ` ("${firstLine.length > 80 ? `${firstLine.slice(0, 79)}…` : firstLine}")` : '';
  return `${url} answered ${answer.status} ${type}${said}; it does not look like a Wharf index: check --url.`;
}

/**
 * The JSON object Wharf answered, error or not. Throws NotWharfError when the body is not a
 * JSON object, when an error status carries no `error` message, or when a success lacks
 * `expected` (a key every answer of that route has).
 */
export function wharfJson(url: string, answer: Answer, expected?: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(answer.text);
  } catch {
    value = undefined;
  }
  const object = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  const ok = answer.status >= 200 && answer.status < 300;
  if (!object || (!ok && typeof object['error'] !== 'string') || (ok && expected !== undefined && !(expected in object))) {
    throw new NotWharfError(notWharfMessage(url, answer));
  }
  return object;
}

/** The parts of a fetch Response that wharfJson reads. */
export async function answerOf(response: Response): Promise<Answer> {
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

/** A JSON request to a Wharf API with a Bearer token, as every command that calls a server makes it. */
export function jsonRequest(method: string, token: string, body?: unknown): RequestInit {
  return {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  };
}
