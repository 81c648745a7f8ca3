// Text the admin CLI prints may come from a log, a manifest or a program's
// output that someone else shaped: raw control characters would reach the
// terminal as commands (an escape sequence can retitle the window, clear the
// screen or rewrite lines above). Each is shown as an escape instead.

// C0 controls, DEL and C1 controls (U+0080-U+009F, which some terminals obey as CSI).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

function escape(c: string): string {
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

// One value (a name, a reason): every control character escaped, newlines too.
export function printableValue(text: string): string {
  return text.replace(CONTROL, escape);
}

// Whole lines the CLI composed: its own newlines and tabs kept, anything else escaped.
export function printableText(text: string): string {
  return text.replace(CONTROL_BUT_LINES, escape);
}

// JSON: control characters in strings are escaped by JSON.stringify except DEL and C1.
export function printableJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
