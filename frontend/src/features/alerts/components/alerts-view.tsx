import Card from 'react-bootstrap/Card';
import Col from 'react-bootstrap/Col';
import Row from 'react-bootstrap/Row';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';

import { AlertForm } from './alert-form';
import { AlertList } from './alert-list';

/** The alerts page; `?symbol=BTCUSDT&value=50000` prefills the form ("alert at this price"). */
export function AlertsView() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const symbol = params.get('symbol') ?? 'BTCUSDT';
  const value = params.get('value') ?? '';
  return (
    <>
      <h1 className="h3 mb-3">{t('alerts.title')}</h1>
      <Row className="g-4">
        <Col lg={5}>
          <Card>
            <Card.Body>
              <h2 className="h5">{t('alerts.createTitle')}</h2>
              {/* a new prefill (another symbol page's link) starts a fresh form */}
              <AlertForm key={`${symbol}|${value}`} symbol={symbol} value={value} />
            </Card.Body>
          </Card>
        </Col>
        <Col lg={7}>
          <h2 className="h5">{t('alerts.listTitle')}</h2>
          <AlertList />
        </Col>
      </Row>
    </>
  );
}
