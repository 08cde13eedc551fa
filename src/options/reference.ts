// docs/options.md, rendered from the option and output format tables so the reference cannot fall
// behind them (test/options/option-table.test.ts compares; `npm run docs:options` rewrites it).
import { OUTPUT_FORMAT_ALIASES, OUTPUT_FORMAT_NAMES, OUTPUT_FORMATS } from '../output/formats.js';
import { OPTION_NAMES, optionSpec, predictFlag, type OptionName } from './table.js';

function predictColumn(name: OptionName): string {
  const spec = optionSpec(name);
  if (spec.cli === undefined) return spec.ownFlag === undefined ? '—' : spec.ownFlag.replace(/(-+[a-z-]+)/g, '`$1`');
  const spellings = [spec.cli.short, predictFlag(name), ...(spec.cli.aliases ?? [])].filter((flag): flag is string => flag !== undefined);
  return spellings.map((flag) => `\`${flag}\``).join(', ');
}

export function optionsReference(): string {
  const rows = OPTION_NAMES.map((name) => {
    const spec = optionSpec(name);
    const fallback = spec.default === undefined ? '—' : `\`${String(spec.default)}\``;
    return `| \`${name}\` | ${spec.value.expected} | ${fallback} | ${spec.group} | ${predictColumn(name)} | ${spec.description} |`;
  });
  const formats = OUTPUT_FORMAT_NAMES.map((name) => {
    const spec = OUTPUT_FORMATS[name];
    const aliases = Object.entries(OUTPUT_FORMAT_ALIASES).filter(([, target]) => target === name).map(([alias]) => `\`${alias}\``);
    const limit = spec.kind === 'image' && 'maxSide' in spec ? `at most ${spec.maxSide} px per side` : '';
    return `| \`${name}\`${aliases.length > 0 ? ` (${aliases.join(', ')})` : ''} | \`${spec.mediaType}\` | ${spec.description} | ${limit} |`;
  });
  return [
    '# Request options and output formats',
    '',
    '<!-- Generated from src/options/table.ts and src/output/formats.ts by `npm run docs:options`; do not edit. -->',
    '',
    'The same options are read from the query string, multipart form fields and JSON bodies of',
    '`POST /api/v1/segment`, from the query string of `GET /detect` and the form fields of `POST /detect`,',
    'and (where a flag is listed) from `maskserve predict`. Numbers and booleans may be strings',
    '(`"0.5"`, `"true"`/`"1"`); numbers are plain decimals (`0x1` is refused); an empty value means',
    'not given. A bad value is answered `400` with code `INVALID_OPTION` and one wording wherever it',
    'arrives: `Expected <what> for <name> but received <value>`, naming the option as it was spelt',
    'there. An unknown name is refused listing the valid ones.',
    '',
    '| option | value | default | applies to | `predict` flag | meaning |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '`classes` is checked against the chosen model before the image is read, fetched or decoded.',
    '',
    '## Output formats',
    '',
    'Chosen with `format` (or the `Accept` header; `format` wins) on the API and `--format` on',
    '`maskserve predict`. Image formats are the annotated image.',
    '',
    '| format | media type | what | limit |',
    '| --- | --- | --- | --- |',
    ...formats,
    '',
  ].join('\n');
}
