/** HTML escaping for text and attribute values that come from package metadata. */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

const SPECIAL = /[&<>"']/g;
const HAS_SPECIAL = /[&<>"']/;

/** Escape for use in element text and in double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return HAS_SPECIAL.test(value) ? value.replace(SPECIAL, (c) => ESCAPES[c]!) : value;
}
