/**
 * What the CLI writes to a terminal: user data (project and file names, reasons, paths)
 * can hold control characters, and ESC sequences or a carriage return in a file name
 * would otherwise rewrite the terminal (its title, its screen, earlier lines), and a
 * bidi override would make `gpj.exe` read as `exe.jpg`. Each such character is shown as
 * a \uXXXX escape instead: readable, and inside a JSON string it is the same JSON.
 * Tabs stay; line breaks are the caller's (each line goes through on its own).
 */
// Matching control characters is the point of this pattern.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Each line of a possibly multi-line text made printable, its line breaks kept. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}
