import Card from 'react-bootstrap/Card';
import Col from 'react-bootstrap/Col';
import Row from 'react-bootstrap/Row';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';

import { AlertForm } from '@/features/alerts/components/alert-form';
import { AlertList } from '@/features/alerts/components/alert-list';
import { RequireRole } from '@/features/auth/components/require-role';

/** /alerts?symbol=BTCUSDT&value=50000 prefills the form (the chart's "alert at this price"). */
function AlertsContent() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  return (
    <>
      <h1 className="h3 mb-3">{t('alerts.title')}</h1>
      <Row className="g-4">
        <Col lg={5}>
          <Card>
            <Card.Body>
              <h2 className="h5">{t('alerts.createTitle')}</h2>
              <AlertForm
                symbol={params.get('symbol') ?? 'BTCUSDT'}
                value={params.get('value') ?? ''}
              />
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

export default function AlertsPage() {
  return (
    <RequireRole role="trader">
      <AlertsContent />
    </RequireRole>
  );
}
