// Worker-thread entry of the pixel pool (run by piscina). Module loader hooks do not reach worker
// threads (neither `node --import tsx` nor bin/maskserve.js's register() does), so this thread
// registers tsx itself before loading the TypeScript tasks.
import { register } from 'tsx/esm/api';

register();
const tasks = await import('./worker-tasks.ts');

export const { preprocess, postprocess, encode } = tasks;
