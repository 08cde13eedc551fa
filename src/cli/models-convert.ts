// `maskserve models convert CHECKPOINT --config CONFIG.yaml`: a detectron2 checkpoint (zoo .pkl or
// training .pth) -> an ONNX model + card any maskserve command can use. Path on stdout.
import { performance } from 'node:perf_hooks';
import { convertDetectron2 } from '../convert/convert.js';
import { EXIT, type ExitCode } from './exit-codes.js';

export interface ConvertFlags {
  readonly config: string;
  readonly classes?: string;
  readonly out?: string;
}

export interface ConvertIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

const STAGES = Object.freeze({ read: 'reading the checkpoint and config', build: 'building the ONNX graph', write: 'writing' });

export async function runModelsConvert(checkpoint: string, flags: ConvertFlags, io: ConvertIo = process): Promise<ExitCode> {
  const started = performance.now();
  const result = await convertDetectron2({
    checkpoint,
    config: flags.config,
    classes: flags.classes,
    out: flags.out,
    onStage: (stage) => io.stderr.write(`maskserve: ${STAGES[stage]}...\n`),
  });
  for (const warning of result.warnings) io.stderr.write(`maskserve: warning: ${warning}\n`);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const classes = (result.card.classes?.length ?? 1) - 1;
  io.stderr.write(`maskserve: converted in ${seconds} s: ${classes} classes, card ${result.cardPath}\n`);
  io.stderr.write(`maskserve: serve it with \`maskserve serve --model ${result.onnxPath}\`\n`);
  io.stdout.write(`${result.onnxPath}\n`);
  return EXIT.OK;
}
