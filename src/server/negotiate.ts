// Minimal HTTP Accept negotiation (RFC 9110 §12.5.1): enough to choose between JSON, HTML and
// image types without a dependency. Ties go to the earliest offer, so the server's preferred
// representation wins whenever the client does not state a real preference.

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

function parseAccept(header: string | undefined): MediaRange[] {
  if (header === undefined || header.trim() === '') return [{ type: '*', subtype: '*', q: 1 }];
  const ranges: MediaRange[] = [];
  for (const item of header.split(',')) {
    const [range = '', ...params] = item.split(';').map((part) => part.trim());
    const [type, subtype] = range.toLowerCase().split('/');
    if (!type || !subtype) continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split('=').map((part) => part.trim());
      if (key?.toLowerCase() === 'q' && value !== undefined) {
        const parsed = Number(value);
        q = Number.isFinite(parsed) ? Math.min(Math.max(parsed, 0), 1) : 0;
      }
    }
    ranges.push({ type, subtype, q });
  }
  return ranges;
}

/** Quality the client gives `mediaType`: the most specific matching range decides. */
function qualityOf(mediaType: string, ranges: readonly MediaRange[]): number {
  const [type, subtype] = mediaType.toLowerCase().split('/');
  let best: { specificity: number; q: number } = { specificity: -1, q: 0 };
  for (const range of ranges) {
    const typeMatches = range.type === '*' || range.type === type;
    const subtypeMatches = range.subtype === '*' || range.subtype === subtype;
    if (!typeMatches || !subtypeMatches) continue;
    const specificity = (range.type === '*' ? 0 : 1) + (range.subtype === '*' ? 0 : 1);
    if (specificity > best.specificity) best = { specificity, q: range.q };
  }
  return best.q;
}

/**
 * The offer the client prefers, or undefined when it accepts none of them.
 * `offers` are full media types in the server's order of preference.
 */
export function negotiate<T extends string>(acceptHeader: string | undefined, offers: readonly T[]): T | undefined {
  const ranges = parseAccept(acceptHeader);
  let chosen: T | undefined;
  let chosenQ = 0;
  for (const offer of offers) {
    const q = qualityOf(offer, ranges);
    if (q > chosenQ) {
      chosen = offer;
      chosenQ = q;
    }
  }
  return chosen;
}

/** Browsers ask for text/html first; API clients (curl, fetch) send * / * or application/json. */
export function prefersHtml(acceptHeader: string | undefined): boolean {
  return negotiate(acceptHeader, ['application/json', 'text/html']) === 'text/html';
}
