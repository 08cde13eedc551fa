// Value parsers for CLI flags, shared by every command: one wording for a bad value
// ("Expected <what> for <--flag> but received <value>", INVALID_OPTION, exit code 2).
import { Option } from 'commander';
import { FAMILY_NAMES } from '../adapters/registry.js';
import { parseDecimal } from '../decimal.js';
import { invalidParameter } from '../errors.js';

export function integerFlag(value: string, name: string, min: number, max: number): number {
  const n = parseDecimal(value.trim());
  if (!Number.isInteger(n) || n < min || n > max) throw invalidParameter(`an integer between ${min} and ${max}`, name, value);
  return n;
}

/** A decimal number in (min, max] or [min, max] (`exclusiveMin`). */
export function numberFlag(value: string, name: string, min: number, max: number, exclusiveMin = false): number {
  const n = parseDecimal(value.trim());
  const low = exclusiveMin ? n > min : n >= min;
  if (!Number.isFinite(n) || !low || n > max) throw invalidParameter(`a number ${exclusiveMin ? 'above' : 'from'} ${min} ${exclusiveMin ? 'up to' : 'to'} ${max}`, name, value);
  return n;
}

export function oneOfFlag<T extends string>(choices: readonly T[], value: string, name: string): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw invalidParameter(`one of ${choices.join(', ')}`, name, value);
}

/** `--family`, with the registry's names as its choices (every command that loads a model has it). */
export function familyOption(description = 'model family, when auto-detection needs help'): Option {
  return new Option('--family <family>', description).choices(FAMILY_NAMES);
}
