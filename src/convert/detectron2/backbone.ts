// ResNet (bottleneck blocks, MSRA or C2 stride placement, grouped for ResNeXt) + FPN with
// LastLevelMaxPool, as detectron2's build_resnet_fpn_backbone makes them.
//   image [1, 3, H, W] (H, W multiples of 32) -> p2..p6: [1, C, H/4, W/4] ... [1, C, H/64, W/64]
import type { GraphBuilder } from '../../onnx/graph-builder.js';
import type { Detectron2Settings } from './config.js';
import { conv, type StateDict } from './layers.js';

const BLOCKS_PER_STAGE: Readonly<Record<50 | 101 | 152, readonly number[]>> = Object.freeze({
  50: [3, 4, 6, 3],
  101: [3, 4, 23, 3],
  152: [3, 8, 36, 3],
});

export interface BackboneOutputs {
  /** p2..p6 in order, strides 4..64. */
  readonly levels: readonly string[];
  readonly channels: number;
}

/** res2..res5 outputs and their channel counts. */
function resnet(g: GraphBuilder, sd: StateDict, settings: Detectron2Settings, image: string): { features: string[]; channels: number[] } {
  const r = settings.resnet;
  const norm = true;
  let x = g.within('stem', () => {
    const y = conv(g, sd, 'backbone.bottom_up.stem.conv1', image, { inChannels: 3, outChannels: r.stemOutChannels, kernel: 7, stride: 2, padding: 3, norm, relu: true });
    return g.op('MaxPool', [y], { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] } });
  });
  let inChannels = r.stemOutChannels;
  let outChannels = r.res2OutChannels;
  let bottleneck = r.numGroups * r.widthPerGroup;
  const features: string[] = [];
  const channels: number[] = [];
  BLOCKS_PER_STAGE[r.depth].forEach((blocks, stage) => {
    const name = `res${stage + 2}`;
    x = g.within(name, () => {
      let y = x;
      for (let b = 0; b < blocks; b++) {
        const stride = b === 0 && stage > 0 ? 2 : 1;
        const prefix = `backbone.bottom_up.${name}.${b}`;
        const blockIn = b === 0 ? inChannels : outChannels;
        y = g.within(String(b), () => bottleneckBlock(g, sd, prefix, y, blockIn, outChannels, bottleneck, stride, r.numGroups, r.strideIn1x1));
      }
      return y;
    });
    features.push(x);
    channels.push(outChannels);
    inChannels = outChannels;
    outChannels *= 2;
    bottleneck *= 2;
  });
  return { features, channels };
}

function bottleneckBlock(
  g: GraphBuilder,
  sd: StateDict,
  prefix: string,
  x: string,
  inChannels: number,
  outChannels: number,
  bottleneck: number,
  stride: number,
  groups: number,
  strideIn1x1: boolean,
): string {
  const shortcut =
    inChannels !== outChannels
      ? conv(g, sd, `${prefix}.shortcut`, x, { inChannels, outChannels, kernel: 1, stride, norm: true })
      : x;
  // MSRA models stride in the 1x1 conv, Caffe2/FAIR ones (ResNeXt) in the 3x3.
  const [stride1x1, stride3x3] = strideIn1x1 ? [stride, 1] : [1, stride];
  let y = conv(g, sd, `${prefix}.conv1`, x, { inChannels, outChannels: bottleneck, kernel: 1, stride: stride1x1, norm: true, relu: true });
  y = conv(g, sd, `${prefix}.conv2`, y, { inChannels: bottleneck, outChannels: bottleneck, kernel: 3, stride: stride3x3, padding: 1, groups, norm: true, relu: true });
  y = conv(g, sd, `${prefix}.conv3`, y, { inChannels: bottleneck, outChannels, kernel: 1, norm: true });
  return g.op('Relu', [g.op('Add', [y, shortcut])]);
}

export function resnetFpn(g: GraphBuilder, sd: StateDict, settings: Detectron2Settings, image: string): BackboneOutputs {
  const { features, channels } = resnet(g, sd, settings, image);
  const out = settings.fpn.outChannels;
  return g.within('fpn', () => {
    // Top-down: lateral(res5), then lateral(res_k) + nearest-upsampled previous, k = 4, 3, 2.
    const results: string[] = [];
    let previous = '';
    for (let k = features.length - 1; k >= 0; k--) {
      const stage = k + 2;
      const lateral = conv(g, sd, `backbone.fpn_lateral${stage}`, features[k], { inChannels: channels[k], outChannels: out, kernel: 1 });
      if (previous === '') previous = lateral;
      else {
        const upsampled = g.op('Resize', [previous, '', g.floats([1, 1, 2, 2])], {
          mode: { string: 'nearest' },
          coordinate_transformation_mode: { string: 'asymmetric' },
          nearest_mode: { string: 'floor' },
        });
        previous = g.op('Add', [lateral, upsampled]);
        if (settings.fpn.fuse === 'avg') previous = g.op('Div', [previous, g.scalarFloat(2)]);
      }
      results.unshift(conv(g, sd, `backbone.fpn_output${stage}`, previous, { inChannels: out, outChannels: out, kernel: 3, padding: 1 }));
    }
    // LastLevelMaxPool: p6 = max_pool2d(p5, kernel 1, stride 2)
    results.push(g.op('MaxPool', [results[results.length - 1]], { kernel_shape: { ints: [1, 1] }, strides: { ints: [2, 2] } }));
    return { levels: results, channels: out };
  });
}
