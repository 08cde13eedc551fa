// The one reader of numbers typed by people (query strings, form fields, JSON, CLI flags, env):
// plain decimal notation only. JavaScript's Number() also accepts "0x1", "0b1", "0o1",
// "Infinity" and surrounding whitespace, so `threshold=0x1` would quietly mean 1.

const DECIMAL = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/** A number, or a decimal string ("0.5", "-2", "1e-3"); anything else is NaN. */
export function parseDecimal(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && DECIMAL.test(value)) return Number(value);
  return Number.NaN;
}
