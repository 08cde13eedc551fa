// The app controller: one image in, one /api/v1/segment request, then everything the user does
// (filters, highlight, downloads) works on that result locally. State is one ViewState value;
// every change replaces it and re-renders the overlay, the list and the controls.
import { ApiError, fetchModels, fetchSamples, segment, type ImageInput } from './api.js';
import { wireControls } from './controls.js';
import { annotatedPng, DOWNLOADS, jsonBlob, saveBlob } from './downloads.js';
import { baseName, cocoResults, filteredResultJson } from './exports.js';
import { wireInputs, renderSamples } from './inputs.js';
import { createInstanceList } from './instance-list.js';
import { announceDemo, renderModelBadge } from './model-badge.js';
import { prepareInstances, scaleFor, type PreparedInstance, type Scale } from './overlay.js';
import { loadPhoto } from './photo.js';
import { createStatus } from './status.js';
import type { ModelInfo, ResultJson } from './types.js';
import { createViewer } from './viewer.js';
import { aboveThreshold, initialViewState, toggled, visibleInstances, type ViewState } from './view-state.js';

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

interface Session {
  readonly result: ResultJson;
  readonly prepared: PreparedInstance[];
  readonly scale: Scale;
  readonly fileStem: string;
}

let session: Session | undefined;
let view: ViewState = initialViewState();
let model: ModelInfo | undefined;
let running: AbortController | undefined;
let lastInput: ImageInput | undefined;

const workspace = byId<HTMLElement>('workspace');
const stageNote = byId<HTMLElement>('stage-note');
const stageCaption = byId<HTMLElement>('stage-caption');
const photoCanvas = byId<HTMLCanvasElement>('photo');
const summary = byId<HTMLElement>('summary');
const retryButton = byId<HTMLButtonElement>('retry');
const status = createStatus({ text: byId('status-text'), progress: byId('progress'), error: byId('error'), errorText: byId('error-text'), retry: retryButton });
const viewer = createViewer({ stage: byId('stage'), photo: byId('photo'), overlay: byId('overlay'), tooltip: byId('tooltip') }, (id) => {
  if (id !== view.focusedId) update({ focusedId: id });
});
const list = createInstanceList(byId('instance-list'), {
  toggleClass: (label, visible) => update({ hiddenClasses: toggled(view.hiddenClasses, label, !visible) }),
  toggleInstance: (id, visible) => update({ hiddenInstances: toggled(view.hiddenInstances, id, !visible) }),
  focus: (id) => id !== view.focusedId && update({ focusedId: id }),
});
const controls = wireControls(
  {
    threshold: byId('threshold'),
    thresholdValue: byId('threshold-value'),
    opacity: byId('opacity'),
    opacityValue: byId('opacity-value'),
    boxes: byId('show-boxes'),
    labels: byId('show-labels'),
    showAll: byId('show-all'),
  },
  (change) => update(change),
);

function update(change: Partial<ViewState>): void {
  view = { ...view, ...change };
  render();
}

function visiblePrepared(current: Session): PreparedInstance[] {
  const ids = new Set(visibleInstances(current.result.instances, view).map((instance) => instance.id));
  return current.prepared.filter((item) => ids.has(item.id));
}

/** "Showing 2 of 4 instances (2 below the 60 % minimum score)": never a bare "0 of 4". */
function summaryText(shown: number, instances: Session['result']['instances'], current: ViewState): string {
  const total = instances.length;
  const head = `Showing ${shown} of ${total} instance${total === 1 ? '' : 's'}`;
  if (shown === total) return head;
  const below = total - aboveThreshold(instances, current).length;
  const hidden = total - shown - below;
  const reasons = [
    ...(below > 0 ? [`${below} below the ${Math.round(current.threshold * 100)} % minimum score`] : []),
    ...(hidden > 0 ? [`${hidden} hidden`] : []),
  ];
  return `${head} (${reasons.join(', ')})`;
}

function render(): void {
  controls.sync(view);
  if (!session) return;
  const visible = visiblePrepared(session);
  viewer.render(visible, view, session.scale);
  list.render(session.prepared, view);
  const total = session.result.instances.length;
  summary.textContent = summaryText(visible.length, session.result.instances, view);
  photoCanvas.setAttribute('aria-label', `The analysed image: ${visible.length} of ${total} detected instances outlined`);
}

