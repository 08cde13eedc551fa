// The request options as `maskserve predict` flags, derived from the option table: the flag is the
// option's name in kebab case (maxDetections -> --max-detections), booleans are switches
// (--agnostic-nms, or --no-boxes where the default is on), and a bad value is reported naming the
// flag as it was typed, in the same wording as the API.
import { Option } from 'commander';
import { MaskserveError } from '../errors.js';
import { flagName, OPTION_NAMES, optionSpec, parseOptions, predictFlag, type OptionName, type OptionValues } from '../options/table.js';

/** The table's options that predict takes as flags, in table order. */
export const PREDICT_OPTION_NAMES: readonly OptionName[] = Object.freeze(OPTION_NAMES.filter((name) => optionSpec(name).cli !== undefined));

/** `--conf` -> `conf`: the key commander stores an alias under. */
function aliasKey(alias: string): string {
  return alias.replace(/^--/, '').replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

function isSwitch(name: OptionName): boolean {
  return typeof optionSpec(name).default === 'boolean';
}

export function optionFlags(): Option[] {
  return PREDICT_OPTION_NAMES.flatMap((name) => {
    const spec = optionSpec(name);
    const cli = spec.cli ?? {};
    const short = cli.short ? `${cli.short}, ` : '';
    if (isSwitch(name)) {
      return [new Option(`${short}${predictFlag(name)}`, spec.default === true ? `${spec.description}: on by default, this turns it off` : spec.description)];
    }
    const help = `${spec.description}: ${spec.value.expected}${spec.default === undefined ? '' : ` (default: ${String(spec.default)})`}`;
    const main = new Option(`${short}${flagName(name)} ${spec.value.placeholder}`, help);
    const aliases = (cli.aliases ?? []).map((alias) => new Option(`${alias} ${spec.value.placeholder}`, `the same as ${flagName(name)}`));
    return [main, ...aliases];
  });
}

/**
 * The option values of parsed commander flags. An alias and its option given with different
 * values is refused (`--threshold 0.5 --conf 0.3` has no right answer).
 */
export function readOptionFlags(flags: Readonly<Record<string, unknown>>): OptionValues {
  const input: Record<string, unknown> = {};
  const spelt = new Map<OptionName, string>();
  for (const name of PREDICT_OPTION_NAMES) {
    let value = flags[name];
    spelt.set(name, flagName(name));
    for (const alias of optionSpec(name).cli?.aliases ?? []) {
      const aliased = flags[aliasKey(alias)];
      if (aliased === undefined) continue;
      if (value !== undefined && value !== aliased) {
        throw new MaskserveError('INVALID_OPTION', `Expected ${flagName(name)} or ${alias} (the same setting) but received both, with different values`);
      }
      value = aliased;
      if (flags[name] === undefined) spelt.set(name, alias);
    }
    if (value !== undefined) input[name] = value;
  }
  return parseOptions(input, (name) => spelt.get(name) ?? flagName(name));
}
