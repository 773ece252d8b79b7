import { useCallback, useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import type { FieldErrors, Resolver } from 'react-hook-form';

import { useOrders, usePlaceOrderMutation } from '../api/trading';
import type { Balance, Order } from '../api/trading';
import { checkTicket } from '../lib/checks';
import { countOpen } from '../lib/filters';
import { issueText } from '../lib/reject-reason';
import {
  buildOrder,
  orderQuantity,
  effectivePrice,
  roundPriceInput,
  roundQuantityInput,
  roundTotalInput,
  sizeForPercent,
  totalForQuantity,
} from '../lib/ticket';
import type { Side, SymbolFilters, TicketField, TicketValues } from '../lib/ticket';

const ZERO = '0';

export function freeOf(balances: readonly Balance[] | undefined, asset: string): string {
  return balances?.find((b) => b.asset === asset)?.free ?? ZERO;
}

/**
 * State and actions of the order ticket: react-hook-form holds the inputs, checkTicket is the
 * resolver (filter problems show while typing), rounding happens on blur. Problems of the order
 * as a whole (MAX_NUM_ORDERS / MAX_NUM_ALGO_ORDERS against the open orders on the symbol, which
 * the user stream keeps current) are `orderIssues`, shown at once and blocking the send.
 */
export function useOrderTicket(
  filters: SymbolFilters,
  lastPrice: string | undefined,
  balances: readonly Balance[] | undefined,
) {
  const free = useMemo(
    () =>
      balances
        ? {
            base: freeOf(balances, filters.base_asset),
            quote: freeOf(balances, filters.quote_asset),
          }
        : null,
    [balances, filters.base_asset, filters.quote_asset],
  );
  const openOrders = useOrders('open', filters.symbol);
  const open = useMemo(
    () => (openOrders.data ? countOpen(openOrders.data, filters.symbol) : null),
    [openOrders.data, filters.symbol],
  );
  const resolver = useCallback<Resolver<TicketValues>>(
    (values) => {
      const issues = checkTicket(values, filters, free, lastPrice, open);
      const errors: FieldErrors<TicketValues> = {};
      for (const issue of issues) {
        if (issue.field === 'order') continue; // orderIssues
        errors[issue.field] ??= { type: issue.code, message: issueText(issue) };
      }
      if (Object.keys(errors).length === 0) return { values, errors: {} };
      return { values: {}, errors };
    },
    [filters, free, lastPrice, open],
  );
  const form = useForm<TicketValues>({
    mode: 'onTouched',
    resolver,
    defaultValues: {
      side: 'BUY',
      type: 'LIMIT',
      sizeMode: 'quantity',
      price: lastPrice ? roundPriceInput(lastPrice, filters) : '',
      stopPrice: '',
      quantity: '',
      total: '',
      timeInForce: 'GTC',
    },
  });
  const place = usePlaceOrderMutation();
  const [placed, setPlaced] = useState<Order | null>(null);
  const values = form.watch();

  const setSide = (side: Side) => {
    form.setValue('side', side);
    form.clearErrors();
    setPlaced(null);
  };

  const roundField = (field: TicketField) => {
    const raw = form.getValues(field);
    const rounded =
      field === 'quantity'
        ? roundQuantityInput(raw, filters)
        : field === 'total'
          ? roundTotalInput(raw, filters)
          : roundPriceInput(raw, filters);
    if (rounded !== raw) form.setValue(field, rounded, { shouldValidate: true });
  };

  const applyPercent = (pct: number) => {
    if (!free) return;
    const current = form.getValues();
    // A MARKET buy pays the taker price, above the last one: sized by total, the server never
    // spends more than the share chosen (by quantity, 100 % could be refused for balance).
    if (current.type === 'MARKET' && current.side === 'BUY' && current.sizeMode !== 'total') {
      form.setValue('sizeMode', 'total');
    }
    const size = sizeForPercent(pct, form.getValues(), filters, free, lastPrice);
    form.setValue('quantity', size.quantity, { shouldValidate: true });
    form.setValue('total', size.total, { shouldValidate: true });
  };

  /** The other size figure, estimated for the hint ("≈ 0.00123 BTC" / "≈ 61.50 USDT"). */
  const estimate = (() => {
    const price = effectivePrice(values, lastPrice);
    if (!price) return null;
    if (values.sizeMode === 'total') return orderQuantity(values, filters, lastPrice);
    const qty = orderQuantity(values, filters, lastPrice);
    return qty ? totalForQuantity(qty, price, filters) : null;
  })();

  const orderIssues = checkTicket(values, filters, free, lastPrice, open).filter(
    (issue) => issue.field === 'order',
  );

  const onSubmit = form.handleSubmit(async (v) => {
    setPlaced(null);
    place.reset();
    if (checkTicket(v, filters, free, lastPrice, open).some((i) => i.field === 'order')) return;
    try {
      const order = await place.mutateAsync(buildOrder(v, filters, lastPrice));
      setPlaced(order);
      form.reset({ ...v, quantity: '', total: '' });
    } catch {
      // shown from place.error
    }
  });

  return {
    form,
    values,
    free,
    place,
    placed,
    setSide,
    roundField,
    applyPercent,
    estimate,
    orderIssues,
    onSubmit,
  };
}
