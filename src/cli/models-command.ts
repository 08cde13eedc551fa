// `maskserve models list|pull|convert|quantize|info`: what can be used, fetching it, and what a graph contains.
import type { Command } from 'commander';
import { CALIBRATION_METHODS, DEFAULT_CALIBRATION_IMAGES, DEFAULT_PERCENTILE, MIN_CALIBRATION_IMAGES } from '../quantize/calibration-settings.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { familyOption } from './flag-values.js';
import type { PullFlags } from './models-pull.js';
import type { QuantizeFlags } from './models-quantize.js';
import type { CommandContext } from './program.js';

const GROUP_HELP = `
Examples:
  $ maskserve models list
  $ maskserve models pull mask-rcnn-r50-fpn
  $ maskserve models info demo
  $ maskserve models convert output/model_final.pth --config output/config.yaml
  $ maskserve models quantize model_final.onnx --calibrate photos/
`;

const QUANTIZE_HELP = `
Makes a static int8 copy of an fp32 ONNX model, in TypeScript, without Python: weights int8 per
output channel, activations uint8 with ranges calibrated by running the fp32 model on your images
(through the model's own preprocessing), in the QDQ form onnxruntime runs with int8 kernels. The
layers that make the final predictions (class scores, box deltas, mask logits) stay fp32. Use
photos like those the model will serve: 32 or more (at least ${MIN_CALIBRATION_IMAGES}). The card (<out>.json) records
the method, the calibration set's sha256 and the source model. Works for converted detectron2
models, the demo model and yolo-seg exports. See docs/int8.md for accuracy and speed.

Examples:
  $ maskserve models quantize model_final.onnx --calibrate ~/photos/ --images 64
  $ maskserve models quantize demo --calibrate 'data/shapes-heldout/images/*.jpg' --out demo-int8.onnx
  $ maskserve models quantize yolo11n-seg.onnx --calibrate val/ --method minmax
`;

const CONVERT_HELP = `
Converts a detectron2 Mask R-CNN checkpoint into an ONNX model plus its card (<out>.json), in
TypeScript, without Python. Reads the model zoo's .pkl and training output .pth (torch.save zip);
the checkpoint is unpickled with an allowlist (numpy/torch tensors and plain containers only),
so an untrusted file cannot run code. The config is the yacs .yaml: a zoo config with its _BASE_
files beside it, or the config.yaml a training run writes. Supported: GeneralizedRCNN with
ResNet-50/101/152 or ResNeXt FPN backbones, StandardROIHeads with the FC box head and the
conv-upsample mask head (see docs/detectron2.md). Anything else fails naming the config key.

Examples:
  $ maskserve models convert output/model_final.pth --config output/config.yaml --classes classes.txt
  $ maskserve models convert model_final_f10217.pkl --config configs/COCO-InstanceSegmentation/mask_rcnn_R_50_FPN_3x.yaml
  $ maskserve models convert model_final.pth --config config.yaml --classes cat,dog --out pets.onnx
`;

const LIST_HELP = `
Shows every catalog model (size, licence, published COCO accuracy, whether it is downloaded)
and the bundled demo model. The cache directory is $MASKSERVE_CACHE_DIR, else
$XDG_CACHE_HOME/maskserve, else ~/.cache/maskserve.

Examples:
  $ maskserve models list
  $ maskserve models list --json | jq '.[] | select(.state == "ready") | .id'
`;

const PULL_HELP = `
Downloads a catalog model into the cache with a progress bar on stderr, resuming an interrupted
download, and verifies its size and sha256 before installing it. Prints the path on stdout.
Set MASKSERVE_MODEL_MIRROR (or --mirror) to fetch <mirror>/<file> instead of the publisher URL.
Offline? The error message says exactly how to fetch the file by hand (curl + sha256sum).

With --int8, the model is then quantized on your images (--calibrate) into an int8 copy used as
--model <id>-int8: int8 weights are never downloaded, they are made on this machine.

Examples:
  $ maskserve models pull mask-rcnn-r50-fpn
  $ maskserve models pull mask-rcnn-r50-fpn-int8 --mirror https://models.internal.example/onnx/
  $ maskserve models pull detectron2-mask-rcnn-r50-fpn-3x --int8 --calibrate ~/photos/
`;

const INFO_HELP = `
Reads an ONNX graph without running it: detected family, inputs, outputs, class names, the model
card and metadata_props.

Examples:
  $ maskserve models info demo
  $ maskserve models info mask-rcnn-r50-fpn
  $ maskserve models info ./yolo11n-seg.onnx --json
`;

