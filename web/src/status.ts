// The live status line (announced politely to screen readers), the progress bar, and the error
// box (role=alert) with its retry button. Only one of "working" or "error" shows at a time.
export interface StatusElements {
  readonly text: HTMLElement;
  readonly progress: HTMLProgressElement;
  readonly error: HTMLElement;
  readonly errorText: HTMLElement;
  readonly retry: HTMLButtonElement;
}

/** What the error box's button offers: the same input again, picking another one, or nothing. */
export type Recovery = 'retry' | 'choose' | 'none';

export interface Status {
  /** Determinate progress (upload), fraction 0..1. */
  uploading(fraction: number): void;
  /** Indeterminate progress with a message ("Running model…"). */
  busy(message: string): void;
  done(message: string): void;
  failed(message: string, recovery: Recovery): void;
}

export function createStatus(elements: StatusElements): Status {
  const { text, progress, error, errorText, retry } = elements;
  const clearError = (): void => {
    error.hidden = true;
    errorText.textContent = '';
  };
  return {
    uploading(fraction) {
      clearError();
      const percent = Math.round(fraction * 100);
      text.textContent = `Uploading… ${percent}%`;
      progress.hidden = false;
      progress.value = fraction;
      progress.setAttribute('aria-label', `Upload ${percent}%`);
    },
    busy(message) {
      clearError();
      text.textContent = message;
      progress.hidden = false;
      progress.removeAttribute('value'); // no value = indeterminate bar
      progress.setAttribute('aria-label', message);
    },
    done(message) {
      clearError();
      text.textContent = message;
      progress.hidden = true;
    },
    failed(message, recovery) {
      text.textContent = '';
      progress.hidden = true;
      errorText.textContent = message;
      retry.dataset.recovery = recovery;
      retry.hidden = recovery === 'none';
      retry.textContent = recovery === 'retry' ? 'Try again' : 'Choose another image';
      error.hidden = false;
    },
  };
}
