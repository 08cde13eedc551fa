// Rewrites docs/options.md from the option and output format tables.
import { writeFileSync } from 'node:fs';
import { optionsReference } from '../src/options/reference.js';

writeFileSync(new URL('../docs/options.md', import.meta.url), optionsReference());
