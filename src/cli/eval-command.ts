// `maskserve eval`: COCO mAP of a model (or of an existing results file) against COCO annotations.
import { type Command } from 'commander';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { familyOption } from './flag-values.js';
import type { CommandContext } from './program.js';
import type { EvalFlags } from './eval.js';

const EXAMPLES = `
Runs the model over every image listed in the annotations (file_name, looked up under --images),
then computes COCO mAP with pycocotools' COCOeval semantics and prints its 12-line summary per
IoU type. With --results, evaluates an existing COCO results file instead (for instance the
coco-results.json of \`maskserve predict --out\`, whose image ids follow its images.json).
Category ids must match the annotations (catalog Mask R-CNN models use COCO's 1..90).

Examples:
  $ maskserve eval --model mask-rcnn-r50-fpn --annotations instances_val2017.json --images val2017/
  $ maskserve eval --model demo --annotations shapes.json --images shapes/ --out metrics.json --plot pr.svg
  $ maskserve eval --annotations instances.json --results coco-results.json --iou-type segm
`;

export function registerEvalCommand(program: Command, context: CommandContext): void {
  program
    .command('eval')
    .summary('COCO mAP of a model on an annotated image set')
    .description('Evaluate a model (or a COCO results file) against COCO instance annotations.')
    .requiredOption('-a, --annotations <file>', 'COCO instances JSON (images, annotations, categories)')
    .option('-m, --model <model>', 'catalog id, .onnx path or "demo" (default: as for predict)')
    .option('-i, --images <dir>', 'directory holding the annotated images (by file_name)')
    .option('-r, --results <file>', 'evaluate this COCO results file instead of running a model')
    .option('--save-results <file>', 'also write the detections the model produced as a COCO results file')
    .option('--iou-type <types>', 'bbox, segm or bbox,segm (default: bbox,segm; bbox for box-only models)')
    .addOption(familyOption())
    .option('-t, --threshold <score>', 'minimum score kept (COCO evaluation wants low-score detections too)', '0.05')
    .option('--max-detections <n>', 'detections per image (COCO counts at most 100)', '100')
    .option('-c, --concurrency <n>', 'images in flight at once', '1')
    .option('-o, --out <file>', 'write the metrics (stats, per-category AP) as JSON')
    .option('--plot <file>', 'write a precision/recall plot (.svg or .png)')
    .addHelpText('after', EXAMPLES + EXIT_CODES_HELP)
    .action(async (flags: EvalFlags) => {
      const { runEval } = await import('./eval.js');
      context.exit(await runEval(flags));
    });
}
