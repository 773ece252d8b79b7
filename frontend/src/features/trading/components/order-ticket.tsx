import Alert from 'react-bootstrap/Alert';
import Button from 'react-bootstrap/Button';
import ButtonGroup from 'react-bootstrap/ButtonGroup';
import Card from 'react-bootstrap/Card';
import Form from 'react-bootstrap/Form';
import { useTranslation } from 'react-i18next';

import { FormField } from '@/components/form-field';
import { formatPrice, formatQuantity } from '@/lib/format';

import type { Balance } from '../api/trading';
import { useOrderTicket } from '../hooks/use-order-ticket';
import { formatAmount } from '../lib/amounts';
import { issueText, rejectReason, statusText } from '../lib/reject-reason';
import {
  PERCENTS,
  TIME_IN_FORCE,
  needsPrice,
  needsStop,
  needsTimeInForce,
  supportedTypes,
} from '../lib/ticket';
import type { SymbolFilters } from '../lib/ticket';

export interface OrderTicketProps {
  readonly filters: SymbolFilters;
  readonly lastPrice: string | undefined;
  readonly balances: readonly Balance[] | undefined;
}

/** Buy/sell ticket for one symbol; all arithmetic and checks live in useOrderTicket/lib. */
export function OrderTicket({ filters, lastPrice, balances }: OrderTicketProps) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const ticket = useOrderTicket(filters, lastPrice, balances);
  const { form, values, free, place, placed } = ticket;
  const { errors } = form.formState;
  const base = filters.base_asset;
  const quote = filters.quote_asset;
  const buy = values.side === 'BUY';
  const available = buy ? free?.quote : free?.base;
  const availableAsset = buy ? quote : base;
  const fieldError = (name: 'price' | 'stopPrice' | 'quantity' | 'total') => errors[name]?.message;

  return (
    <Card as="section" aria-labelledby="ticket-title" className="h-100">
      <Card.Body>
        <h2 id="ticket-title" className="h5">
          {t('trading.ticketTitle', { symbol: `${base}/${quote}` })}
        </h2>
        <ButtonGroup className="w-100 mb-3" aria-label={t('trading.side')}>
          <Button
            variant={buy ? 'success' : 'outline-success'}
            aria-pressed={buy}
            onClick={() => ticket.setSide('BUY')}
          >
            {t('trading.buy')}
          </Button>
          <Button
            variant={!buy ? 'danger' : 'outline-danger'}
            aria-pressed={!buy}
            onClick={() => ticket.setSide('SELL')}
          >
            {t('trading.sell')}
          </Button>
        </ButtonGroup>
        <Form noValidate onSubmit={(e) => void ticket.onSubmit(e)}>
          <Form.Group className="mb-2" controlId="ticket-type">
            <Form.Label>{t('trading.type')}</Form.Label>
            <Form.Select {...form.register('type', { onChange: () => form.clearErrors() })}>
              {supportedTypes(filters).map((type) => (
                <option key={type} value={type}>
                  {t(`trading.types.${type}`)}
                </option>
              ))}
            </Form.Select>
          </Form.Group>
          {needsStop(values.type) ? (
            <FormField
              className="mb-2"
              id="ticket-stop"
              label={t('trading.stopPrice', { asset: quote })}
              inputMode="decimal"
              autoComplete="off"
              error={fieldError('stopPrice')}
              hint={t('trading.stopHint')}
              {...form.register('stopPrice', { onBlur: () => ticket.roundField('stopPrice') })}
            />
          ) : null}
          {needsPrice(values.type) ? (
            <FormField
              className="mb-2"
              id="ticket-price"
              label={t('trading.price', { asset: quote })}
              inputMode="decimal"
              autoComplete="off"
              error={fieldError('price')}
              {...form.register('price', { onBlur: () => ticket.roundField('price') })}
            />
          ) : (
            <p className="small text-body-secondary mb-2">
              {t('trading.marketPrice', {
                price: lastPrice ? formatPrice(lastPrice, filters.tick_size, lang) : '—',
              })}
            </p>
          )}
          <fieldset className="mb-2">
            <legend className="form-label fs-6 mb-1">{t('trading.sizeBy')}</legend>
            <Form.Check
              inline
              type="radio"
              id="ticket-by-qty"
              value="quantity"
              label={t('trading.byQuantity', { asset: base })}
              {...form.register('sizeMode', { onChange: () => form.clearErrors() })}
            />
            <Form.Check
              inline
              type="radio"
              id="ticket-by-total"
              value="total"
              label={t('trading.byTotal', { asset: quote })}
              {...form.register('sizeMode', { onChange: () => form.clearErrors() })}
            />
          </fieldset>
          {values.sizeMode === 'quantity' ? (
            <FormField
              className="mb-2"
              id="ticket-qty"
              label={t('trading.quantity', { asset: base })}
              inputMode="decimal"
              autoComplete="off"
              error={fieldError('quantity')}
              hint={
                ticket.estimate
                  ? t('trading.estimate', {
                      value: formatPrice(ticket.estimate, filters.tick_size, lang),
                      asset: quote,
                    })
                  : undefined
              }
              {...form.register('quantity', { onBlur: () => ticket.roundField('quantity') })}
            />
          ) : (
            <FormField
              className="mb-2"
              id="ticket-total"
              label={t('trading.total', { asset: quote })}
              inputMode="decimal"
              autoComplete="off"
              error={fieldError('total')}
              hint={
                ticket.estimate
                  ? t('trading.estimate', {
                      value: formatQuantity(ticket.estimate, filters.step_size, lang),
                      asset: base,
                    })
                  : undefined
              }
              {...form.register('total', { onBlur: () => ticket.roundField('total') })}
            />
          )}
          <ButtonGroup size="sm" className="w-100 mb-2" aria-label={t('trading.percentGroup')}>
            {PERCENTS.map((pct) => (
              <Button
                key={pct}
                variant="outline-secondary"
                disabled={!free}
                aria-label={t('trading.percentOf', { pct, asset: availableAsset })}
                onClick={() => ticket.applyPercent(pct)}
              >
                {pct}%
              </Button>
            ))}
          </ButtonGroup>
          <p className="small text-body-secondary mb-2" data-testid="available">
            {t('trading.available', {
              value: available === undefined ? '—' : formatAmount(available, lang),
              asset: availableAsset,
            })}
          </p>
          {needsTimeInForce(values.type) ? (
            <Form.Group className="mb-3" controlId="ticket-tif">
              <Form.Label>{t('trading.timeInForce')}</Form.Label>
              <Form.Select {...form.register('timeInForce')}>
                {TIME_IN_FORCE.map((tif) => (
                  <option key={tif} value={tif}>
                    {t(`trading.tif.${tif}`)}
                  </option>
                ))}
              </Form.Select>
            </Form.Group>
          ) : null}
          {ticket.orderIssues.map((issue) => (
            <Alert key={issue.code} variant="warning" role="alert" className="py-2 small">
              {issueText(issue)}
            </Alert>
          ))}
          {place.error ? (
            <Alert variant="danger" role="alert" className="py-2 small">
              {rejectReason(place.error)}
            </Alert>
          ) : null}
          {placed ? (
            <Alert variant="success" role="status" className="py-2 small">
              {t('trading.placed', {
                id: placed.id,
                status: statusText(placed.status),
              })}
            </Alert>
          ) : null}
          <Button
            type="submit"
            variant={buy ? 'success' : 'danger'}
            className="w-100"
            disabled={place.isPending}
          >
            {buy
              ? t('trading.submitBuy', { asset: base })
              : t('trading.submitSell', { asset: base })}
          </Button>
        </Form>
      </Card.Body>
    </Card>
  );
}
