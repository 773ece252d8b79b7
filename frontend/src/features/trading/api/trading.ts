import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import type { components } from '@/api/schema';
import { api } from '@/lib/api-client';
import { unwrap } from '@/lib/api-errors';

import type { OrderBody } from '../lib/ticket';

export type Account = components['schemas']['AccountOut'];
export type Balance = components['schemas']['BalanceOut'];
export type Order = components['schemas']['OrderOut'];
export type Trade = components['schemas']['TradeOut'];
export type Portfolio = components['schemas']['PortfolioOut'];
export type Position = components['schemas']['PositionOut'];
export type EquityPoint = components['schemas']['EquityPointOut'];
export type OrderStatusFilter = 'open' | 'closed' | 'all';

export const tradingKeys = {
  all: ['trading'] as const,
  account: () => [...tradingKeys.all, 'account'] as const,
  orders: () => [...tradingKeys.all, 'orders'] as const,
  orderList: (status: OrderStatusFilter, symbol: string | null) =>
    [...tradingKeys.orders(), status, symbol] as const,
  trades: () => [...tradingKeys.all, 'trades'] as const,
  tradeList: (symbol: string | null) => [...tradingKeys.trades(), symbol] as const,
  portfolio: () => [...tradingKeys.all, 'portfolio'] as const,
  equity: () => [...tradingKeys.all, 'equity'] as const,
};

export function accountQuery() {
  return queryOptions({
    queryKey: tradingKeys.account(),
    queryFn: () => unwrap(api().GET('/api/v1/account')),
    staleTime: 30_000,
  });
}

export function useAccount(enabled = true) {
  return useQuery({ ...accountQuery(), enabled });
}

export function ordersQuery(status: OrderStatusFilter, symbol: string | null) {
  return queryOptions({
    queryKey: tradingKeys.orderList(status, symbol),
    queryFn: () =>
      unwrap(
        api().GET('/api/v1/orders', {
          params: { query: { status, limit: 200, ...(symbol ? { symbol } : {}) } },
        }),
      ),
    staleTime: 30_000,
  });
}

export function useOrders(status: OrderStatusFilter, symbol: string | null, enabled = true) {
  return useQuery({ ...ordersQuery(status, symbol), enabled });
}

export function tradesQuery(symbol: string | null) {
  return queryOptions({
    queryKey: tradingKeys.tradeList(symbol),
    queryFn: () =>
      unwrap(
        api().GET('/api/v1/trades', {
          params: { query: { limit: 200, ...(symbol ? { symbol } : {}) } },
        }),
      ),
    staleTime: 30_000,
  });
}

export function useTrades(symbol: string | null, enabled = true) {
  return useQuery({ ...tradesQuery(symbol), enabled });
}

export function usePortfolio() {
  return useQuery({
    queryKey: tradingKeys.portfolio(),
    queryFn: () => unwrap(api().GET('/api/v1/portfolio')),
    staleTime: 15_000,
    // market values move with the price even when our own account does not
    refetchInterval: 15_000,
  });
}

export function useEquity() {
  return useQuery({
    queryKey: tradingKeys.equity(),
    queryFn: () => unwrap(api().GET('/api/v1/portfolio/equity', { params: { query: {} } })),
    staleTime: 60_000,
  });
}

export function usePlaceOrderMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: OrderBody) => unwrap(api().POST('/api/v1/orders', { body })),
    onSuccess: () => {
      // the user stream also reports these; invalidating keeps a missed frame harmless
      void queryClient.invalidateQueries({ queryKey: tradingKeys.orders() });
      void queryClient.invalidateQueries({ queryKey: tradingKeys.account() });
      void queryClient.invalidateQueries({ queryKey: tradingKeys.trades() });
      void queryClient.invalidateQueries({ queryKey: tradingKeys.portfolio() });
    },
  });
}

export function useCancelOrderMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (orderId: number) =>
      unwrap(
        api().DELETE('/api/v1/orders/{order_id}', { params: { path: { order_id: orderId } } }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: tradingKeys.orders() });
      void queryClient.invalidateQueries({ queryKey: tradingKeys.account() });
    },
  });
}

export function useResetAccountMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api().POST('/api/v1/account/reset')),
    onSuccess: (account) => {
      queryClient.setQueryData(tradingKeys.account(), account);
      void queryClient.invalidateQueries({ queryKey: tradingKeys.all });
    },
  });
}