export function registerModelsCommand(program: Command, context: CommandContext): void {
  const models = program
    .command('models')
    .summary('list, download, convert, quantize and inspect models')
    .description('List, download, convert, quantize and inspect segmentation models.')
    .addHelpText('after', GROUP_HELP + EXIT_CODES_HELP);

  models
    .command('list')
    .description('list catalog models, their download state, and the demo model')
    .option('--json', 'machine-readable output')
    .addHelpText('after', LIST_HELP + EXIT_CODES_HELP)
    .action(async (flags: { json?: boolean }) => {
      const { runModelsList } = await import('./models-list.js');
      context.exit(await runModelsList(flags));
    });

  models
    .command('pull')
    .description('download a catalog model into the cache (verified, resumable)')
    .argument('<id>', 'catalog model id (see `maskserve models list`)')
    .option('--mirror <url>', 'fetch <url>/<file> instead of the publisher URL (default: $MASKSERVE_MODEL_MIRROR)')
    .option('--int8', 'also make an int8 copy on this machine, used as --model <id>-int8 (needs --calibrate)')
    .option('--calibrate <dir|glob>', 'calibration images for --int8 (see `maskserve models quantize --help`)')
    .option('--images <n>', `with --int8: use at most this many calibration images (default: ${DEFAULT_CALIBRATION_IMAGES})`)
    .addHelpText('after', PULL_HELP + EXIT_CODES_HELP)
    .action(async (id: string, flags: PullFlags) => {
      const { runModelsPull } = await import('./models-pull.js');
      context.exit(await runModelsPull(id, flags));
    });

  models
    .command('convert')
    .description('convert a detectron2 checkpoint (.pkl or .pth) into an ONNX model + card')
    .argument('<checkpoint>', 'model_final.pth from training, or a model zoo .pkl')
    .requiredOption('--config <yaml>', 'the detectron2 config (.yaml; _BASE_ resolved relative to it)')
    .option('--classes <file|a,b,c>', 'class names: a file with one per line, or a comma list (default: COCO for 80 classes)')
    .option('--out <model.onnx>', 'where to write the model (default: beside the checkpoint); the card goes beside it')
    .addHelpText('after', CONVERT_HELP + EXIT_CODES_HELP)
    .action(async (checkpoint: string, flags: { config: string; classes?: string; out?: string }) => {
      const { runModelsConvert } = await import('./models-convert.js');
      context.exit(await runModelsConvert(checkpoint, flags));
    });

  models
    .command('quantize')
    .description('make a static int8 copy of an fp32 ONNX model, calibrated on your images')
    .argument('<model>', 'an fp32 .onnx path, a catalog id or "demo"')
    .requiredOption('--calibrate <dir|glob>', 'calibration images: a directory or a quoted glob')
    .option('--images <n>', `use at most this many images, the first in sorted order (default: ${DEFAULT_CALIBRATION_IMAGES})`)
    .option('--method <method>', `activation ranges: ${CALIBRATION_METHODS.join(' or ')} (default: percentile)`)
    .option('--percentile <p>', `percent of values inside the range, per side (default: ${DEFAULT_PERCENTILE})`)
    .option('--keep-float <names>', 'comma-separated node names (or prefixes ending in /) to keep fp32')
    .option('--fp32-roi-features', 'keep the layers that feed RoIAlign in fp32 (slower; measured: no gain on the demo model)')
    .addOption(familyOption())
    .option('--out <model.onnx>', 'where to write the int8 model (default: <model>-int8.onnx beside it); the card goes beside it')
    .addHelpText('after', QUANTIZE_HELP + EXIT_CODES_HELP)
    .action(async (model: string, flags: QuantizeFlags) => {
      const { runModelsQuantize } = await import('./models-quantize.js');
      context.exit(await runModelsQuantize(model, flags));
    });

  models
    .command('info')
    .description('show what an ONNX model contains: family, inputs, outputs, classes, metadata')
    .argument('<model>', 'catalog id, path to an .onnx file, or "demo"')
    .addOption(familyOption('check the graph against this family instead of auto-detecting'))
    .option('--json', 'machine-readable output')
    .addHelpText('after', INFO_HELP + EXIT_CODES_HELP)
    .action(async (spec: string, flags: { json?: boolean; family?: string }) => {
      const { runModelsInfo } = await import('./models-info.js');
      context.exit(await runModelsInfo(spec, flags));
    });
}
