/** What the training benches share: their command-line flags and how they print figures. */
export const args = process.argv.slice(2);

/** The value after `--name`, if given. */
export function flag(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export const log = (line: string) => console.log(line);
/** A fraction as a percentage, five wide ("  n/a" when missing). */
export const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '  n/a' : (100 * x).toFixed(1).padStart(5));
export const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;
