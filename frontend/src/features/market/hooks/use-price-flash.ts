import { useEffect, useRef, useState } from 'react';

import { compare, isDecimal } from '@/lib/decimal';

export type Flash = 'up' | 'down' | null;

/** 'up'/'down' for a moment after the price changes, then null again. */
export function usePriceFlash(price: string, durationMs = 700): Flash {
  const previous = useRef(price);
  const [flash, setFlash] = useState<Flash>(null);
  useEffect(() => {
    const before = previous.current;
    previous.current = price;
    if (before === price || !isDecimal(before) || !isDecimal(price)) return undefined;
    const direction = compare(price, before);
    if (direction === 0) return undefined;
    setFlash(direction > 0 ? 'up' : 'down');
    const timer = setTimeout(() => setFlash(null), durationMs);
    return () => clearTimeout(timer);
  }, [price, durationMs]);
  return flash;
}
