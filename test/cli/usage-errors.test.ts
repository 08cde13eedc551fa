import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { maskserve, oneLine, runInProcess } from './helpers.js';

describe('usage errors exit 2 with one line on stderr (subprocess)', { concurrency: 3 }, () => {
  it('an unknown option', async () => {
    const result = await maskserve(['predict', 'a.jpg', '--bogus']);
    assert.equal(result.code, 2);
    assert.match(oneLine(result.stderr), /^maskserve: unknown option '--bogus'/);
    assert.equal(result.text, '');
  });

  it('a threshold outside 0..1', async () => {
    const result = await maskserve(['predict', 'a.jpg', '--threshold', '2']);
    assert.equal(result.code, 2);
    assert.equal(oneLine(result.stderr), 'maskserve: Expected a number between 0 and 1 for --threshold but received "2"');
  });
});

describe('usage errors (in process)', () => {
  const cases: [string, string[], RegExp][] = [
    ['a bad --max-detections', ['predict', 'a.jpg', '--max-detections', 'lots'], /for --max-detections but received "lots"/],
    ['a --format outside the choices', ['predict', 'a.jpg', '--format', 'gif'], /Expected one of json, coco, png, jpeg, webp for --format but received "gif"/],
    ['a --mask-format outside the choices', ['predict', 'a.jpg', '--mask-format', 'bitmap'], /Expected one of rle, polygons, both, none for --mask-format but received "bitmap"/],
    ['a bad --concurrency', ['predict', 'a.jpg', '--concurrency', '0'], /Expected an integer between 1 and 64 for --concurrency/],
    ['a bad --max-pixels', ['predict', 'a.jpg', '--max-pixels', '-5'], /for --max-pixels/],
    ['an empty --classes entry', ['predict', 'a.jpg', '--classes', 'dog,,cat'], /for --classes/],
    ['a missing input argument', ['predict'], /missing required argument 'inputs'/],
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['eval without --annotations', ['eval', '--images', 'x'], /required option '-a, --annotations <file>' not specified/],
    ['eval without --images or --results', ['eval', '--annotations', 'x.json'], /needs --images DIR .* or --results FILE/],
    ['eval with a bad --iou-type', ['eval', '--annotations', 'x.json', '--results', 'r.json', '--iou-type', 'keypoints'], /for --iou-type/],
    ['eval with a bad --plot extension', ['eval', '--annotations', 'x.json', '--results', 'r.json', '--plot', 'pr.gif'], /ending in \.svg or \.png for --plot/],
    ['eval with a missing annotations file', ['eval', '--annotations', '/nonexistent/x.json', '--results', 'r.json'], /--annotations \/nonexistent\/x\.json: no such file/],
    ['serve with a bad port', ['serve', '--port', 'eighty'], /Expected a port number between 0 and 65535 for --port/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const result = await runInProcess(args);
      assert.equal(result.code, 2, result.stderr);
      assert.match(oneLine(result.stderr), message);
      assert.match(result.stderr, /^maskserve: /);
    });
  }

  it('running without a command shows the help and exits 2', async () => {
    const result = await runInProcess([]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Usage: maskserve/);
  });
});

describe('model errors exit 3 (subprocess)', { concurrency: 3 }, () => {
  it('an unknown model names the catalog ids', async () => {
    const result = await maskserve(['predict', 'a.jpg', '--model', 'mask-rcnn-x101']);
    assert.equal(result.code, 3);
    assert.match(oneLine(result.stderr), /Unknown model "mask-rcnn-x101": expected demo, one of detectron2-mask-rcnn-r50-fpn-3x, .*mask-rcnn-r50-fpn, .*existing \.onnx file/);
  });

  it('a catalog model that is not downloaded says how to pull it', async () => {
    const result = await maskserve(['predict', 'a.jpg', '--model', 'mask-rcnn-r50-fpn']);
    assert.equal(result.code, 3);
    assert.match(oneLine(result.stderr), /not downloaded yet: run `maskserve models pull mask-rcnn-r50-fpn`/);
  });

  it('models pull while offline explains how to fetch the file by hand', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await maskserve(['models', 'pull', 'mask-rcnn-r50-fpn-int8', '--mirror', `http://127.0.0.1:${port}/`]);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /curl -L -o \S+MaskRCNN-12-int8\.onnx http:\/\/127\.0\.0\.1:\d+\/MaskRCNN-12-int8\.onnx/);
    assert.match(result.stderr, /sha256sum .*4409935e855719fd6cd986f7ec2a3de840d0bd9c9cf7a0cba84ce95377f5b476/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });
});

describe('model errors (in process)', () => {
  it('models pull of an unknown id', async () => {
    const result = await runInProcess(['models', 'pull', 'yolo-nas']);
    assert.equal(result.code, 3);
    assert.match(oneLine(result.stderr), /Unknown model "yolo-nas"/);
  });
});
