// Every way to hand the app an image: the file picker (behind the drop-zone button), drag and
// drop anywhere on the page, paste (image data or a URL), the URL form and the sample strip.
// The no-JS forms stay in the page; here their submit is taken over so results show in place.
import type { ImageInput } from './api.js';
import type { Sample } from './types.js';

export interface InputElements {
  readonly dropzone: HTMLButtonElement;
  readonly uploadForm: HTMLFormElement;
  readonly fileInput: HTMLInputElement;
  readonly urlForm: HTMLFormElement;
  readonly urlInput: HTMLInputElement;
  readonly samples: HTMLElement;
  readonly sampleList: HTMLElement;
}

export function wireInputs(elements: InputElements, onInput: (input: ImageInput) => void): void {
  const { dropzone, uploadForm, fileInput, urlForm, urlInput } = elements;
  document.documentElement.classList.add('js');
  dropzone.hidden = false;

  const takeFile = (file: File | undefined): boolean => {
    if (!file) return false;
    onInput({ kind: 'file', file, name: file.name || 'pasted-image.png' });
    return true;
  };
  const takeUrl = (text: string): boolean => {
    const url = text.trim();
    if (!/^https?:\/\/\S+$/i.test(url)) return false;
    urlInput.value = url;
    onInput({ kind: 'url', url });
    return true;
  };

  dropzone.addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', () => {
    takeFile(fileInput.files?.[0]);
    fileInput.value = ''; // choosing the same file again must fire change again
  });
  uploadForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!takeFile(fileInput.files?.[0])) fileInput.click();
  });
  urlForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!takeUrl(urlInput.value)) {
      urlInput.setCustomValidity('Enter an http:// or https:// address of an image.');
      urlInput.reportValidity();
    }
  });
  urlInput.addEventListener('input', () => urlInput.setCustomValidity(''));

  // Whole-page drop target. A depth counter, because dragenter/dragleave fire for every child.
  let dragDepth = 0;
  const hasPayload = (event: DragEvent): boolean => [...(event.dataTransfer?.types ?? [])].some((type) => type === 'Files' || type === 'text/uri-list');
  document.addEventListener('dragenter', (event) => {
    if (!hasPayload(event)) return;
    event.preventDefault();
    dragDepth++;
    document.body.classList.add('is-dragging');
  });
  document.addEventListener('dragover', (event) => {
    if (!hasPayload(event)) return;
    event.preventDefault(); // allows the drop
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  });
  document.addEventListener('dragleave', () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (dragDepth === 0) document.body.classList.remove('is-dragging');
  });
  document.addEventListener('drop', (event) => {
    event.preventDefault(); // never let the browser navigate away to the dropped file
    dragDepth = 0;
    document.body.classList.remove('is-dragging');
    const data = event.dataTransfer;
    if (!data) return;
    if (takeFile(data.files[0])) return;
    takeUrl(data.getData('text/uri-list').split(/\r?\n/).find((line) => line && !line.startsWith('#')) ?? data.getData('text/plain'));
  });

  document.addEventListener('paste', (event) => {
    const data = event.clipboardData;
    if (!data) return;
    const image = [...data.files].find((file) => file.type.startsWith('image/'));
    if (image) {
      event.preventDefault();
      takeFile(image);
      return;
    }
    // Text pasted into a text field stays there (the user may be editing); elsewhere a URL runs.
    const target = event.target as HTMLElement;
    if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) return;
    if (takeUrl(data.getData('text/plain'))) event.preventDefault();
  });
}

/** One button per sample; a click fetches the image and uploads it like a chosen file. */
export function renderSamples(elements: Pick<InputElements, 'samples' | 'sampleList'>, samples: readonly Sample[], onInput: (input: ImageInput) => void, onError: (message: string) => void): void {
  elements.sampleList.replaceChildren(
    ...samples.map((sample) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'sample';
      button.title = sample.name;
      button.setAttribute('aria-label', `Sample image ${sample.name}`);
      const thumbnail = document.createElement('img');
      thumbnail.src = sample.url;
      thumbnail.alt = '';
      thumbnail.loading = 'lazy';
      thumbnail.decoding = 'async';
      button.append(thumbnail);
      button.addEventListener('click', async () => {
        try {
          const response = await fetch(sample.url);
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          onInput({ kind: 'file', file: await response.blob(), name: sample.name });
        } catch (error) {
          onError(`Could not load the sample ${sample.name} (${(error as Error).message}).`);
        }
      });
      item.append(button);
      return item;
    }),
  );
  elements.samples.hidden = samples.length === 0;
}
