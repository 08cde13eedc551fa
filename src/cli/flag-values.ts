// CLI flags' values, through the project's one reader of typed values (src/options/values.ts):
// one wording for a bad value ("Expected <what> for <--flag> but received <value>", INVALID_OPTION,
// exit code 2), the same as a bad request option gets.
import { Option } from 'commander';
import { FAMILY_NAMES } from '../adapters/registry.js';
import { decimal, integer, oneOf, readValue } from '../options/values.js';

export function integerFlag(value: string, name: string, min: number, max: number): number {
  return readValue(integer(min, max), value, name);
}

/** A decimal number in [min, max], or (min, max] with `exclusiveMin`. */
export function numberFlag(value: string, name: string, min: number, max: number, exclusiveMin = false): number {
  return readValue(decimal(min, max, { exclusiveMin }), value, name);
}

export function oneOfFlag<T extends string>(choices: readonly T[], value: string, name: string): T {
  return readValue(oneOf(choices), value, name);
}

/** `--family`, with the registry's names as its choices (every command that loads a model has it). */
export function familyOption(description = 'model family, when auto-detection needs help'): Option {
  return new Option('--family <family>', description).choices(FAMILY_NAMES);
}
