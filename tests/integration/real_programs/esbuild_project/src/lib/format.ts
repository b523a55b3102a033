// Formatting helpers (re-exported through `export *` to exercise star re-exports).
export * from "./currency";
export const pad = (s: string, width: number, fill = " "): string => fill.repeat(Math.max(0, width - s.length)) + s;
export const titleCase = (s: string): string => s.replace(/\b\w/g, (c) => c.toUpperCase());
