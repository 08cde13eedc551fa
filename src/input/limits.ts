// Input limits that the CLI's help and the server's defaults quote without loading sharp.

/** Images with more pixels are refused from their header, before decoding (40 MP). */
export const DEFAULT_MAX_PIXELS = 40_000_000;
