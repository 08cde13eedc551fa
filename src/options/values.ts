// The kinds of value an option can hold. Each kind knows how to read a loose value (a query string,
// a form field, a JSON property or a CLI flag: strings are accepted for numbers and booleans), how
// to say what it expects (the one error wording, "Expected <expected> for <name> but received …")
// and how to describe itself as a JSON schema for /docs.
import Type, { type TSchema } from 'typebox';
import { parseDecimal } from '../decimal.js';
import { invalidParameter } from '../errors.js';

export interface ValueKind<T> {
  /** "a number between 0 and 1": the middle of the error message and of the docs' value column. */
  readonly expected: string;
  /** The CLI placeholder, e.g. `<score>`. */
  readonly placeholder: string;
  /** The value, or undefined when `raw` is not one. */
  read(raw: unknown): T | undefined;
  /** The OpenAPI schema of a query parameter or form field holding it. */
  schema(description: string): TSchema;
}

/**
 * The one reader of a typed value, wherever it comes from (request option, CLI flag, environment
 * variable): the value, or INVALID_OPTION "Expected <kind.expected> for <name> but received <raw>".
 */
export function readValue<T>(kind: ValueKind<T>, raw: unknown, name: string): T {
  const value = kind.read(raw);
  if (value === undefined) throw invalidParameter(kind.expected, name, raw);
  return value;
}

/**
 * A number kind: a plain decimal (`parseDecimal`: no hex, no Infinity) that `accepts`. Flags and
 * environment variables are trimmed first; request options (`trim: false`) are taken as sent.
 */
function numberKind(kind: {
  expected: string;
  placeholder: string;
  trim: boolean;
  accepts: (n: number) => boolean;
  schema: (description: string) => TSchema;
}): ValueKind<number> {
  return {
    expected: kind.expected,
    placeholder: kind.placeholder,
    read(raw) {
      const n = parseDecimal(kind.trim && typeof raw === 'string' ? raw.trim() : raw);
      return Number.isFinite(n) && kind.accepts(n) ? n : undefined;
    },
    schema: kind.schema,
  };
}

/** A decimal number in [min, max], or (min, max] with `exclusiveMin`. */
export function decimal(min: number, max: number, { exclusiveMin = false, placeholder = '<x>' } = {}): ValueKind<number> {
  return numberKind({
    expected: `a number ${exclusiveMin ? 'above' : 'from'} ${min} ${exclusiveMin ? 'up to' : 'to'} ${max}`,
    placeholder,
    trim: true,
    accepts: (n) => (exclusiveMin ? n > min : n >= min) && n <= max,
    schema: (description) => Type.Number({ ...(exclusiveMin ? { exclusiveMinimum: min } : { minimum: min }), maximum: max, description }),
  });
}

export function positiveNumber(placeholder = '<x>'): ValueKind<number> {
  return numberKind({
    expected: 'a positive number',
    placeholder,
    trim: true,
    accepts: (n) => n > 0,
    schema: (description) => Type.Number({ exclusiveMinimum: 0, description }),
  });
}

export function unitInterval(placeholder = '<0..1>'): ValueKind<number> {
  return numberKind({
    expected: 'a number between 0 and 1',
    placeholder,
    trim: false,
    accepts: (n) => n >= 0 && n <= 1,
    schema: (description) => Type.Number({ minimum: 0, maximum: 1, description }),
  });
}

export function integer(min: number, max: number, placeholder = '<n>'): ValueKind<number> {
  const unbounded = max === Number.MAX_SAFE_INTEGER;
  return numberKind({
    expected: unbounded ? `an integer from ${min}` : `an integer between ${min} and ${max}`,
    placeholder,
    trim: true,
    accepts: (n) => Number.isSafeInteger(n) && n >= min && n <= max,
    schema: (description) => Type.Integer({ minimum: min, ...(unbounded ? {} : { maximum: max }), description }),
  });
}

export function boolean(): ValueKind<boolean> {
  return {
    expected: 'a boolean',
    placeholder: '<true|false>',
    read(raw) {
      if (raw === true || raw === 'true' || raw === '1') return true;
      if (raw === false || raw === 'false' || raw === '0') return false;
      return undefined;
    },
    schema: (description) => Type.Boolean({ description }),
  };
}

/** One of `values`; `aliases` map other spellings onto them (e.g. jpg -> jpeg). */
export function oneOf<T extends string>(values: readonly T[], aliases: Readonly<Record<string, T>> = {}): ValueKind<T> {
  return {
    expected: `one of ${values.join(', ')}`,
    placeholder: '<name>',
    read(raw) {
      if (typeof raw !== 'string') return undefined;
      const value = Object.hasOwn(aliases, raw) ? aliases[raw] : raw;
      return (values as readonly string[]).includes(value) ? (value as T) : undefined;
    },
    schema: (description) => Type.Enum([...values, ...Object.keys(aliases)], { description }),
  };
}

/** Names as "a,b" or ["a", "b"]; trimmed, none empty. */
export function nameList(): ValueKind<readonly string[]> {
  return {
    expected: 'a comma-separated list of class names',
    placeholder: '<names>',
    read(raw) {
      const list: unknown = typeof raw === 'string' ? raw.split(',') : raw;
      if (!Array.isArray(list) || list.length === 0 || !list.every((item) => typeof item === 'string')) return undefined;
      const names = list.map((item: string) => item.trim());
      return names.some((name) => name === '') ? undefined : Object.freeze(names);
    },
    schema: (description) => Type.Union([Type.String(), Type.Array(Type.String())], { description, examples: ['person,dog'] }),
  };
}

export function text(placeholder = '<text>'): ValueKind<string> {
  return {
    expected: 'a string',
    placeholder,
    read: (raw) => (typeof raw === 'string' ? raw : undefined),
    schema: (description) => Type.String({ description }),
  };
}