async function run(input: ImageInput): Promise<void> {
  running?.abort(); // a newer input wins; the older request is cancelled
  const controller = new AbortController();
  running = controller;
  lastInput = input;
  workspace.classList.add('is-busy');
  if (input.kind === 'file') status.uploading(0);
  else status.busy('Fetching the image and running the model…');
  try {
    const result = await segment(input, { onUploadProgress: (f) => status.uploading(f), onUploaded: () => status.busy('Running model…') }, controller.signal);
    status.busy('Drawing the result…');
    const photo = await loadPhoto(input, result.image, controller.signal);
    if (controller.signal.aborted) return;
    show(result, photo.source, photo.note, input.kind === 'file' ? input.name : new URL(input.url).pathname);
    const seconds = (result.timings.totalMs / 1000).toFixed(1);
    status.done(`Found ${result.instances.length} instance${result.instances.length === 1 ? '' : 's'} in ${seconds} s.`);
  } catch (error) {
    if ((error as Error).name === 'AbortError') return;
    const message = error instanceof ApiError ? error.message : `Something went wrong: ${(error as Error).message}`;
    // The same input again only helps when the failure was not about the input itself.
    const inputProblem = error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429;
    status.failed(message, inputProblem ? 'choose' : 'retry');
  } finally {
    if (running === controller) {
      running = undefined;
      workspace.classList.remove('is-busy');
    }
  }
}

function show(result: ResultJson, source: ImageBitmap | null, note: string | undefined, name: string): void {
  const { width, height } = result.image;
  const scale = scaleFor(width, height);
  viewer.showImage(source, width, height);
  source?.close();
  session = { result, prepared: prepareInstances(result.instances, scale), scale, fileStem: baseName(name) };
  // Display preferences carry over to the next image; per-image choices do not.
  view = { ...view, hiddenClasses: new Set(), hiddenInstances: new Set(), focusedId: null };
  const timing = `${Math.round(result.timings.totalMs)} ms (model ${Math.round(result.timings.inferenceMs)} ms)`;
  stageCaption.textContent = `${name.split('/').pop() || 'image'} · ${width}×${height} px · ${result.model.id} · ${timing}`;
  stageNote.hidden = note === undefined;
  stageNote.textContent = note ?? '';
  workspace.hidden = false;
  byId('empty-state').hidden = true;
  render();
  if (workspace.getBoundingClientRect().top > window.innerHeight * 0.6) workspace.scrollIntoView({ block: 'start' });
}

async function download(kind: keyof typeof DOWNLOADS): Promise<void> {
  if (!session) return;
  const visible = visiblePrepared(session);
  const instances = visible.map((item) => item.instance);
  const fileName = `${session.fileStem}${DOWNLOADS[kind].suffix}`;
  try {
    if (kind === 'png') saveBlob(await annotatedPng(photoCanvas, visible, view, session.scale), fileName);
    if (kind === 'json') saveBlob(jsonBlob(filteredResultJson(session.result, instances)), fileName);
    if (kind === 'coco') saveBlob(jsonBlob(cocoResults(instances, model?.categoryIds)), fileName);
  } catch (error) {
    status.failed(`The download failed: ${(error as Error).message}`, 'none');
  }
}

for (const kind of Object.keys(DOWNLOADS) as (keyof typeof DOWNLOADS)[]) byId(`download-${kind}`).addEventListener('click', () => void download(kind));
retryButton.addEventListener('click', () => {
  if (retryButton.dataset.recovery === 'retry' && lastInput) return void run(lastInput);
  if (lastInput?.kind !== 'url') return byId<HTMLInputElement>('file').click();
  const urlInput = byId<HTMLInputElement>('url'); // a bad URL is fixed where it was typed
  urlInput.focus();
  urlInput.select();
});

const inputElements = {
  dropzone: byId<HTMLButtonElement>('dropzone'),
  uploadForm: byId<HTMLFormElement>('upload-form'),
  fileInput: byId<HTMLInputElement>('file'),
  urlForm: byId<HTMLFormElement>('url-form'),
  urlInput: byId<HTMLInputElement>('url'),
  samples: byId<HTMLElement>('samples'),
  sampleList: byId<HTMLElement>('sample-list'),
};
wireInputs(inputElements, (input) => void run(input));
controls.sync(view);

fetchModels().then(
  (models) => {
    model = models.find((entry) => entry.default) ?? models[0];
    renderModelBadge(byId('model-badge'), model);
    if (model?.isDemo && model.notice) announceDemo(model.notice);
  },
  () => renderModelBadge(byId('model-badge'), undefined, 'Model list unavailable'),
);
fetchSamples().then(
  (samples) => renderSamples(inputElements, samples, (input) => void run(input), (message) => status.failed(message, 'none')),
  () => undefined, // samples are a convenience; the page works without them
);
