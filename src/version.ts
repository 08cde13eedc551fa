// maskserve's version, read once from package.json (CLI --version, converted models' provenance).
import { readFileSync } from 'node:fs';

export const MASKSERVE_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
