/**
 * The background of a correlation cell: blue for positive, red for negative, stronger with |r|.
 * At most 40% opaque, so the value's text keeps its contrast in both themes.
 */
export function heatColor(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return 'transparent';
  const alpha = Math.min(1, Math.abs(r)) * 0.4;
  return r >= 0
    ? `rgba(59, 130, 246, ${alpha.toFixed(3)})`
    : `rgba(239, 68, 68, ${alpha.toFixed(3)})`;
}
