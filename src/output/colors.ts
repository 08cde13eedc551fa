// Colours for the annotated image: one stable colour per class NAME (not per id, so the same
// class looks the same across models and runs), picked from a palette of distinct, saturated
// colours that stay visible both as a translucent fill and as an outline.

export type Rgb = [number, number, number];

const PALETTE: readonly Rgb[] = Object.freeze([
  [230, 25, 75], // red
  [60, 180, 75], // green
  [0, 130, 200], // blue
  [245, 130, 48], // orange
  [145, 30, 180], // purple
  [70, 220, 230], // cyan
  [220, 40, 210], // magenta
  [190, 230, 40], // lime
  [255, 210, 0], // yellow
  [0, 140, 130], // teal
  [170, 90, 30], // brown
  [255, 95, 140], // pink
  [40, 60, 200], // indigo
  [120, 130, 0], // olive
  [160, 0, 40], // crimson
  [0, 190, 140], // jade
] as Rgb[]);

/** The class's colour: FNV-1a hash of the name into the palette; same name, same colour. */
export function classColor(name: string): Rgb {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  const [r, g, b] = PALETTE[(hash >>> 0) % PALETTE.length];
  return [r, g, b]; // a copy, so callers cannot repaint the palette
}

/** Black or white, whichever reads better on the given background (WCAG relative luminance). */
export function textColorOn(background: Rgb): Rgb {
  const [r, g, b] = background.map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  // Both contrasts are equal at L ~ 0.18 (red, teal); white reads better there on photos and is the
  // convention for tags, so black only takes over on clearly light colours.
  return luminance > 0.25 ? [0, 0, 0] : [255, 255, 255];
}

export function cssColor([r, g, b]: Rgb): string {
  return `rgb(${r},${g},${b})`;
}
