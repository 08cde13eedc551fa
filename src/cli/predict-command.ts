// `maskserve predict` registration: flags, help text and examples. The work itself is loaded
// on demand (predict.ts pulls in sharp and onnxruntime) so `--help` and typos answer at once.
import { Option, type Command } from 'commander';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { familyOption } from './flag-values.js';
import type { CommandContext } from './program.js';
import { DEFAULT_MAX_PIXELS } from '../input/limits.js';
import { OUTPUT_FORMAT_NAMES, OUTPUT_FORMATS } from '../output/formats.js';
import { optionFlags } from './option-flags.js';
import { DEFAULT_OUTPUT_FORMAT, MAX_CONCURRENCY, resolvePredictSettings, type PredictFlags } from './predict-settings.js';

const EXAMPLES = `
Inputs: image files, directories (searched recursively for .jpg .jpeg .png .webp .gif .avif
.tif .tiff), glob patterns (quote them: "photos/**/*.jpg") and http(s) URLs.

Output: with one input and no --out, the result goes to stdout and nothing else does (logs and
progress go to stderr): --format json (result JSON), coco (COCO results array, image_id 1) or
png (the annotated image; stdout must not be a terminal). With several inputs and no --out,
json prints one result per line (JSON Lines, with an "input" field) and coco one array.
With --out DIR, every input gets DIR/<stem>.png (annotated) and DIR/<stem>.json (result JSON);
the run writes DIR/coco-results.json (image_id = position in the input list, from 1) and
DIR/images.json (image_id -> input). Stems are made unique (dog, dog-2, ...). Inputs are never
overwritten, and directory/glob searches skip files under DIR. Bad inputs are skipped and
listed at the end.

Examples:
  $ maskserve predict photo.jpg                              # result JSON on stdout (default model)
  $ maskserve predict photo.jpg --format png > annotated.png
  $ maskserve predict street.jpg --model mask-rcnn-r50-fpn-int8 --threshold 0.7 --classes person,car
  $ maskserve predict photos/ "more/**/*.png" --out results/ --concurrency 2
  $ maskserve predict https://example.com/dog.jpg --mask-format polygons
  $ maskserve predict img.jpg --model ./yolo11n-seg.onnx --family yolo-seg --iou 0.6
  $ maskserve predict photos/ --shard 0/3 --out part-0/      # one of 3 workers (a Kubernetes
  $ maskserve merge part-0/ part-1/ part-2/ --out results/   #  Indexed Job's pods), then merged
`;

export function registerPredictCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('predict')
    .summary('segment images: class, score, box and mask of every object')
    .description('Segment images (files, directories, globs or URLs) with an instance-segmentation model.')
    .argument('<inputs...>', 'image files, directories, glob patterns or http(s) URLs')
    .option('-m, --model <model>', 'catalog id, path to an .onnx file, or "demo" (default: $MASKSERVE_MODEL, else the first downloaded catalog model, else demo)')
    .addOption(familyOption());
  // --threshold, --iou, --max-detections, --classes, ... --opacity: from the option table.
  for (const option of optionFlags()) command.addOption(option);
  command
    .addOption(new Option('-f, --format <format>', `what goes to stdout without --out: ${OUTPUT_FORMAT_NAMES.map((name) => `${name} (${OUTPUT_FORMATS[name].description})`).join(', ')}`).default(DEFAULT_OUTPUT_FORMAT))
    .option('-o, --out <dir>', 'write <stem>.png, <stem>.json, coco-results.json and images.json into this directory')
    .option('-c, --concurrency <n>', `images in flight at once, 1..${MAX_CONCURRENCY} (default: 1)`)
    .option('--max-pixels <n>', `refuse images with more pixels than this (default: ${DEFAULT_MAX_PIXELS})`)
    .option('--shard <K/N>', 'process only shard K of N (0 <= K < N) of the sorted inputs, keeping their image ids; combine the outputs with `maskserve merge`')
    // Test-only (also MASKSERVE_ALLOW_LOOPBACK_FETCH=1): lets URL inputs reach 127.0.0.1 test servers.
    .addOption(new Option('--allow-loopback-fetch', 'test-only: allow URL inputs on loopback').hideHelp())
    .addHelpText('after', EXAMPLES + EXIT_CODES_HELP)
    .action(async (inputs: string[], flags: PredictFlags) => {
      const settings = resolvePredictSettings(flags);
      const { runPredict } = await import('./predict.js');
      context.exit(await runPredict(inputs, settings));
    });
}
