/**
 * Exact decimal arithmetic on the API's decimal strings (BigInt-scaled integers).
 * Prices never go through `Number` for arithmetic: floats cannot represent "0.1" exactly and
 * Binance's filters are exact.
 */

interface Scaled {
  readonly units: bigint;
  readonly scale: number;
}

const DECIMAL_RE = /^([+-])?(\d*)(?:\.(\d*))?$/;

function parse(value: string): Scaled {
  const match = DECIMAL_RE.exec(value.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) {
    throw new RangeError(`not a decimal: ${JSON.stringify(value)}`);
  }
  const sign = match[1] === '-' ? -1n : 1n;
  const intPart = match[2] ?? '';
  const fracPart = match[3] ?? '';
  const units = BigInt((intPart || '0') + fracPart) * sign;
  return { units, scale: fracPart.length };
}

function align(a: Scaled, b: Scaled): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [
    a.units * 10n ** BigInt(scale - a.scale),
    b.units * 10n ** BigInt(scale - b.scale),
    scale,
  ];
}

function toString(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const intPart = digits.slice(0, digits.length - scale);
  const fracPart = scale > 0 ? `.${digits.slice(digits.length - scale)}` : '';
  return `${negative ? '-' : ''}${intPart}${fracPart}`;
}

export function isDecimal(value: string): boolean {
  const match = DECIMAL_RE.exec(value.trim());
  return match !== null && !(match[2] === '' && (match[3] ?? '') === '');
}

/** -1, 0 or 1, comparing numerically ("1.10" equals "1.1"). */
export function compare(a: string, b: string): -1 | 0 | 1 {
  const [x, y] = align(parse(a), parse(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

export function sign(value: string): -1 | 0 | 1 {
  const { units } = parse(value);
  return units < 0n ? -1 : units > 0n ? 1 : 0;
}

export function add(a: string, b: string): string {
  const [x, y, scale] = align(parse(a), parse(b));
  return toString(x + y, scale);
}

export function subtract(a: string, b: string): string {
  const [x, y, scale] = align(parse(a), parse(b));
  return toString(x - y, scale);
}

export function multiply(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  return toString(x.units * y.units, x.scale + y.scale);
}

/** a / b rounded half away from zero to `scale` decimals. */
export function divide(a: string, b: string, scale: number): string {
  const x = parse(a);
  const y = parse(b);
  if (y.units === 0n) throw new RangeError('division by zero');
  // a/b * 10^scale = (x.units * 10^(y.scale + scale + 1)) / (y.units * 10^x.scale), one guard digit
  const numerator = x.units * 10n ** BigInt(y.scale + scale + 1);
  const denominator = y.units * 10n ** BigInt(x.scale);
  const raw = numerator / denominator;
  const rounded = (raw + (raw < 0n ? -5n : 5n)) / 10n;
  return toString(rounded, scale);
}

/** Number of decimals a step such as "0.01000000" allows (2); "1.00000000" allows 0. */
export function decimalsOfStep(step: string): number {
  const { units, scale } = parse(step);
  if (units === 0n) return scale;
  let trailing = 0;
  let rest = units < 0n ? -units : units;
  while (trailing < scale && rest % 10n === 0n) {
    rest /= 10n;
    trailing += 1;
  }
  return scale - trailing;
}

/** Canonical form without trailing zeros ("46216.93000000" -> "46216.93"). */
export function normalize(value: string): string {
  const { units, scale } = parse(value);
  let u = units;
  let s = scale;
  while (s > 0 && u % 10n === 0n) {
    u /= 10n;
    s -= 1;
  }
  return toString(u, s);
}

/**
 * Lossy conversion for drawing only (canvas coordinates are floats anyway); never use the result
 * for money arithmetic.
 */
export function toPlotNumber(value: string): number {
  return Number(value);
}
